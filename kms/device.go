package kms

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Device is an open DRM device node (a card node such as /dev/dri/card1,
// or a render node). Its methods are safe for concurrent use, except that
// an AtomicRequest belongs to one goroutine at a time.
//
// A Device owns its descriptor, the GEM handles it imported or created,
// and the property blobs its requests created; Close releases them all
// and unblocks a goroutine waiting in HandleEvents.
type Device struct {
	fd     *fd.FD
	path   string
	driver Driver

	mu      sync.Mutex
	handles map[uint32]*handleRef  // GEM handle -> reference count
	props   map[uint32]*Property   // property id -> metadata
	objs    map[uint32]*objectInfo // object id -> property ids by name

	evMu  sync.Mutex // serialises event readers
	evBuf []byte
	// ReadEvents state, under evMu: the read callback (made once) and
	// what its last read(2) returned.
	evRead func(raw int) bool
	evN    int
	evErr  error
}

// Driver identifies the kernel driver behind a device, as reported by
// DRM_IOCTL_VERSION (sysfs does not know it for platform devices such as
// vkms and vgem).
type Driver struct {
	Name        string `json:"name"` // "vkms", "vgem", "virtio_gpu", "vc4"
	Description string `json:"description"`
	Date        string `json:"date,omitempty"`
	Major       int    `json:"major"`
	Minor       int    `json:"minor"`
	Patch       int    `json:"patch"`
}

// Open opens the DRM node at path read-write with O_CLOEXEC, asks its
// driver's name, and prepares the descriptor for event reading on Go's
// poller. The caller owns the Device and must Close it.
func Open(path string) (*Device, error) {
	f, err := fd.Open(path, unix.O_RDWR)
	if err != nil {
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("kms: open %s: %w (add the user to the group owning the node, usually \"video\" or \"render\", or log in on a seat that grants access)", path, err)
		}
		return nil, fmt.Errorf("kms: open %s: %w", path, err)
	}
	d, err := NewDevice(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// NewDevice takes ownership of an already opened DRM descriptor (for
// example one handed out by a seat manager such as logind or seatd).
// On error the caller keeps ownership of f.
func NewDevice(f *fd.FD) (*Device, error) {
	v, err := uapi.Version(f)
	if err != nil {
		return nil, uapi.WithHint(err, "this is not a DRM device node")
	}
	if err := f.SetNonblock(); err != nil {
		return nil, err
	}
	return &Device{
		fd:   f,
		path: f.Name(),
		driver: Driver{
			Name: v.Name, Description: v.Desc, Date: v.Date,
			Major: v.Major, Minor: v.Minor, Patch: v.Patch,
		},
		handles: map[uint32]*handleRef{},
		props:   map[uint32]*Property{},
		objs:    map[uint32]*objectInfo{},
		evBuf:   make([]byte, 4096),
	}, nil
}

// Path returns the node's path.
func (d *Device) Path() string { return d.path }

// Driver returns the driver's identity from DRM_IOCTL_VERSION.
func (d *Device) Driver() Driver { return d.driver }

// FD returns the device descriptor, still owned by d. Use it to hand the
// descriptor to code that needs it (GBM, EGL); do not close it.
func (d *Device) FD() *fd.FD { return d.fd }

// Close releases every GEM handle still referenced through d and closes
// the descriptor, which also destroys the framebuffers and blobs this
// client created. A goroutine blocked in HandleEvents returns ErrClosed.
// Close is idempotent.
func (d *Device) Close() error {
	if d == nil || d.fd.Closed() {
		return nil
	}
	d.mu.Lock()
	for h, r := range d.handles {
		if r.dumb {
			uapi.ModeDestroyDumb(d.fd, h)
		} else {
			uapi.GemClose(d.fd, h)
		}
		delete(d.handles, h)
	}
	d.mu.Unlock()
	return d.fd.Close()
}

// ErrClosed is returned by operations on a closed Device.
var ErrClosed = fd.ErrClosed

// Cap is a device capability for DRM_IOCTL_GET_CAP.
type Cap uint64

// Device capabilities.
const (
	CapDumbBuffer         Cap = uapi.DRM_CAP_DUMB_BUFFER
	CapVblankHighCRTC     Cap = uapi.DRM_CAP_VBLANK_HIGH_CRTC
	CapDumbPreferredDepth Cap = uapi.DRM_CAP_DUMB_PREFERRED_DEPTH
	CapDumbPreferShadow   Cap = uapi.DRM_CAP_DUMB_PREFER_SHADOW
	CapPrime              Cap = uapi.DRM_CAP_PRIME
	CapTimestampMonotonic Cap = uapi.DRM_CAP_TIMESTAMP_MONOTONIC
	CapAsyncPageFlip      Cap = uapi.DRM_CAP_ASYNC_PAGE_FLIP
	CapCursorWidth        Cap = uapi.DRM_CAP_CURSOR_WIDTH
	CapCursorHeight       Cap = uapi.DRM_CAP_CURSOR_HEIGHT
	CapAddFB2Modifiers    Cap = uapi.DRM_CAP_ADDFB2_MODIFIERS
	CapPageFlipTarget     Cap = uapi.DRM_CAP_PAGE_FLIP_TARGET
	CapCRTCInVblankEvent  Cap = uapi.DRM_CAP_CRTC_IN_VBLANK_EVENT
	CapSyncobj            Cap = uapi.DRM_CAP_SYNCOBJ
	CapSyncobjTimeline    Cap = uapi.DRM_CAP_SYNCOBJ_TIMELINE
	CapAtomicAsyncFlip    Cap = uapi.DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP
)

// Cap returns the value of one device capability.
func (d *Device) Cap(c Cap) (uint64, error) {
	return uapi.GetCap(d.fd, uint64(c))
}

// Caps is a summary of the device capabilities a compositor cares about.
// A capability the kernel does not know reads as false or 0.
type Caps struct {
	DumbBuffer         bool   `json:"dumb_buffer"`
	PrimeImport        bool   `json:"prime_import"`
	PrimeExport        bool   `json:"prime_export"`
	AddFB2Modifiers    bool   `json:"addfb2_modifiers"`
	TimestampMonotonic bool   `json:"timestamp_monotonic"`
	CRTCInVblankEvent  bool   `json:"crtc_in_vblank_event"`
	AsyncPageFlip      bool   `json:"async_page_flip"`
	AtomicAsyncFlip    bool   `json:"atomic_async_page_flip"`
	Syncobj            bool   `json:"syncobj"`
	SyncobjTimeline    bool   `json:"syncobj_timeline"`
	CursorWidth        uint64 `json:"cursor_width,omitempty"`
	CursorHeight       uint64 `json:"cursor_height,omitempty"`
	DumbPreferredDepth uint64 `json:"dumb_preferred_depth,omitempty"`
	DumbPreferShadow   bool   `json:"dumb_prefer_shadow"`
}

// Caps reads every capability of Caps. Capabilities the driver refuses to
// answer (EINVAL: unknown to this kernel; EOPNOTSUPP: a mode-setting
// capability asked of a render-only driver such as vgem) read as zero;
// other errors are returned.
func (d *Device) Caps() (Caps, error) {
	var c Caps
	var firstErr error
	get := func(k Cap) uint64 {
		v, err := d.Cap(k)
		if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EOPNOTSUPP) && firstErr == nil {
			firstErr = err
		}
		return v
	}
	c.DumbBuffer = get(CapDumbBuffer) != 0
	p := get(CapPrime)
	c.PrimeImport = p&uapi.DRM_PRIME_CAP_IMPORT != 0
	c.PrimeExport = p&uapi.DRM_PRIME_CAP_EXPORT != 0
	c.AddFB2Modifiers = get(CapAddFB2Modifiers) != 0
	c.TimestampMonotonic = get(CapTimestampMonotonic) != 0
	c.CRTCInVblankEvent = get(CapCRTCInVblankEvent) != 0
	c.AsyncPageFlip = get(CapAsyncPageFlip) != 0
	c.AtomicAsyncFlip = get(CapAtomicAsyncFlip) != 0
	c.Syncobj = get(CapSyncobj) != 0
	c.SyncobjTimeline = get(CapSyncobjTimeline) != 0
	c.CursorWidth = get(CapCursorWidth)
	c.CursorHeight = get(CapCursorHeight)
	c.DumbPreferredDepth = get(CapDumbPreferredDepth)
	c.DumbPreferShadow = get(CapDumbPreferShadow) != 0
	return c, firstErr
}

// ClientCap is a client capability for DRM_IOCTL_SET_CLIENT_CAP.
type ClientCap uint64

// Client capabilities.
const (
	ClientCapStereo3D            ClientCap = uapi.DRM_CLIENT_CAP_STEREO_3D
	ClientCapUniversalPlanes     ClientCap = uapi.DRM_CLIENT_CAP_UNIVERSAL_PLANES
	ClientCapAtomic              ClientCap = uapi.DRM_CLIENT_CAP_ATOMIC
	ClientCapAspectRatio         ClientCap = uapi.DRM_CLIENT_CAP_ASPECT_RATIO
	ClientCapWritebackConnectors ClientCap = uapi.DRM_CLIENT_CAP_WRITEBACK_CONNECTORS
	ClientCapCursorPlaneHotspot  ClientCap = uapi.DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT
)

var clientCapNames = map[ClientCap]string{
	ClientCapStereo3D: "STEREO_3D", ClientCapUniversalPlanes: "UNIVERSAL_PLANES",
	ClientCapAtomic: "ATOMIC", ClientCapAspectRatio: "ASPECT_RATIO",
	ClientCapWritebackConnectors: "WRITEBACK_CONNECTORS", ClientCapCursorPlaneHotspot: "CURSOR_PLANE_HOTSPOT",
}

// String returns the capability's name without the DRM_CLIENT_CAP_ prefix.
func (c ClientCap) String() string {
	if n, ok := clientCapNames[c]; ok {
		return n
	}
	return fmt.Sprintf("CLIENT_CAP_%d", uint64(c))
}

// SetClientCap enables (or disables) a client capability. Drivers that
// do not support it answer EOPNOTSUPP or EINVAL (vkms refuses
// CURSOR_PLANE_HOTSPOT; only virtualised drivers accept it).
func (d *Device) SetClientCap(c ClientCap, on bool) error {
	v := uint64(0)
	if on {
		v = 1
	}
	err := uapi.SetClientCap(d.fd, uint64(c), v)
	if err != nil {
		err = uapi.WithObjects(err, "client cap %s", c)
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) {
			err = uapi.WithHint(err, "the driver does not offer this client capability")
		}
	}
	return err
}

// ClientCaps records which client capabilities EnableAtomic obtained.
type ClientCaps struct {
	UniversalPlanes     bool `json:"universal_planes"`
	Atomic              bool `json:"atomic"`
	WritebackConnectors bool `json:"writeback_connectors"`
	CursorPlaneHotspot  bool `json:"cursor_plane_hotspot"`
}

// EnableAtomic turns on universal planes and atomic modesetting (both
// required), then writeback connectors and the cursor-plane hotspot
// (both optional; the result says whether they were granted). Call it
// before reading resources: without it primary and cursor planes and
// writeback connectors are hidden.
func (d *Device) EnableAtomic() (ClientCaps, error) {
	var cc ClientCaps
	if err := d.SetClientCap(ClientCapUniversalPlanes, true); err != nil {
		return cc, err
	}
	cc.UniversalPlanes = true
	if err := d.SetClientCap(ClientCapAtomic, true); err != nil {
		return cc, uapi.WithHint(err, "the driver has no atomic modesetting; use the legacy path (SetCRTC, PageFlip, SetPlane)")
	}
	cc.Atomic = true
	cc.WritebackConnectors = d.SetClientCap(ClientCapWritebackConnectors, true) == nil
	cc.CursorPlaneHotspot = d.SetClientCap(ClientCapCursorPlaneHotspot, true) == nil
	return cc, nil
}

// IsMaster reports whether this open file is the DRM master of the
// device (the one allowed to modeset). It asks the kernel with
// DRM_IOCTL_AUTH_MAGIC(0), which only a master may call.
func (d *Device) IsMaster() bool {
	err := uapi.AuthMagic(d.fd, 0)
	// A master gets EINVAL for the bogus magic; others get EACCES.
	return err == nil || errors.Is(err, unix.EINVAL)
}

// SetMaster makes this open file the DRM master. It fails with EBUSY or
// EACCES while another file is master, and with EACCES without
// CAP_SYS_ADMIN when this file was not the first to open the device.
func (d *Device) SetMaster() error {
	err := uapi.SetMaster(d.fd)
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY) {
		err = uapi.WithHint(err, "another process (a compositor, or the VT console) is DRM master; stop it, switch VT, or get the device through logind/seatd")
	}
	return err
}

// DropMaster gives up DRM master so another process can modeset.
func (d *Device) DropMaster() error { return uapi.DropMaster(d.fd) }

// masterHint decorates EACCES and EPERM from modesetting ioctls.
func (d *Device) masterHint(err error) error {
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		if d.IsMaster() {
			return uapi.WithHint(err, "permission denied although this client is DRM master (render nodes refuse modesetting; open the card node)")
		}
		return uapi.WithHint(err, "this client is not DRM master: another process (compositor, VT console) owns the display; stop it or call SetMaster")
	}
	return err
}
