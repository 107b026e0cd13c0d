package dumb

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms"
)

// Allocator allocates dumb buffers on one KMS device. It implements
// allocator.Allocator and is safe for concurrent use.
type Allocator struct {
	dev  *kms.Device
	own  bool
	caps allocator.Caps
}

// Open opens the DRM card node at path and returns an allocator owning it.
func Open(path string) (*Allocator, error) {
	dev, err := kms.Open(path)
	if err != nil {
		return nil, &allocator.Error{Op: "open", Route: "dumb:" + path, Kind: allocator.Classify(err), Err: err}
	}
	a, err := New(dev)
	if err != nil {
		dev.Close()
		return nil, err
	}
	a.own = true
	return a, nil
}

// New returns an allocator on an open device, which stays owned by the
// caller (Close does not close it). It fails when the driver has no dumb
// buffers.
func New(dev *kms.Device) (*Allocator, error) {
	route := "dumb:" + dev.Path()
	v, err := dev.Cap(kms.CapDumbBuffer)
	if err != nil {
		e := &allocator.Error{Op: "query DRM_CAP_DUMB_BUFFER", Route: route, Kind: allocator.Classify(err), Err: err}
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) {
			// Render nodes answer GET_CAP for dumb buffers with EOPNOTSUPP.
			e.Kind = allocator.ErrUnsupportedUsage
			e.Hint = "dumb buffers exist only on card nodes (/dev/dri/cardN), not render nodes; open the display device's card node"
		}
		return nil, e
	}
	if v == 0 {
		return nil, &allocator.Error{Op: "query DRM_CAP_DUMB_BUFFER", Route: route, Kind: allocator.ErrUnsupportedUsage,
			Hint: fmt.Sprintf("the %s driver has no dumb buffers (a render-only device?)", dev.Driver().Name)}
	}
	return &Allocator{dev: dev, caps: allocator.Caps{Kind: allocator.KindDumb,
		Usage:   allocator.UsageScanout | allocator.UsageCPU | allocator.UsageLinear,
		Formats: allocator.LinearFormats(), Memory: allocator.MemoryDMABuf, Cached: false}}, nil
}

// Name implements allocator.Allocator: "dumb:" and the device path.
func (a *Allocator) Name() string { return "dumb:" + a.dev.Path() }

// Caps implements allocator.Allocator. Dumb buffers are linear and
// scanout-capable on their device; whether they are contiguous depends on
// the driver, so Caps do not promise it.
func (a *Allocator) Caps() allocator.Caps { return a.caps }

// Device returns the KMS device the buffers are allocated on.
func (a *Allocator) Device() *kms.Device { return a.dev }

// Allocate implements allocator.Allocator.
func (a *Allocator) Allocate(req allocator.Request) (*allocator.Buffer, error) {
	if err := a.caps.Check(a.Name(), req); err != nil {
		return nil, err
	}
	fi, _ := req.Format.Info()
	l, err := allocator.ComputeLayout(req.Width, req.Height, req.Format, allocator.DefaultAlignment)
	if err != nil {
		return nil, err
	}
	var w, h, bpp uint32
	if fi.Planes == 1 && (fi.BlockBytes[0]*8)%fi.BlockW[0] == 0 {
		w, h, bpp = uint32(req.Width), uint32(req.Height), uint32(fi.BlockBytes[0]*8/fi.BlockW[0])
	} else {
		stride := uint64(l.Planes[0].Stride)
		w, h, bpp = uint32(stride), uint32((l.Size+stride-1)/stride), 8
	}
	db, err := a.dev.CreateDumb(w, h, bpp)
	if err != nil {
		return nil, &allocator.Error{Op: fmt.Sprintf("create dumb buffer for %v", req), Route: a.Name(), Kind: allocator.Classify(err), Err: err}
	}
	buf, err := a.dev.PrimeHandleToFD(db.Handle)
	derr := a.dev.DestroyDumb(db.Handle) // the dma-buf (if any) holds the memory now
	if err != nil {
		return nil, &allocator.Error{Op: "PRIME export of dumb buffer", Route: a.Name(), Kind: allocator.Classify(err), Err: err}
	}
	if derr != nil {
		buf.Close()
		return nil, &allocator.Error{Op: "release dumb handle", Route: a.Name(), Kind: allocator.Classify(derr), Err: derr}
	}
	d := allocator.Desc{Width: req.Width, Height: req.Height, Format: req.Format, Modifier: allocator.ModifierLinear}
	if bpp != 8 || fi.Planes == 1 {
		d.Planes = []allocator.Plane{{FD: buf, Stride: db.Pitch}}
	} else {
		for _, p := range l.Planes {
			d.Planes = append(d.Planes, allocator.Plane{FD: buf, Offset: uint32(p.Offset), Stride: p.Stride})
		}
	}
	return allocator.NewBuffer(d, allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: a.Name(), Usage: req.Usage, Size: db.Size})
}

// Close closes the device if Open opened it. Buffers stay valid.
func (a *Allocator) Close() error {
	if a.own {
		return a.dev.Close()
	}
	return nil
}

var _ allocator.Allocator = (*Allocator)(nil)
