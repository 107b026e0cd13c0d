//go:build gbm && cgo

package gbm

/*
#cgo pkg-config: gbm
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <gbm.h>

// The GEM handle of a plane, in the DRM file the device was created on
// (cgo cannot read a union's members).
static uint32_t plane_handle(struct gbm_bo *bo, int plane) {
	return gbm_bo_get_handle_for_plane(bo, plane).u32;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Built reports whether this binary includes libgbm support.
const Built = true

// Options configure Open. The zero value means defaults.
type Options struct {
	// Modifiers adds explicit format modifiers the driver is known to
	// produce (typically from EGL's eglQueryDmaBufModifiersEXT on the same
	// device); requests may then ask for them. Without it the allocator
	// offers LINEAR and the implicit layout (ModifierInvalid) for every
	// format the device supports.
	Modifiers allocator.FormatSet
}

// Allocator allocates with libgbm on one DRM node. It implements
// allocator.Allocator; calls into libgbm are serialised (a gbm_device is
// not thread-safe).
type Allocator struct {
	path    string
	node    *fd.FD
	backend string

	mu   sync.Mutex
	dev  *C.struct_gbm_device
	caps allocator.Caps
	// retries counts allocations that fell back from explicit modifiers
	// to the implicit path (tests report it).
	retries int
}

// Open opens the DRM node at path (a render node, or a card node where
// Mesa drives it through kms_swrast) and creates a GBM device on it.
func Open(path string, opts *Options) (*Allocator, error) {
	route := "gbm:" + path
	node, err := fd.Open(path, unix.O_RDWR)
	if err != nil {
		return nil, &allocator.Error{Op: "open " + path, Route: route, Kind: allocator.Classify(err), Err: err}
	}
	var dev *C.struct_gbm_device
	node.Control(func(n int) error {
		dev, err = C.gbm_create_device(C.int(n))
		return nil
	})
	if dev == nil {
		node.Close()
		if err == nil {
			err = unix.ENODEV
		}
		return nil, &allocator.Error{Op: "gbm_create_device on " + path, Route: route, Kind: allocator.ErrNoDevice, Err: err,
			Hint: "Mesa has no GBM driver for this device (install libgbm1 and the Mesa DRI drivers, or use a node Mesa supports)"}
	}
	a := &Allocator{path: path, node: node, dev: dev, backend: C.GoString(C.gbm_device_get_backend_name(dev))}
	var fs allocator.FormatSet
	for _, f := range allocator.Formats() {
		if C.gbm_device_is_format_supported(dev, C.uint32_t(f), C.GBM_BO_USE_RENDERING) != 0 ||
			C.gbm_device_is_format_supported(dev, C.uint32_t(f), C.GBM_BO_USE_SCANOUT) != 0 {
			fs.Add(f, allocator.ModifierLinear, allocator.ModifierInvalid)
		}
	}
	if opts != nil {
		fs = fs.Union(opts.Modifiers)
	}
	a.caps = allocator.Caps{Kind: allocator.KindGBM,
		Usage:   allocator.UsageScanout | allocator.UsageRender | allocator.UsageSample | allocator.UsageCPU | allocator.UsageLinear,
		Formats: fs, Memory: allocator.MemoryDMABuf, Cached: false}
	return a, nil
}

// Name implements allocator.Allocator: "gbm:" and the node path.
func (a *Allocator) Name() string { return "gbm:" + a.path }

// Backend returns libgbm's backend name ("drm").
func (a *Allocator) Backend() string { return a.backend }

// Caps implements allocator.Allocator.
func (a *Allocator) Caps() allocator.Caps { return a.caps }

func usageFlags(u allocator.Usage) C.uint32_t {
	var f C.uint32_t
	if u&allocator.UsageScanout != 0 {
		f |= C.GBM_BO_USE_SCANOUT
	}
	if u&(allocator.UsageRender|allocator.UsageSample) != 0 {
		f |= C.GBM_BO_USE_RENDERING
	}
	if u&(allocator.UsageLinear|allocator.UsageCPU) != 0 {
		f |= C.GBM_BO_USE_LINEAR
	}
	return f
}

// Allocate implements allocator.Allocator.
func (a *Allocator) Allocate(req allocator.Request) (*allocator.Buffer, error) {
	if err := a.caps.Check(a.Name(), req); err != nil {
		return nil, err
	}
	flags := usageFlags(req.Usage)
	// Explicit modifiers the request accepts and the device offers.
	var mods []C.uint64_t
	implicitOK := len(req.Modifiers) == 0
	for _, m := range req.Modifiers {
		switch {
		case m == allocator.ModifierInvalid:
			implicitOK = true
		case m == allocator.ModifierLinear:
			// GBM_BO_USE_LINEAR with the implicit path gives LINEAR too.
			implicitOK = true
			flags |= C.GBM_BO_USE_LINEAR
			mods = append(mods, C.uint64_t(m))
		case a.caps.Formats.Has(req.Format, m):
			mods = append(mods, C.uint64_t(m))
		}
	}
	if flags&C.GBM_BO_USE_LINEAR != 0 {
		// Explicit non-linear modifiers contradict USE_LINEAR.
		mods = filterLinear(mods)
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dev == nil {
		return nil, &allocator.Error{Op: "allocate", Route: a.Name(), Kind: allocator.ErrClosed}
	}
	var bo *C.struct_gbm_bo
	var errs []error
	if len(mods) > 0 {
		var err error
		// The modifier array is Go memory holding no pointers, passed for
		// the duration of the call: allowed by the cgo pointer rules.
		bo, err = C.gbm_bo_create_with_modifiers2(a.dev, C.uint32_t(req.Width), C.uint32_t(req.Height),
			C.uint32_t(req.Format), &mods[0], C.uint(len(mods)), flags)
		if bo == nil {
			errs = append(errs, fmt.Errorf("gbm_bo_create_with_modifiers2(%v, %d modifiers, flags %#x): %w", req.Format, len(mods), uint32(flags), errnoOr(err)))
		}
	}
	if bo == nil && implicitOK {
		if len(mods) > 0 {
			a.retries++
		}
		var err error
		bo, err = C.gbm_bo_create(a.dev, C.uint32_t(req.Width), C.uint32_t(req.Height), C.uint32_t(req.Format), flags)
		if bo == nil {
			errs = append(errs, fmt.Errorf("gbm_bo_create(%v, flags %#x) (implicit modifier): %w", req.Format, uint32(flags), errnoOr(err)))
		}
	}
	if bo == nil {
		err := errors.Join(errs...)
		if err == nil {
			err = fmt.Errorf("no modifier of %v is producible: %w", req.Modifiers, unix.EINVAL)
		}
		e := &allocator.Error{Op: fmt.Sprintf("allocate %v", req), Route: a.Name(), Kind: allocator.Classify(err), Err: err}
		if errors.Is(err, unix.EACCES) && strings.Contains(a.path, "renderD") {
			e.Hint = "Mesa has no GPU driver for this render node and its kms_swrast fallback allocates dumb buffers, which render nodes refuse; use the display device's card node (or a node with a Mesa driver)"
		}
		return nil, e
	}
	defer C.gbm_bo_destroy(bo) // the exported dma-bufs keep the memory

	mod := allocator.Modifier(C.gbm_bo_get_modifier(bo))
	if mod == allocator.ModifierInvalid && flags&C.GBM_BO_USE_LINEAR != 0 {
		mod = allocator.ModifierLinear // GBM_BO_USE_LINEAR guarantees it
	}
	n := int(C.gbm_bo_get_plane_count(bo))
	if n < 1 || n > allocator.MaxPlanes {
		return nil, &allocator.Error{Op: "allocate", Route: a.Name(), Kind: allocator.ErrInvalidRequest, Err: fmt.Errorf("gbm returned %d planes", n)}
	}
	d := allocator.Desc{Width: req.Width, Height: req.Height, Format: req.Format, Modifier: mod}
	var owned []*fd.FD
	fail := func(err error) (*allocator.Buffer, error) {
		for _, f := range owned {
			f.Close()
		}
		return nil, &allocator.Error{Op: "export plane", Route: a.Name(), Kind: allocator.Classify(err), Err: err}
	}
	for i := range n {
		f, err := a.exportPlane(bo, i)
		if err != nil {
			return fail(err)
		}
		// Planes of one bo usually export the same dma-buf: share one
		// descriptor then, so Access maps and syncs it once.
		if same := sameFile(owned, f); same != nil {
			f.Close()
			f = same
		} else {
			owned = append(owned, f)
		}
		d.Planes = append(d.Planes, allocator.Plane{FD: f,
			Offset: uint32(C.gbm_bo_get_offset(bo, C.int(i))),
			Stride: uint32(C.gbm_bo_get_stride_for_plane(bo, C.int(i)))})
	}
	return allocator.NewBuffer(d, allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: a.Name(), Usage: req.Usage})
}

// exportPlane exports plane i as a dma-buf the CPU can map read-write:
// PRIME export of the plane's GEM handle with DRM_RDWR (libgbm's own
// gbm_bo_get_fd_for_plane exports without DRM_RDWR, so its mappings are
// read-only). When the handle cannot be exported that way (a backend whose
// handles are not GEM handles of our node), it falls back to
// gbm_bo_get_fd_for_plane; CPU writes to such a buffer are then refused by
// Access with a clear error.
func (a *Allocator) exportPlane(bo *C.struct_gbm_bo, i int) (*fd.FD, error) {
	name := fmt.Sprintf("dma-buf plane %d from %s", i, a.Name())
	h := uint32(C.plane_handle(bo, C.int(i)))
	if h != 0 {
		f, err := uapi.PrimeHandleToFD(a.node, h, uapi.DRM_CLOEXEC|uapi.DRM_RDWR, name)
		if err == nil {
			return f, nil
		}
	}
	raw, err := C.gbm_bo_get_fd_for_plane(bo, C.int(i))
	if raw < 0 {
		return nil, fmt.Errorf("gbm_bo_get_fd_for_plane(%d): %w", i, errnoOr(err))
	}
	return fd.New(int(raw), name)
}

func filterLinear(mods []C.uint64_t) []C.uint64_t {
	var out []C.uint64_t
	for _, m := range mods {
		if allocator.Modifier(m) == allocator.ModifierLinear {
			out = append(out, m)
		}
	}
	return out
}

func errnoOr(err error) error {
	if err == nil || err == unix.Errno(0) {
		return unix.EINVAL
	}
	return err
}

func sameFile(have []*fd.FD, f *fd.FD) *fd.FD {
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	for _, h := range have {
		if hs, err := h.Stat(); err == nil && hs.Ino == st.Ino && hs.Dev == st.Dev {
			return h
		}
	}
	return nil
}

// Close destroys the GBM device and closes the node. Buffers stay valid.
func (a *Allocator) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dev == nil {
		return nil
	}
	C.gbm_device_destroy(a.dev)
	a.dev = nil
	return a.node.Close()
}

var _ allocator.Allocator = (*Allocator)(nil)
