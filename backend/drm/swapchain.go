package drm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/kms/scanout"
	"github.com/go-scanout/scanout/render"
)

// scanBuf is one swapchain buffer: memory from the plan's route, its GEM
// handle and framebuffer on the display device, and its buffer age.
type scanBuf struct {
	buf    *allocator.Buffer
	handle uint32
	dumb   bool
	fb     uint32
	age    int
	target render.Target
}

// swapchain is the output's scanout buffers, allocated once.
type swapchain struct {
	bufs     []*scanBuf
	format   allocator.Format
	mod      allocator.Modifier
	route    string
	refusals []string
	w, h     int
}

func (s *swapchain) describe() string {
	if len(s.bufs) == 0 {
		return "none"
	}
	d := fmt.Sprintf("%d x %v/%v from %s", len(s.bufs), s.format, s.mod, s.route)
	if len(s.refusals) > 0 {
		d += " (refused: " + strings.Join(s.refusals, "; ") + ")"
	}
	return d
}

// chooseFormat picks the primary plane's format for the swapchain: the
// first negotiated choice the renderer can draw into, XRGB8888 first.
func (b *Backend) chooseFormat() (allocator.Format, allocator.Modifier, []scanout.Route, error) {
	pp := b.dplan.Primary()
	if pp == nil {
		return 0, 0, nil, fmt.Errorf("drm: the plan has no primary plane for %s", b.dev.Path())
	}
	caps := b.r.Caps()
	ok := func(f allocator.Format, m allocator.Modifier) bool {
		if caps.RenderFormats.Has(f, m) {
			return true
		}
		return m == allocator.ModifierLinear && caps.RenderFormats.Has(f, allocator.ModifierLinear)
	}
	for _, pref := range []allocator.Format{allocator.XRGB8888, allocator.ARGB8888, 0} {
		for _, ch := range pp.Choices() {
			if (pref == 0 || ch.Format == pref) && ok(ch.Format, ch.Modifier) {
				routes, _ := pp.RoutesFor(ch.Format, ch.Modifier)
				return ch.Format, ch.Modifier, routes, nil
			}
		}
	}
	// Nothing accepted: dumb buffers are the display's own memory and
	// always scan out if the plane lists the format.
	if b.caps.DumbBuffer {
		return allocator.XRGB8888, allocator.ModifierLinear, []scanout.Route{{Kind: scanout.KindDumb}}, nil
	}
	return 0, 0, nil, fmt.Errorf("drm: the plan for %s accepted no format the %s renderer draws into", b.dev.Path(), b.r.Name())
}

// allocChain allocates the swapchain through the plan: each accepted
// route in order until one gives the buffers; a route that fails part way
// keeps what it gave if that is at least one buffer.
func (b *Backend) allocChain(w, h int) error {
	f, m, routes, err := b.chooseFormat()
	if err != nil {
		return err
	}
	if b.caps.DumbBuffer && !hasDumb(routes) {
		routes = append(routes, scanout.Route{Kind: scanout.KindDumb})
	}
	s := &b.chain
	s.format, s.mod, s.w, s.h = f, m, w, h
	for _, r := range routes {
		for i := len(s.bufs); i < b.opts.Buffers; i++ {
			sb, err := b.allocOne(r, i, w, h, f, m)
			if err != nil {
				s.refusals = append(s.refusals, fmt.Sprintf("%s buffer %d: %v", r, i, err))
				b.log("drm: swapchain buffer %d from %s: %v", i, r, err)
				break
			}
			s.bufs = append(s.bufs, sb)
			s.route = r.String()
		}
		if len(s.bufs) > 0 {
			break
		}
	}
	if len(s.bufs) == 0 {
		return fmt.Errorf("drm: no swapchain buffer could be allocated for %dx%d %v: %s", w, h, f, strings.Join(s.refusals, "; "))
	}
	return nil
}

func hasDumb(rs []scanout.Route) bool {
	for _, r := range rs {
		if r.Kind == scanout.KindDumb {
			return true
		}
	}
	return false
}

func (b *Backend) allocOne(r scanout.Route, i, w, h int, f allocator.Format, m allocator.Modifier) (*scanBuf, error) {
	if b.opts.Faults != nil && b.opts.Faults.Allocate != nil {
		if err := b.opts.Faults.Allocate(i); err != nil {
			return nil, err
		}
	}
	sb := &scanBuf{}
	switch r.Kind {
	case scanout.KindDumb:
		db, err := b.dev.CreateDumb(uint32(w), uint32(h), 32)
		if err != nil {
			return nil, err
		}
		sb.handle, sb.dumb = db.Handle, true
		fdesc, err := b.dev.PrimeHandleToFD(db.Handle)
		if err != nil {
			b.dev.DestroyDumb(db.Handle)
			return nil, err
		}
		sb.buf, err = allocator.NewBuffer(allocator.Desc{Width: w, Height: h, Format: f, Modifier: allocator.ModifierLinear,
			Planes: []allocator.Plane{{FD: fdesc, Stride: db.Pitch}}},
			allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: "dumb:" + b.dev.Path(), Usage: allocator.UsageScanout | allocator.UsageCPU, Size: db.Size})
		if err != nil {
			b.dev.DestroyDumb(db.Handle)
			return nil, err
		}
	case scanout.KindHeap:
		heap, err := dmaheap.Open(r.Heap, nil)
		if err != nil {
			return nil, err
		}
		usage := allocator.UsageScanout | allocator.UsageCPUWrite | allocator.UsageLinear
		if r.Class == scanout.ClassContiguous {
			usage |= allocator.UsageContiguous
		}
		buf, err := heap.Allocate(allocator.Request{Width: w, Height: h, Format: f, Modifiers: []allocator.Modifier{m}, Usage: usage, Name: fmt.Sprintf("scanout-swapchain-%d", i)})
		heap.Close()
		if err != nil {
			return nil, err
		}
		sb.buf = buf
		if sb.handle, err = b.dev.PrimeFDToHandle(buf.Planes[0].FD); err != nil {
			buf.Close()
			return nil, err
		}
	default:
		return nil, fmt.Errorf("route %s: the backend allocates from heaps and dumb buffers only", r)
	}
	fb, err := b.dev.AddFB2(kms.Framebuffer{Width: uint32(w), Height: uint32(h), Format: f, Modifier: m,
		Planes: []kms.FBPlane{{Handle: sb.handle, Pitch: sb.buf.Planes[0].Stride, Offset: sb.buf.Planes[0].Offset}}})
	if err != nil {
		b.freeOne(sb)
		return nil, err
	}
	sb.fb = fb
	sb.target = render.Target{Key: 0xd0000000 | uint64(i), DMABuf: sb.buf}
	if b.c != nil {
		b.c.Stats().Allocated.Add(1)
	}
	return sb, nil
}

func (b *Backend) freeOne(sb *scanBuf) error {
	var errs []error
	if sb.fb != 0 {
		errs = append(errs, b.dev.RemoveFB(sb.fb))
	}
	if sb.handle != 0 {
		errs = append(errs, b.dev.CloseHandle(sb.handle))
	}
	if sb.buf != nil {
		errs = append(errs, sb.buf.Close())
	}
	if b.r != nil {
		b.r.Forget(sb.target.Key)
	}
	return errors.Join(errs...)
}

func (s *swapchain) free(b *Backend) {
	for _, sb := range s.bufs {
		b.freeOne(sb)
	}
	s.bufs = nil
}
