package drm

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/allocator/dumb"
	"github.com/go-scanout/scanout/allocator/udmabuf"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/kms/scanout"
	"github.com/go-scanout/scanout/render"
)

// scanBuf is one swapchain buffer: memory from the plan's route, its GEM
// handle and framebuffer on the display device, and its buffer age.
type scanBuf struct {
	buf    *allocator.Buffer
	handle uint32
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
		// LINEAR memory formats: the CPU renderer (GL's fallback) draws them
		return m == allocator.ModifierLinear && slices.Contains(render.MemoryFormats(), f)
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

// policy builds the allocators the plan's routes name: every DMA heap
// this process can open, udmabuf, and dumb buffers on the display device.
func (b *Backend) policy() *allocator.Policy {
	p := &allocator.Policy{}
	if heaps, err := dmaheap.Enumerate(nil); err == nil {
		for _, h := range heaps {
			p.Allocators = append(p.Allocators, h)
		}
	}
	if u, err := udmabuf.Open(nil); err == nil {
		p.Allocators = append(p.Allocators, u)
	}
	if b.caps.DumbBuffer {
		if d, err := dumb.New(b.dev); err == nil {
			p.Allocators = append(p.Allocators, d)
		}
	}
	return p
}

// allocChain allocates the swapchain once, through the plan
// (scanout.PlanePlan.AllocateScanout: the accepted routes in order, never
// one the probe saw fail). A failure part way (ENOMEM from a small CMA
// pool) keeps the buffers already allocated if there is at least one.
func (b *Backend) allocChain(w, h int) error {
	f, m, _, err := b.chooseFormat()
	if err != nil {
		return err
	}
	pp := b.dplan.Primary()
	pol := b.policy()
	defer pol.Close()
	s := &b.chain
	s.format, s.mod, s.w, s.h = f, m, w, h
	// CPU-writable even for GL: a target GL cannot import is drawn by the
	// CPU renderer instead, so the screen never stays black.
	usage := allocator.UsageCPUWrite
	for i := len(s.bufs); i < b.opts.Buffers; i++ {
		sb, route, err := b.allocOne(pp, pol, i, w, h, f, m, usage)
		if err != nil {
			s.refusals = append(s.refusals, fmt.Sprintf("buffer %d: %v", i, err))
			b.log("drm: swapchain buffer %d: %v", i, err)
			break
		}
		s.bufs = append(s.bufs, sb)
		s.route = route
	}
	if len(s.bufs) == 0 {
		return fmt.Errorf("drm: no swapchain buffer could be allocated for %dx%d %v: %s", w, h, f, strings.Join(s.refusals, "; "))
	}
	return nil
}

func (b *Backend) allocOne(pp *scanout.PlanePlan, pol *allocator.Policy, i, w, h int, f allocator.Format, m allocator.Modifier, usage allocator.Usage) (*scanBuf, string, error) {
	if b.opts.Faults != nil && b.opts.Faults.Allocate != nil {
		if err := b.opts.Faults.Allocate(i); err != nil {
			return nil, "", err
		}
	}
	var res *allocator.Result
	var err error
	if pp != nil {
		res, err = pp.AllocateScanout(pol, w, h, f, m, usage)
	}
	if pp == nil || err != nil {
		// no negotiated route: the display's own dumb buffers
		d, derr := dumb.New(b.dev)
		if derr != nil {
			return nil, "", errors.Join(err, derr)
		}
		// dumb buffers are CPU memory: the renderer draws into them with
		// the CPU if GL cannot import them
		buf, derr := d.Allocate(allocator.Request{Width: w, Height: h, Format: f, Modifiers: []allocator.Modifier{allocator.ModifierLinear},
			Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: fmt.Sprintf("swapchain %d", i)})
		if derr != nil {
			return nil, "", errors.Join(err, derr)
		}
		res = &allocator.Result{Buffer: buf, Route: d.Name() + " (fallback: " + fmt.Sprint(err) + ")"}
	}
	sb := &scanBuf{buf: res.Buffer}
	if sb.handle, err = b.dev.PrimeFDToHandle(sb.buf.Planes[0].FD); err != nil {
		sb.buf.Close()
		return nil, "", err
	}
	fb, err := b.dev.AddFB2(kms.Framebuffer{Width: uint32(w), Height: uint32(h), Format: f, Modifier: sb.buf.Modifier,
		NoModifier: !b.caps.AddFB2Modifiers, // virtio-gpu: implicit (linear) layouts only
		Planes:     []kms.FBPlane{{Handle: sb.handle, Pitch: sb.buf.Planes[0].Stride, Offset: sb.buf.Planes[0].Offset}}})
	if err != nil {
		b.freeOne(sb)
		return nil, "", err
	}
	sb.fb = fb
	sb.target = render.Target{Key: 0xd0000000 | uint64(i), DMABuf: sb.buf}
	if b.c != nil {
		b.c.Stats().Allocated.Add(1)
	}
	return sb, res.Route, nil
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
