//go:build gl && cgo

package egl

/*
#cgo pkg-config: egl gbm
#include <stdlib.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <gbm.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

static PFNEGLGETPLATFORMDISPLAYEXTPROC p_getPlatformDisplay;
static PFNEGLQUERYDEVICESEXTPROC p_queryDevices;
static PFNEGLQUERYDEVICESTRINGEXTPROC p_queryDeviceString;
static PFNEGLQUERYDMABUFFORMATSEXTPROC p_queryFormats;
static PFNEGLQUERYDMABUFMODIFIERSEXTPROC p_queryModifiers;
static PFNEGLCREATEIMAGEKHRPROC p_createImage;
static PFNEGLDESTROYIMAGEKHRPROC p_destroyImage;
static PFNEGLCREATESYNCKHRPROC p_createSync;
static PFNEGLCLIENTWAITSYNCKHRPROC p_clientWaitSync;
static PFNEGLDESTROYSYNCKHRPROC p_destroySync;

static int scanout_egl_load(void) {
	p_getPlatformDisplay = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	p_queryDevices = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
	p_queryDeviceString = (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	p_queryFormats = (PFNEGLQUERYDMABUFFORMATSEXTPROC)eglGetProcAddress("eglQueryDmaBufFormatsEXT");
	p_queryModifiers = (PFNEGLQUERYDMABUFMODIFIERSEXTPROC)eglGetProcAddress("eglQueryDmaBufModifiersEXT");
	p_createImage = (PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
	p_destroyImage = (PFNEGLDESTROYIMAGEKHRPROC)eglGetProcAddress("eglDestroyImageKHR");
	p_createSync = (PFNEGLCREATESYNCKHRPROC)eglGetProcAddress("eglCreateSyncKHR");
	p_clientWaitSync = (PFNEGLCLIENTWAITSYNCKHRPROC)eglGetProcAddress("eglClientWaitSyncKHR");
	p_destroySync = (PFNEGLDESTROYSYNCKHRPROC)eglGetProcAddress("eglDestroySyncKHR");
	return p_getPlatformDisplay != NULL;
}

static EGLDisplay scanout_platform_display(EGLenum platform, void *native) {
	if (!p_getPlatformDisplay) return EGL_NO_DISPLAY;
	return p_getPlatformDisplay(platform, native, NULL);
}

static int scanout_query_devices(EGLDeviceEXT *devs, EGLint max, EGLint *n) {
	if (!p_queryDevices) return 0;
	return p_queryDevices(max, devs, n);
}

static const char *scanout_device_string(EGLDeviceEXT dev, EGLint name) {
	if (!p_queryDeviceString) return NULL;
	return p_queryDeviceString(dev, name);
}

static int scanout_query_formats(EGLDisplay d, EGLint max, EGLint *fmts, EGLint *n) {
	if (!p_queryFormats) return 0;
	return p_queryFormats(d, max, fmts, n);
}

static int scanout_query_modifiers(EGLDisplay d, EGLint fmt, EGLint max, EGLuint64KHR *mods, EGLBoolean *ext, EGLint *n) {
	if (!p_queryModifiers) return 0;
	return p_queryModifiers(d, fmt, max, mods, ext, n);
}

static EGLImageKHR scanout_create_image(EGLDisplay d, const EGLint *attrs) {
	if (!p_createImage) return EGL_NO_IMAGE_KHR;
	return p_createImage(d, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, (EGLClientBuffer)NULL, attrs);
}

static int scanout_destroy_image(EGLDisplay d, EGLImageKHR img) {
	if (!p_destroyImage) return 0;
	return p_destroyImage(d, img);
}

static EGLSyncKHR scanout_create_fence(EGLDisplay d) {
	if (!p_createSync) return EGL_NO_SYNC_KHR;
	return p_createSync(d, EGL_SYNC_FENCE_KHR, NULL);
}

static EGLint scanout_client_wait(EGLDisplay d, EGLSyncKHR s, EGLTimeKHR timeout) {
	if (!p_clientWaitSync) return EGL_FALSE;
	return p_clientWaitSync(d, s, EGL_SYNC_FLUSH_COMMANDS_BIT_KHR, timeout);
}

static int scanout_destroy_sync(EGLDisplay d, EGLSyncKHR s) {
	if (!p_destroySync) return 0;
	return p_destroySync(d, s);
}

static uintptr_t scanout_image_handle(EGLImageKHR img) { return (uintptr_t)img; }
static EGLImageKHR scanout_image_from(uintptr_t h) { return (EGLImageKHR)h; }
static uintptr_t scanout_sync_handle(EGLSyncKHR s) { return (uintptr_t)s; }
static EGLSyncKHR scanout_sync_from(uintptr_t h) { return (EGLSyncKHR)h; }
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-scanout/scanout/internal/fd"
	"golang.org/x/sys/unix"
)

// Platform names the EGL platform a Display runs on.
type Platform string

// Platforms.
const (
	PlatformGBM         Platform = "gbm"
	PlatformSurfaceless Platform = "surfaceless"
	PlatformDevice      Platform = "device"
)

// Display is an initialised EGL display with, after CreateContext, a
// current GLES context without surfaces.
type Display struct {
	Platform Platform
	// Node is the DRM node the display runs on (GBM platform, or the
	// device platform when the device has one); empty otherwise.
	Node string
	// Vendor and Version are EGL_VENDOR and EGL_VERSION.
	Vendor, Version string
	// GLESVersion is 3 or 2 once a context exists.
	GLESVersion int

	dpy  C.EGLDisplay
	ctx  C.EGLContext
	exts map[string]bool
	gbm  *C.struct_gbm_device
	node *fd.FD
}

// Error is an EGL failure: the call, the display and eglGetError's code.
type Error struct {
	Op      string // the EGL call, "eglInitialize"
	Display string // "gbm:/dev/dri/card1", "surfaceless"
	Code    int    // eglGetError(), 0x3000 + n
	Hint    string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("egl: %s on %s: %s (0x%04x)", e.Op, e.Display, codeName(e.Code), e.Code)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// ErrMissing is wrapped by errors about a missing EGL extension or entry
// point.
var ErrMissing = errors.New("egl: extension missing")

func codeName(c int) string {
	names := map[int]string{
		0x3000: "EGL_SUCCESS", 0x3001: "EGL_NOT_INITIALIZED", 0x3002: "EGL_BAD_ACCESS",
		0x3003: "EGL_BAD_ALLOC", 0x3004: "EGL_BAD_ATTRIBUTE", 0x3005: "EGL_BAD_CONFIG",
		0x3006: "EGL_BAD_CONTEXT", 0x3007: "EGL_BAD_CURRENT_SURFACE", 0x3008: "EGL_BAD_DISPLAY",
		0x3009: "EGL_BAD_MATCH", 0x300A: "EGL_BAD_NATIVE_PIXMAP", 0x300B: "EGL_BAD_NATIVE_WINDOW",
		0x300C: "EGL_BAD_PARAMETER", 0x300D: "EGL_BAD_SURFACE", 0x300E: "EGL_CONTEXT_LOST",
	}
	if n, ok := names[c]; ok {
		return n
	}
	return "unknown EGL error"
}

func (d *Display) where() string {
	if d.Node != "" {
		return string(d.Platform) + ":" + d.Node
	}
	return string(d.Platform)
}

func (d *Display) fail(op, hint string) error {
	return &Error{Op: op, Display: d.where(), Code: int(C.eglGetError()), Hint: hint}
}

var loadOnce sync.Once
var loaded bool

func load() error {
	loadOnce.Do(func() { loaded = C.scanout_egl_load() != 0 })
	if !loaded {
		return fmt.Errorf("%w: eglGetPlatformDisplayEXT not found in libEGL (install libegl1 and libegl-mesa0)", ErrMissing)
	}
	return nil
}

// ClientExtensions returns the client (display-less) extension string.
func ClientExtensions() string {
	s := C.eglQueryString(C.EGLDisplay(0), C.EGL_EXTENSIONS)
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// OpenGBM opens a GBM device on the DRM node path and an EGL display on
// it. On hardware path is the GPU's render node; Mesa's kms_swrast needs a
// KMS card node (dumb buffers are refused on render nodes).
func OpenGBM(path string) (*Display, error) {
	if err := load(); err != nil {
		return nil, err
	}
	d := &Display{Platform: PlatformGBM, Node: path}
	node, err := fd.Open(path, unix.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("egl: open %s for GBM: %w", path, err)
	}
	d.node = node
	err = node.Control(func(n int) error {
		d.gbm = C.gbm_create_device(C.int(n))
		return nil
	})
	if err != nil || d.gbm == nil {
		node.Close()
		return nil, fmt.Errorf("egl: gbm_create_device(%s) failed: Mesa has no driver for this node (hardware needs the GPU's render node; Mesa's kms_swrast needs a KMS card node)", path)
	}
	d.dpy = C.scanout_platform_display(C.EGL_PLATFORM_GBM_KHR, unsafe.Pointer(d.gbm))
	if err := d.initialize("EGL_KHR_platform_gbm or EGL_MESA_platform_gbm"); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// OpenSurfaceless opens Mesa's surfaceless platform (headless; llvmpipe on
// a machine without GPU).
func OpenSurfaceless() (*Display, error) {
	if err := load(); err != nil {
		return nil, err
	}
	if !strings.Contains(ClientExtensions(), "EGL_MESA_platform_surfaceless") {
		return nil, fmt.Errorf("%w: EGL_MESA_platform_surfaceless (install libegl-mesa0)", ErrMissing)
	}
	d := &Display{Platform: PlatformSurfaceless}
	d.dpy = C.scanout_platform_display(C.EGL_PLATFORM_SURFACELESS_MESA, nil)
	if err := d.initialize("EGL_MESA_platform_surfaceless"); err != nil {
		return nil, err
	}
	return d, nil
}

// OpenDevice opens the first EGL device (EGL_EXT_device_enumeration) that
// initialises; with Mesa and no GPU that is the software device.
func OpenDevice() (*Display, error) {
	if err := load(); err != nil {
		return nil, err
	}
	if !strings.Contains(ClientExtensions(), "EGL_EXT_platform_device") {
		return nil, fmt.Errorf("%w: EGL_EXT_platform_device", ErrMissing)
	}
	var devs [16]C.EGLDeviceEXT
	var n C.EGLint
	if C.scanout_query_devices(&devs[0], 16, &n) == 0 || n == 0 {
		return nil, &Error{Op: "eglQueryDevicesEXT", Display: "device", Code: int(C.eglGetError()), Hint: "no EGL device"}
	}
	var errs []error
	for i := 0; i < int(n); i++ {
		d := &Display{Platform: PlatformDevice}
		if s := C.scanout_device_string(devs[i], C.EGL_DRM_DEVICE_FILE_EXT); s != nil {
			d.Node = C.GoString(s)
		}
		d.dpy = C.scanout_platform_display(C.EGL_PLATFORM_DEVICE_EXT, unsafe.Pointer(devs[i]))
		if err := d.initialize("EGL_EXT_platform_device"); err != nil {
			errs = append(errs, err)
			continue
		}
		return d, nil
	}
	return nil, errors.Join(errs...)
}

func (d *Display) initialize(what string) error {
	if d.dpy == 0 {
		return d.fail("eglGetPlatformDisplayEXT", "platform "+what+" unavailable")
	}
	var maj, min C.EGLint
	if C.eglInitialize(d.dpy, &maj, &min) == C.EGL_FALSE {
		err := d.fail("eglInitialize", "")
		d.dpy = 0
		return err
	}
	d.Vendor = C.GoString(C.eglQueryString(d.dpy, C.EGL_VENDOR))
	d.Version = C.GoString(C.eglQueryString(d.dpy, C.EGL_VERSION))
	d.exts = map[string]bool{}
	for _, e := range strings.Fields(C.GoString(C.eglQueryString(d.dpy, C.EGL_EXTENSIONS))) {
		d.exts[e] = true
	}
	return nil
}

// HasExtension reports whether the display offers the EGL extension.
func (d *Display) HasExtension(name string) bool { return d.exts[name] }

// Extensions lists the display's extensions.
func (d *Display) Extensions() []string {
	out := make([]string, 0, len(d.exts))
	for e := range d.exts {
		out = append(out, e)
	}
	return out
}

// CreateContext creates a GLES context (3 preferred, 2 accepted) without
// a config or surface and makes it current on the calling thread, which
// must be locked (see Thread).
func (d *Display) CreateContext() error {
	if C.eglBindAPI(C.EGL_OPENGL_ES_API) == C.EGL_FALSE {
		return d.fail("eglBindAPI(EGL_OPENGL_ES_API)", "")
	}
	if !d.exts["EGL_KHR_surfaceless_context"] {
		return fmt.Errorf("%w: EGL_KHR_surfaceless_context on %s", ErrMissing, d.where())
	}
	var cfg C.EGLConfig // EGL_NO_CONFIG_KHR (0) unless a config is needed
	if !d.exts["EGL_KHR_no_config_context"] && !d.exts["EGL_MESA_configless_context"] {
		attrs := []C.EGLint{C.EGL_RENDERABLE_TYPE, C.EGL_OPENGL_ES2_BIT, C.EGL_NONE}
		var n C.EGLint
		if C.eglChooseConfig(d.dpy, &attrs[0], &cfg, 1, &n) == C.EGL_FALSE || n == 0 {
			return d.fail("eglChooseConfig", "no GLES2 config")
		}
	}
	var lastErr error
	for _, v := range []int{3, 2} {
		attrs := []C.EGLint{C.EGL_CONTEXT_MAJOR_VERSION, C.EGLint(v), C.EGL_NONE}
		ctx := C.eglCreateContext(d.dpy, cfg, C.EGLContext(unsafe.Pointer(nil)), &attrs[0])
		if uintptr(unsafe.Pointer(ctx)) == 0 {
			lastErr = d.fail(fmt.Sprintf("eglCreateContext(GLES %d)", v), "")
			continue
		}
		d.ctx = ctx
		d.GLESVersion = v
		return d.MakeCurrent()
	}
	return lastErr
}

// MakeCurrent makes the context current on the calling thread without
// surfaces.
func (d *Display) MakeCurrent() error {
	if C.eglMakeCurrent(d.dpy, nil, nil, d.ctx) == C.EGL_FALSE {
		return d.fail("eglMakeCurrent", "")
	}
	return nil
}

// ProcAddress returns a GL or EGL entry point, for gl.InitWithProcAddrFunc.
func ProcAddress(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return unsafe.Pointer(C.eglGetProcAddress(cs))
}

// LastError returns eglGetError() (0x3000 is EGL_SUCCESS; 0x300E is
// EGL_CONTEXT_LOST).
func LastError() int { return int(C.eglGetError()) }

// ContextLost is EGL_CONTEXT_LOST.
const ContextLost = 0x300E

// DmaBufFormats returns the DRM fourcc formats the display imports
// (eglQueryDmaBufFormatsEXT).
func (d *Display) DmaBufFormats() ([]uint32, error) {
	if !d.exts["EGL_EXT_image_dma_buf_import_modifiers"] {
		return nil, fmt.Errorf("%w: EGL_EXT_image_dma_buf_import_modifiers on %s", ErrMissing, d.where())
	}
	var n C.EGLint
	if C.scanout_query_formats(d.dpy, 0, nil, &n) == 0 {
		return nil, d.fail("eglQueryDmaBufFormatsEXT", "")
	}
	if n == 0 {
		return nil, nil
	}
	buf := make([]C.EGLint, n)
	if C.scanout_query_formats(d.dpy, n, &buf[0], &n) == 0 {
		return nil, d.fail("eglQueryDmaBufFormatsEXT", "")
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(buf[i])
	}
	return out, nil
}

// DmaBufModifiers returns the modifiers format imports with, and whether
// each is external-only (samplable only as GL_TEXTURE_EXTERNAL_OES, not
// renderable).
func (d *Display) DmaBufModifiers(format uint32) (mods []uint64, externalOnly []bool, err error) {
	if !d.exts["EGL_EXT_image_dma_buf_import_modifiers"] {
		return nil, nil, fmt.Errorf("%w: EGL_EXT_image_dma_buf_import_modifiers on %s", ErrMissing, d.where())
	}
	var n C.EGLint
	if C.scanout_query_modifiers(d.dpy, C.EGLint(format), 0, nil, nil, &n) == 0 {
		return nil, nil, d.fail(fmt.Sprintf("eglQueryDmaBufModifiersEXT(%s)", fourcc(format)), "")
	}
	if n == 0 {
		return nil, nil, nil
	}
	m := make([]C.EGLuint64KHR, n)
	e := make([]C.EGLBoolean, n)
	if C.scanout_query_modifiers(d.dpy, C.EGLint(format), n, &m[0], &e[0], &n) == 0 {
		return nil, nil, d.fail(fmt.Sprintf("eglQueryDmaBufModifiersEXT(%s)", fourcc(format)), "")
	}
	mods = make([]uint64, n)
	externalOnly = make([]bool, n)
	for i := range mods {
		mods[i] = uint64(m[i])
		externalOnly[i] = e[i] != 0
	}
	return mods, externalOnly, nil
}

func fourcc(f uint32) string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	return strings.TrimRight(string(b), " ")
}

// Plane is one plane of a dma-buf to import. FD is borrowed: EGL dups it.
type Plane struct {
	FD     int
	Offset uint32
	Stride uint32
}

// ModifierInvalid is DRM_FORMAT_MOD_INVALID: the layout is implicit and no
// modifier attribute is passed.
const ModifierInvalid = 0x00ffffffffffffff

// Image is an imported EGLImage.
type Image uintptr

// CreateDmaBufImage imports a dma-buf of up to four planes as an EGLImage
// (EGL_EXT_image_dma_buf_import; explicit modifiers need _modifiers).
func (d *Display) CreateDmaBufImage(format uint32, width, height int, modifier uint64, planes []Plane) (Image, error) {
	if !d.exts["EGL_EXT_image_dma_buf_import"] {
		return 0, fmt.Errorf("%w: EGL_EXT_image_dma_buf_import on %s (Mesa 22.3 has it on GBM/kms_swrast but not surfaceless; Mesa 25 has it on llvmpipe)", ErrMissing, d.where())
	}
	if len(planes) == 0 || len(planes) > 4 {
		return 0, fmt.Errorf("egl: import %s: %d planes, want 1 to 4", fourcc(format), len(planes))
	}
	withMod := modifier != ModifierInvalid
	if withMod && !d.exts["EGL_EXT_image_dma_buf_import_modifiers"] {
		return 0, fmt.Errorf("%w: EGL_EXT_image_dma_buf_import_modifiers on %s, needed for modifier 0x%x", ErrMissing, d.where(), modifier)
	}
	keys := [4][5]C.EGLint{
		{C.EGL_DMA_BUF_PLANE0_FD_EXT, C.EGL_DMA_BUF_PLANE0_OFFSET_EXT, C.EGL_DMA_BUF_PLANE0_PITCH_EXT, C.EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT, C.EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT},
		{C.EGL_DMA_BUF_PLANE1_FD_EXT, C.EGL_DMA_BUF_PLANE1_OFFSET_EXT, C.EGL_DMA_BUF_PLANE1_PITCH_EXT, C.EGL_DMA_BUF_PLANE1_MODIFIER_LO_EXT, C.EGL_DMA_BUF_PLANE1_MODIFIER_HI_EXT},
		{C.EGL_DMA_BUF_PLANE2_FD_EXT, C.EGL_DMA_BUF_PLANE2_OFFSET_EXT, C.EGL_DMA_BUF_PLANE2_PITCH_EXT, C.EGL_DMA_BUF_PLANE2_MODIFIER_LO_EXT, C.EGL_DMA_BUF_PLANE2_MODIFIER_HI_EXT},
		{C.EGL_DMA_BUF_PLANE3_FD_EXT, C.EGL_DMA_BUF_PLANE3_OFFSET_EXT, C.EGL_DMA_BUF_PLANE3_PITCH_EXT, C.EGL_DMA_BUF_PLANE3_MODIFIER_LO_EXT, C.EGL_DMA_BUF_PLANE3_MODIFIER_HI_EXT},
	}
	var a [64]C.EGLint
	n := 0
	put := func(k, v C.EGLint) { a[n], a[n+1] = k, v; n += 2 }
	put(C.EGL_WIDTH, C.EGLint(width))
	put(C.EGL_HEIGHT, C.EGLint(height))
	put(C.EGL_LINUX_DRM_FOURCC_EXT, C.EGLint(format))
	for i, p := range planes {
		put(keys[i][0], C.EGLint(p.FD))
		put(keys[i][1], C.EGLint(p.Offset))
		put(keys[i][2], C.EGLint(p.Stride))
		if withMod {
			put(keys[i][3], C.EGLint(uint32(modifier)))
			put(keys[i][4], C.EGLint(uint32(modifier>>32)))
		}
	}
	a[n] = C.EGL_NONE
	img := C.scanout_create_image(d.dpy, &a[0])
	if img == nil {
		return 0, d.fail(fmt.Sprintf("eglCreateImageKHR(EGL_LINUX_DMA_BUF_EXT, %s %dx%d modifier 0x%x, %d planes)", fourcc(format), width, height, modifier, len(planes)),
			"the GPU cannot read this memory, format or layout")
	}
	return Image(C.scanout_image_handle(img)), nil
}

// Pointer returns the EGLImage handle for glEGLImageTarget*OES.
func (i Image) Pointer() unsafe.Pointer { return unsafe.Pointer(C.scanout_image_from(C.uintptr_t(i))) }

// DestroyImage releases an EGLImage.
func (d *Display) DestroyImage(i Image) {
	if i != 0 {
		C.scanout_destroy_image(d.dpy, C.scanout_image_from(C.uintptr_t(i)))
	}
}

// Fence is an EGL_KHR_fence_sync fence.
type Fence uintptr

// CreateFence inserts a fence after the commands issued so far.
func (d *Display) CreateFence() (Fence, error) {
	if !d.exts["EGL_KHR_fence_sync"] {
		return 0, fmt.Errorf("%w: EGL_KHR_fence_sync on %s", ErrMissing, d.where())
	}
	s := C.scanout_create_fence(d.dpy)
	if s == nil {
		return 0, d.fail("eglCreateSyncKHR(EGL_SYNC_FENCE_KHR)", "")
	}
	return Fence(C.scanout_sync_handle(s)), nil
}

// ErrTimeout is returned by WaitFence when the timeout passed.
var ErrTimeout = errors.New("egl: fence wait timed out")

// WaitFence waits for f, flushing commands first.
func (d *Display) WaitFence(f Fence, timeout time.Duration) error {
	r := C.scanout_client_wait(d.dpy, C.scanout_sync_from(C.uintptr_t(f)), C.EGLTimeKHR(timeout.Nanoseconds()))
	switch r {
	case C.EGL_CONDITION_SATISFIED_KHR:
		return nil
	case C.EGL_TIMEOUT_EXPIRED_KHR:
		return ErrTimeout
	}
	return d.fail("eglClientWaitSyncKHR", "")
}

// DestroyFence releases f.
func (d *Display) DestroyFence(f Fence) {
	if f != 0 {
		C.scanout_destroy_sync(d.dpy, C.scanout_sync_from(C.uintptr_t(f)))
	}
}

// Close destroys the context, terminates the display and closes the GBM
// device and its node. Idempotent.
func (d *Display) Close() error {
	if d == nil {
		return nil
	}
	if d.dpy != 0 {
		C.eglMakeCurrent(d.dpy, nil, nil, nil)
		if uintptr(unsafe.Pointer(d.ctx)) != 0 {
			C.eglDestroyContext(d.dpy, d.ctx)
			d.ctx = nil
		}
		C.eglTerminate(d.dpy)
		d.dpy = 0
	}
	if d.gbm != nil {
		C.gbm_device_destroy(d.gbm)
		d.gbm = nil
	}
	if d.node != nil {
		d.node.Close()
		d.node = nil
	}
	return nil
}
