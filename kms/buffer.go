package kms

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// A GEM handle names a buffer object inside one open DRM file. The kernel
// gives the same handle for every import of the same dma-buf into the same
// file, but keeps no count: a single GEM_CLOSE releases it for everybody.
// Device therefore counts references itself, so two owners of one handle
// can release it independently.
type handleRef struct {
	refs int
	dumb bool // created with CREATE_DUMB (destroyed with DESTROY_DUMB)
}

// ref takes one reference to h (recording a new handle with one reference).
func (d *Device) ref(h uint32, dumb bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.handles[h]; ok {
		r.refs++
		return
	}
	d.handles[h] = &handleRef{refs: 1, dumb: dumb}
}

// HandleRefs returns the number of references Device holds on GEM handle
// h (0 when it does not know the handle). Tests use it to check that
// every import was released.
func (d *Device) HandleRefs(h uint32) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.handles[h]; ok {
		return r.refs
	}
	return 0
}

// OpenHandles returns how many distinct GEM handles this Device holds.
func (d *Device) OpenHandles() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.handles)
}

// CloseHandle drops one reference to GEM handle h, obtained from
// PrimeFDToHandle or CreateDumb; the handle is closed in the kernel when
// the last reference goes. Closing a handle this Device does not hold
// returns an error wrapping EINVAL and does not touch the kernel.
func (d *Device) CloseHandle(h uint32) error {
	d.mu.Lock()
	r, ok := d.handles[h]
	if !ok {
		d.mu.Unlock()
		return &uapi.Error{Op: "DRM_IOCTL_GEM_CLOSE", Device: d.path, Objects: fmt.Sprintf("handle %d", h),
			Errno: unix.EINVAL, Hint: "this handle is not held through this Device (closed twice?)"}
	}
	r.refs--
	if r.refs > 0 {
		d.mu.Unlock()
		return nil
	}
	delete(d.handles, h)
	// Close in the kernel before unlocking: a concurrent import of the
	// same dma-buf must not be handed this handle number just before it
	// dies.
	var err error
	if r.dumb {
		err = uapi.ModeDestroyDumb(d.fd, h)
	} else {
		err = uapi.GemClose(d.fd, h)
	}
	d.mu.Unlock()
	return uapi.WithObjects(err, "handle %d", h)
}

// DumbBuffer describes a dumb buffer: a linear, CPU-mappable buffer that
// any KMS driver with CapDumbBuffer can scan out.
type DumbBuffer struct {
	Handle uint32 // GEM handle in the creating Device
	Width  uint32 // pixels
	Height uint32 // rows
	BPP    uint32 // bits per pixel as requested
	Pitch  uint32 // bytes per row, chosen by the driver
	Size   uint64 // bytes, chosen by the driver
}

// CreateDumb allocates a dumb buffer of width x height pixels of bpp bits
// (32 for XRGB8888/ARGB8888, 16 for RGB565, 64 for XR48). The handle
// holds one reference: release it with DestroyDumb (or CloseHandle).
// Render nodes refuse dumb buffers with EACCES.
func (d *Device) CreateDumb(width, height, bpp uint32) (DumbBuffer, error) {
	c := uapi.DRMModeCreateDumb{Width: width, Height: height, Bpp: bpp}
	if err := uapi.ModeCreateDumb(d.fd, &c); err != nil {
		err = uapi.WithObjects(err, "%dx%d, %d bpp", width, height, bpp)
		switch {
		case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
			err = uapi.WithHint(err, "dumb buffers are only allowed on card nodes, not render nodes")
		case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP):
			err = uapi.WithHint(err, "the driver has no dumb buffers (render-only device)")
		}
		return DumbBuffer{}, err
	}
	d.ref(c.Handle, true)
	return DumbBuffer{Handle: c.Handle, Width: width, Height: height, BPP: bpp, Pitch: c.Pitch, Size: c.Size}, nil
}

// MapDumb maps the whole dumb buffer b read-write into memory. The caller
// owns the mapping and releases it with unix.Munmap (before or after
// DestroyDumb: the mapping keeps the memory alive).
func (d *Device) MapDumb(b DumbBuffer) ([]byte, error) {
	off, err := uapi.ModeMapDumb(d.fd, b.Handle)
	if err != nil {
		return nil, uapi.WithObjects(err, "dumb handle %d", b.Handle)
	}
	var mem []byte
	var merr error
	err = d.fd.Control(func(n int) error {
		mem, merr = unix.Mmap(n, int64(off), int(b.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		return nil
	})
	if err == nil {
		err = merr
	}
	if err != nil {
		return nil, fmt.Errorf("kms: mmap dumb buffer (handle %d, %d bytes) of %s: %w", b.Handle, b.Size, d.path, err)
	}
	return mem, nil
}

// DestroyDumb releases one reference to the dumb buffer's handle; the
// buffer is destroyed when no reference (and no framebuffer, mapping or
// exported dma-buf) remains.
func (d *Device) DestroyDumb(handle uint32) error { return d.CloseHandle(handle) }

// PrimeHandleToFD exports GEM handle h as a dma-buf (read-write,
// close-on-exec) owned by the caller.
func (d *Device) PrimeHandleToFD(h uint32) (*fd.FD, error) {
	f, err := uapi.PrimeHandleToFD(d.fd, h, uapi.DRM_CLOEXEC|uapi.DRM_RDWR, fmt.Sprintf("dma-buf of %s handle %d", d.path, h))
	if err != nil {
		err = uapi.WithObjects(err, "handle %d", h)
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
			err = uapi.WithHint(err, "the driver cannot export buffers (no PRIME export)")
		}
		return nil, err
	}
	return f, nil
}

// PrimeFDToHandle imports the dma-buf into this device and returns its GEM
// handle, with one more reference: every successful call must be matched
// by one CloseHandle. Two imports of the same dma-buf return the same
// handle; closing one leaves the other valid. The caller keeps owning
// dmabuf and may close it right away.
//
// A device that cannot reach that memory (virtio-gpu with any foreign
// buffer, a display engine without IOMMU with scattered memory) answers
// ENODEV or EINVAL; the error says so.
func (d *Device) PrimeFDToHandle(dmabuf *fd.FD) (uint32, error) {
	// Hold the lock across the ioctl: a concurrent CloseHandle of the
	// same handle must not close it between the kernel answering and the
	// reference being counted.
	d.mu.Lock()
	defer d.mu.Unlock()
	h, err := uapi.PrimeFDToHandle(d.fd, dmabuf)
	if err != nil {
		err = uapi.WithObjects(err, "dma-buf %s", dmabuf.Name())
		switch {
		case errors.Is(err, unix.ENODEV), errors.Is(err, unix.EINVAL):
			err = uapi.WithHint(err, fmt.Sprintf("the %s device rejected this dma-buf: it cannot import buffers from that memory (exporter/heap); allocate from memory this device can access, or copy", d.driver.Name))
		case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
			err = uapi.WithHint(err, "the driver has no PRIME import")
		}
		return 0, err
	}
	if r, ok := d.handles[h]; ok {
		r.refs++
	} else {
		d.handles[h] = &handleRef{refs: 1}
	}
	return h, nil
}

// FBPlane is one plane of a framebuffer: a GEM handle and where the plane
// lies in that buffer.
type FBPlane struct {
	Handle uint32
	Pitch  uint32 // bytes per row
	Offset uint32 // bytes from the start of the buffer
}

// Framebuffer describes a framebuffer to create with AddFB2.
type Framebuffer struct {
	Width, Height uint32
	Format        allocator.Format
	// Modifier applies to every plane; allocator.ModifierInvalid (or
	// NoModifier true) creates the framebuffer without explicit
	// modifiers, leaving the layout to the driver (implicit).
	Modifier   allocator.Modifier
	NoModifier bool
	Planes     []FBPlane // 1 to 4
}

// AddFB2 creates a framebuffer and returns its id. The framebuffer holds
// its own references on the buffers; the handles may be closed afterwards.
func (d *Device) AddFB2(fb Framebuffer) (uint32, error) {
	if len(fb.Planes) < 1 || len(fb.Planes) > 4 {
		return 0, &uapi.Error{Op: "DRM_IOCTL_MODE_ADDFB2", Device: d.path, Errno: unix.EINVAL,
			Hint: fmt.Sprintf("a framebuffer has 1 to 4 planes, not %d", len(fb.Planes))}
	}
	c := uapi.DRMModeFBCmd2{Width: fb.Width, Height: fb.Height, PixelFormat: uint32(fb.Format)}
	explicit := !fb.NoModifier && fb.Modifier != allocator.ModifierInvalid
	if explicit {
		c.Flags |= uapi.DRM_MODE_FB_MODIFIERS
	}
	for i, p := range fb.Planes {
		c.Handles[i], c.Pitches[i], c.Offsets[i] = p.Handle, p.Pitch, p.Offset
		if explicit {
			c.Modifier[i] = uint64(fb.Modifier)
		}
	}
	if err := uapi.ModeAddFB2(d.fd, &c); err != nil {
		err = uapi.WithObjects(err, "%dx%d %s modifier %s, handle %d pitch %d", fb.Width, fb.Height,
			fb.Format, fb.Modifier, fb.Planes[0].Handle, fb.Planes[0].Pitch)
		if errors.Is(err, unix.EINVAL) {
			err = uapi.WithHint(err, "the driver refused this format/modifier/pitch combination (check the plane's IN_FORMATS and the pitch alignment)")
		}
		return 0, d.masterHint(err)
	}
	return c.FbID, nil
}

// RemoveFB removes framebuffer id (DRM_IOCTL_MODE_RMFB). A framebuffer
// still shown is turned off first by the kernel.
func (d *Device) RemoveFB(id uint32) error {
	return uapi.WithObjects(uapi.ModeRmFB(d.fd, id), "fb %d", id)
}
