package scanout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/allocator/dumb"
	"github.com/go-scanout/scanout/allocator/udmabuf"
	"github.com/go-scanout/scanout/kms"
)

// ProberOptions configure NewProber. The zero value means defaults.
type ProberOptions struct {
	// HeapDir is the DMA heap directory; "" means /dev/dma_heap.
	HeapDir string
	// Udmabuf is the udmabuf node; "" means /dev/udmabuf.
	Udmabuf string
	// Render, when set, is the render device of a split render/display
	// pair: every probe also PRIME-imports the buffer there (stage
	// render-import), so the plan only keeps memory both sides share.
	Render *kms.Device
	// Allocators overrides how a route's allocator is made (tests and
	// other allocators such as GBM). Nil entries fall back to the
	// built-in ones.
	Allocators func(Route) (allocator.Allocator, error)
}

// KMSProber is the real Prober: for each probe it allocates a small buffer
// through the route, PRIME-imports it into the display device, adds a
// framebuffer, and asks an atomic TEST_ONLY commit that puts the plane on
// an active CRTC (with a mode set, ALLOW_MODESET) whether it would work.
// Nothing is ever shown. Every buffer, handle and framebuffer a probe makes
// is released before it returns.
//
// A KMSProber is not safe for concurrent use.
type KMSProber struct {
	dev  *kms.Device
	opt  ProberOptions
	allc map[string]allocator.Allocator

	setupDone bool
	setupErr  error
	conn      uint32
	crtcs     []crtcInfo
	mode      kms.Mode
	scaffold  map[uint32]uint32 // crtc id -> primary plane id when probing other planes
	primaries map[uint32]uint32 // plane id -> crtc index for primaries
	scaffFB   uint32
	scaffBuf  *allocator.Buffer
	scaffH    uint32
}

type crtcInfo struct {
	id    uint32
	index int
}

// NewProber returns a prober for the display device dev, which must have
// atomic enabled (kms.Device.EnableAtomic). The caller keeps ownership of
// dev (and of opt.Render) and must Close the prober before closing them.
func NewProber(dev *kms.Device, opt *ProberOptions) *KMSProber {
	p := &KMSProber{dev: dev, allc: map[string]allocator.Allocator{}}
	if opt != nil {
		p.opt = *opt
	}
	if p.opt.HeapDir == "" {
		p.opt.HeapDir = dmaheap.Dir
	}
	if p.opt.Udmabuf == "" {
		p.opt.Udmabuf = "/dev/udmabuf"
	}
	return p
}

// Close releases the allocators and the scaffold framebuffer.
func (p *KMSProber) Close() error {
	var errs []error
	for k, a := range p.allc {
		errs = append(errs, a.Close())
		delete(p.allc, k)
	}
	if p.scaffFB != 0 {
		errs = append(errs, p.dev.RemoveFB(p.scaffFB))
		p.scaffFB = 0
	}
	if p.scaffH != 0 {
		errs = append(errs, p.dev.CloseHandle(p.scaffH))
		p.scaffH = 0
	}
	if p.scaffBuf != nil {
		errs = append(errs, p.scaffBuf.Close())
		p.scaffBuf = nil
	}
	return errors.Join(errs...)
}

// Routes implements Prober: every DMA heap this process can open, udmabuf
// if its node can be opened, and dumb buffers if the device has them.
// Heaps it cannot open are listed in the notes with the fix.
func (p *KMSProber) Routes(d *Device) ([]Route, []string) {
	var routes []Route
	var notes []string
	infos, err := dmaheap.List(&dmaheap.Options{Dir: p.opt.HeapDir})
	if err != nil {
		notes = append(notes, err.Error())
	}
	for _, i := range infos {
		if !i.Kind.Cached && i.Kind.CachedVariant != "" {
			continue // allocated through its cached heap's route
		}
		if i.Access != nil {
			notes = append(notes, fmt.Sprintf("heap %s not usable: %v", i.Name, i.Access))
			continue
		}
		r := HeapRoute(i.Name)
		if i.Kind.Contiguous {
			r.Class = ClassContiguous
		} else if r.Class == ClassUnknown && i.Known {
			r.Class = ClassSystem
		}
		routes = append(routes, r)
	}
	if f, err := os.OpenFile(p.opt.Udmabuf, os.O_RDWR, 0); err == nil {
		f.Close()
		routes = append(routes, RouteUdmabuf)
	} else {
		notes = append(notes, fmt.Sprintf("udmabuf not usable: %v", err))
	}
	if d.Dumb {
		routes = append(routes, RouteDumb)
	} else {
		notes = append(notes, d.Driver+" has no dumb buffers")
	}
	return routes, notes
}

func (p *KMSProber) allocatorFor(r Route) (allocator.Allocator, error) {
	if a := p.allc[r.String()]; a != nil {
		return a, nil
	}
	var a allocator.Allocator
	var err error
	if p.opt.Allocators != nil {
		a, err = p.opt.Allocators(r)
	}
	if a == nil && err == nil {
		switch r.Kind {
		case KindHeap:
			a, err = dmaheap.Open(r.Heap, &dmaheap.Options{Dir: p.opt.HeapDir})
		case KindUdmabuf:
			a, err = udmabuf.Open(&udmabuf.Options{Path: p.opt.Udmabuf})
		case KindDumb:
			a, err = dumb.New(p.dev)
		default:
			err = fmt.Errorf("route %s: no allocator built in (give ProberOptions.Allocators)", r)
		}
	}
	if err != nil {
		return nil, err
	}
	p.allc[r.String()] = a
	return a, nil
}

// setup finds a connected connector, a mode and the CRTCs it can use.
func (p *KMSProber) setup() error {
	if p.setupDone {
		return p.setupErr
	}
	p.setupDone = true
	p.setupErr = func() error {
		res, err := p.dev.Resources()
		if err != nil {
			return err
		}
		for _, id := range res.Connectors {
			// Connector (not ConnectorCurrent): the kernel must probe the
			// output once, or the mode list is empty.
			c, err := p.dev.Connector(id)
			if err != nil {
				continue
			}
			if c.Type == kms.ConnectorWriteback || c.Status != kms.Connected {
				continue
			}
			m, ok := c.PreferredMode()
			if !ok {
				continue
			}
			mask, err := p.dev.ConnectorCRTCs(c)
			if err != nil || mask == 0 {
				continue
			}
			p.conn, p.mode = id, m
			for i, crtc := range res.CRTCs {
				if mask&(1<<i) != 0 {
					p.crtcs = append(p.crtcs, crtcInfo{id: crtc, index: i})
				}
			}
			break
		}
		if p.conn == 0 {
			return fmt.Errorf("%s: no connected connector with a mode: TEST_ONLY needs an active CRTC", p.dev.Path())
		}
		p.primaries = map[uint32]uint32{}
		for _, id := range res.Planes {
			pl, err := p.dev.Plane(id)
			if err != nil || pl.Type != kms.PlanePrimary {
				continue
			}
			for _, c := range p.crtcs {
				if pl.SupportsCRTC(c.index) {
					if p.scaffold == nil {
						p.scaffold = map[uint32]uint32{}
					}
					if _, ok := p.scaffold[c.id]; !ok {
						p.scaffold[c.id] = id
					}
				}
			}
		}
		return nil
	}()
	return p.setupErr
}

// probeSize is the buffer size for a probe: the mode for primary planes
// (most drivers require the primary plane to cover the CRTC), the cursor
// size for cursor planes, 64x64 otherwise; within the device's limits.
func (p *KMSProber) probeSize(d *Device, pl *Plane) (uint32, uint32) {
	w, h := uint32(64), uint32(64)
	switch pl.Type {
	case PlanePrimary:
		w, h = uint32(p.mode.HDisplay), uint32(p.mode.VDisplay)
	case PlaneCursor:
		if d.CursorWidth > 0 && d.CursorHeight > 0 {
			w, h = d.CursorWidth, d.CursorHeight
		}
	}
	clamp := func(v, lo, hi uint32) uint32 {
		if lo > 0 && v < lo {
			v = lo
		}
		if hi > 0 && v > hi {
			v = hi
		}
		return v
	}
	return clamp(w, d.MinWidth, d.MaxWidth), clamp(h, d.MinHeight, d.MaxHeight)
}

// scaffoldFB returns a framebuffer of mode size for the CRTC's primary
// plane, so other planes can be tested on a CRTC whose driver wants a
// primary plane; 0 if it cannot be made (the test then runs without).
func (p *KMSProber) scaffoldFB() uint32 {
	if p.scaffFB != 0 || p.scaffBuf != nil {
		return p.scaffFB
	}
	w, h := uint32(p.mode.HDisplay), uint32(p.mode.VDisplay)
	da, err := dumb.New(p.dev)
	if err != nil {
		return 0
	}
	b, err := da.Allocate(allocator.Request{Width: int(w), Height: int(h), Format: allocator.XRGB8888})
	if err != nil {
		return 0
	}
	p.scaffBuf = b
	hd, err := p.dev.PrimeFDToHandle(b.Planes[0].FD)
	if err != nil {
		return 0
	}
	p.scaffH = hd
	fb, err := p.dev.AddFB2(kms.Framebuffer{Width: w, Height: h, Format: allocator.XRGB8888, Modifier: allocator.ModifierLinear,
		Planes: []kms.FBPlane{{Handle: hd, Pitch: b.Planes[0].Stride}}})
	if err != nil {
		return 0
	}
	p.scaffFB = fb
	return fb
}

// Probe implements Prober.
func (p *KMSProber) Probe(ctx context.Context, req ProbeRequest) (out Outcome) {
	start := time.Now()
	defer func() { out.Elapsed = time.Since(start) }()
	if err := ctx.Err(); err != nil {
		return Failed(StageOpen, err)
	}
	if err := p.setup(); err != nil {
		return Failed(StageSetup, err)
	}
	a, err := p.allocatorFor(req.Route)
	if err != nil {
		return Failed(StageOpen, err)
	}
	w, h := p.probeSize(req.Device, req.Plane)
	buf, err := a.Allocate(allocator.Request{Width: int(w), Height: int(h), Format: req.Format,
		Modifiers: []allocator.Modifier{req.Modifier}, Usage: allocator.UsageScanout, Name: "scanout probe"})
	if err != nil {
		o := Failed(StageAlloc, err)
		var re *allocator.RequestError
		if errors.As(err, &re) {
			o.Detail = "the route cannot produce this buffer: " + err.Error()
		}
		return o
	}
	defer buf.Close()

	// Import every distinct descriptor into the display device.
	handles := make([]uint32, len(buf.Planes))
	imported := map[int]uint32{}
	defer func() {
		for _, hd := range imported {
			p.dev.CloseHandle(hd)
		}
	}()
	for i, pl := range buf.Planes {
		key := -1
		for j := 0; j < i; j++ {
			if buf.Planes[j].FD == pl.FD {
				key = j
			}
		}
		if key >= 0 {
			handles[i] = handles[key]
			continue
		}
		hd, err := p.dev.PrimeFDToHandle(pl.FD)
		if err != nil {
			return Failed(StageImport, err)
		}
		imported[i] = hd
		handles[i] = hd
	}
	if r := p.opt.Render; r != nil {
		for i := range imported {
			hd, err := r.PrimeFDToHandle(buf.Planes[i].FD)
			if err != nil {
				return Failed(StageRender, err)
			}
			r.CloseHandle(hd)
		}
	}
	fb := kms.Framebuffer{Width: w, Height: h, Format: req.Format, Modifier: req.Modifier}
	if !req.Device.AddFB2Modifiers {
		if req.Modifier != allocator.ModifierLinear {
			return Outcome{Stage: StageAddFB, Detail: fmt.Sprintf("%s has no DRM_CAP_ADDFB2_MODIFIERS: only implicit (LINEAR) framebuffers, not %s", req.Device.Driver, req.Modifier)}
		}
		fb.NoModifier = true
	}
	for i, pl := range buf.Planes {
		fb.Planes = append(fb.Planes, kms.FBPlane{Handle: handles[i], Pitch: pl.Stride, Offset: pl.Offset})
	}
	fbID, err := p.dev.AddFB2(fb)
	if err != nil {
		return Failed(StageAddFB, err)
	}
	defer p.dev.RemoveFB(fbID)

	var lastErr error
	for _, c := range p.crtcs {
		if req.Plane.CRTCs&(1<<c.index) == 0 {
			continue
		}
		ar := p.dev.NewAtomicRequest()
		ar.Set(p.conn, "CRTC_ID", uint64(c.id)).SetMode(c.id, &p.mode)
		dst := kms.Rect{W: w, H: h}
		if prim, ok := p.scaffold[c.id]; ok && prim != req.Plane.ID {
			if sfb := p.scaffoldFB(); sfb != 0 {
				full := kms.Rect{W: uint32(p.mode.HDisplay), H: uint32(p.mode.VDisplay)}
				ar.SetPlane(prim, c.id, sfb, full, full)
			}
		}
		ar.SetPlane(req.Plane.ID, c.id, fbID, dst, kms.Rect{W: w, H: h})
		err := ar.Commit(kms.AtomicTestOnly|kms.AtomicAllowModeset, 0)
		ar.Close()
		if err == nil {
			return Outcome{OK: true, Stage: StageDone}
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("plane %d cannot be used with the CRTCs that drive the connected connector", req.Plane.ID)
	}
	return Failed(StageTest, lastErr)
}

// DescribeKMS reads what negotiation needs from an open display device:
// driver, capabilities, limits, planes with IN_FORMATS, the preferred mode
// of the first connected connector, and (from sysfsRoot, "" meaning /sys)
// the device-tree compatible strings. render names the render node clients
// use with this display, if known; split says it belongs to another device.
func DescribeKMS(dev *kms.Device, sysfsRoot, render string, split bool) (*Device, error) {
	drv := dev.Driver()
	d := &Device{Node: dev.Path(), SysName: filepath.Base(dev.Path()), Driver: drv.Name, Render: render, Split: split,
		DriverVersion: fmt.Sprintf("%d.%d.%d", drv.Major, drv.Minor, drv.Patch), DriverDesc: drv.Description}
	d.Compatible = ReadCompatible(sysfsRoot, d.SysName)
	caps, err := dev.Caps()
	if err != nil {
		return nil, err
	}
	d.Dumb, d.PrimeImport, d.AddFB2Modifiers = caps.DumbBuffer, caps.PrimeImport, caps.AddFB2Modifiers
	d.CursorWidth, d.CursorHeight = uint32(caps.CursorWidth), uint32(caps.CursorHeight)
	res, err := dev.Resources()
	if err != nil {
		return nil, err
	}
	d.MinWidth, d.MaxWidth, d.MinHeight, d.MaxHeight = res.MinWidth, res.MaxWidth, res.MinHeight, res.MaxHeight
	// ConnectorCurrent: no output probing here (slow on real hardware,
	// and a warm start from the cache needs no mode); the prober probes.
	for _, id := range res.Connectors {
		c, err := dev.ConnectorCurrent(id)
		if err != nil || c.Type == kms.ConnectorWriteback || c.Status != kms.Connected {
			continue
		}
		if m, ok := c.PreferredMode(); ok {
			d.ModeWidth, d.ModeHeight = uint32(m.HDisplay), uint32(m.VDisplay)
			break
		}
	}
	for _, id := range res.Planes {
		kp, err := dev.Plane(id)
		if err != nil {
			return nil, err
		}
		p := Plane{ID: kp.ID, CRTCs: kp.PossibleCRTCs}
		switch kp.Type {
		case kms.PlanePrimary:
			p.Type = PlanePrimary
		case kms.PlaneCursor:
			p.Type = PlaneCursor
		default:
			p.Type = PlaneOverlay
		}
		if kp.InFormats != nil {
			for _, fm := range kp.InFormats {
				p.Formats.Add(fm.Format, fm.Modifiers...)
			}
		} else {
			p.NoInFormats = true
			for _, f := range kp.Formats {
				p.Formats.Add(f, allocator.ModifierLinear)
			}
		}
		d.Planes = append(d.Planes, p)
	}
	return d, nil
}
