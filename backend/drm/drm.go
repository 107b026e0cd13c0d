package drm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/backend"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/kms/scanout"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
)

// Options configure Open. A nil *Options means defaults.
type Options struct {
	// Device is the card node ("/dev/dri/card1"); empty means the first
	// card with a connected connector that this process can drive.
	Device string
	// Connector is the connector name ("HDMI-A-1", "Virtual-1"); empty
	// means the first connected one.
	Connector string
	// Mode is "WxH" or "WxH@Hz"; empty means the preferred mode.
	Mode string
	// Renderer is "gl", "cpu" or empty (render.New's selection).
	Renderer string
	// Buffers is the swapchain length (default 2; at least 1 is kept when
	// allocation fails part way).
	Buffers int
	// NegotiationBudget bounds the scanout negotiation (default 15 s).
	NegotiationBudget time.Duration
	// PlanCache is where the negotiated plan is cached so a kiosk does
	// not probe at every boot: "" means scanout.DefaultCachePath, "-"
	// disables the cache. A plan whose key (kernel, drivers, planes,
	// hints) no longer matches is probed again.
	PlanCache string
	// NoHotplug disables the uevent listener.
	NoHotplug bool
	// Log receives what the backend notices at run time (refused
	// buffers, failed commits, hotplug); nil discards it.
	Log func(format string, args ...any)

	// Faults injects failures for tests; nil injects none.
	Faults *Faults
}

// Faults are failure injections for tests of the fallback paths. Each
// function is consulted before the real operation; a non-nil error is
// returned as if the kernel had returned it.
type Faults struct {
	// Commit is consulted before every non-TEST_ONLY page-flip commit.
	Commit func(n int) error
	// Import is consulted before importing a client dma-buf for direct
	// scanout.
	Import func() error
	// Allocate is consulted before allocating swapchain buffer i.
	Allocate func(i int) error
	// TestOnly is consulted before every TEST_ONLY check of a frame's
	// plane configuration (client buffers on the primary or overlay
	// planes, the cursor on the cursor plane); an error counts as the
	// kernel refusing that configuration.
	TestOnly func(PlaneUse) error
}

// Backend drives one connector of a KMS device.
type Backend struct {
	opts Options
	log  func(string, ...any)

	dev       *kms.Device
	caps      kms.Caps
	conn      *kms.Connector
	crtc      uint32
	crtcIndex int
	mode      kms.Mode
	primary   *kms.Plane
	cursor    *kms.Plane
	render    string // paired render node
	ccaps     kms.ClientCaps

	// the planes the frame loop assigns scene elements to (planes.go)
	prim       hwPlane
	overlays   []hwPlane // stacking order, lowest first
	cur        hwPlane   // valid when cursor != nil
	planeNotes []string
	cursorNote string
	curs       cursorChain

	plan  *scanout.Plan
	dplan *scanout.DevicePlan
	fb    scanout.Feedback

	r    render.Renderer
	rsel render.Selection

	saved   savedState
	detach  []uint32 // other connectors (writeback included) routed to our CRTC at start
	closed  bool
	devices []string
	notes   []string

	c     *compositor.Compositor
	out   *compositor.Output
	chain swapchain
	loop  loopState
}

// Compositor returns the compositor the backend was attached to.
func (b *Backend) Compositor() *compositor.Compositor { return b.c }

// Name returns "drm".
func (b *Backend) Name() string { return "drm" }

// Device returns the KMS device (owned by the backend).
func (b *Backend) Device() *kms.Device { return b.dev }

// Plan returns the scanout negotiation plan.
func (b *Backend) Plan() *scanout.Plan { return b.plan }

// Open finds a display, takes it over and negotiates scanout memory. It
// changes nothing on screen; Attach does the modeset.
func Open(ctx context.Context, opts *Options) (*Backend, error) {
	b := &Backend{crtcIndex: -1}
	if opts != nil {
		b.opts = *opts
	}
	b.log = b.opts.Log
	if b.log == nil {
		b.log = func(string, ...any) {}
	}
	if b.opts.Buffers <= 0 {
		b.opts.Buffers = 2
	}
	cards, err := b.candidates()
	if err != nil {
		return nil, err
	}
	var why []string
	for _, card := range cards {
		err := b.take(card)
		if err == nil {
			break
		}
		why = append(why, err.Error())
		b.release()
	}
	if b.dev == nil {
		return nil, fmt.Errorf("drm: no display can be driven: %s", strings.Join(why, "; "))
	}
	if err := b.negotiate(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// candidates lists the card nodes to try, with their renders.
func (b *Backend) candidates() ([]kms.DeviceInfo, error) {
	if b.opts.Device != "" {
		info := kms.DeviceInfo{Card: b.opts.Device}
		if devs, err := kms.Discover(nil); err == nil {
			for _, d := range devs {
				if d.Card == b.opts.Device {
					info = d
				}
			}
		}
		return []kms.DeviceInfo{info}, nil
	}
	devs, err := kms.Discover(nil)
	if err != nil {
		return nil, fmt.Errorf("drm: %w", err)
	}
	var out []kms.DeviceInfo
	for _, d := range devs {
		if d.Card != "" && d.CRTCs > 0 {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		if _, err := os.Stat("/dev/dri"); err != nil {
			return nil, errors.New("drm: no /dev/dri: this machine has no DRM device (no GPU or display driver loaded)")
		}
		return nil, errors.New("drm: no DRM card with CRTCs (only render nodes or nothing): no display to drive")
	}
	return out, nil
}

// take opens card, becomes master and picks connector, CRTC, mode, planes.
func (b *Backend) take(info kms.DeviceInfo) error {
	dev, err := kms.Open(info.Card)
	if err != nil {
		return err
	}
	b.dev, b.render = dev, info.Render
	b.detach = b.detach[:0]
	if b.ccaps, err = dev.EnableAtomic(); err != nil {
		return fmt.Errorf("%s: %w", info.Card, err)
	}
	if !dev.IsMaster() {
		if err := dev.SetMaster(); err != nil {
			return fmt.Errorf("%s: become DRM master: %w", info.Card, err)
		}
	}
	if b.caps, err = dev.Caps(); err != nil {
		return err
	}
	res, err := dev.Resources()
	if err != nil {
		return err
	}
	var names []string
	routed := map[uint32]uint64{}
	for _, id := range res.Connectors {
		c, err := dev.Connector(id)
		if err != nil {
			return err
		}
		if v, ok := c.Props.Value("CRTC_ID"); ok && v != 0 {
			routed[id] = v
		}
		if c.Type == kms.ConnectorWriteback {
			continue
		}
		names = append(names, c.Name+" "+c.Status.String())
		if b.conn != nil || c.Status != kms.Connected || (b.opts.Connector != "" && c.Name != b.opts.Connector) {
			continue
		}
		b.conn = c
	}
	if b.conn == nil {
		want := "a connected connector"
		if b.opts.Connector != "" {
			want = "connected connector " + b.opts.Connector
		}
		return fmt.Errorf("%s (%s): no %s (connectors: %s)", info.Card, dev.Driver().Name, want, strings.Join(names, ", "))
	}
	if b.mode, err = pickMode(b.conn, b.opts.Mode); err != nil {
		return fmt.Errorf("%s %s: %w", info.Card, b.conn.Name, err)
	}
	mask, err := dev.ConnectorCRTCs(b.conn)
	if err != nil {
		return err
	}
	cur := uint32(0)
	if b.conn.EncoderID != 0 {
		if e, err := dev.Encoder(b.conn.EncoderID); err == nil {
			cur = e.CRTCID
		}
	}
	for i, id := range res.CRTCs {
		if mask&(1<<i) == 0 {
			continue
		}
		if b.crtcIndex < 0 || id == cur {
			b.crtc, b.crtcIndex = id, i
		}
	}
	if b.crtcIndex < 0 {
		return fmt.Errorf("%s: connector %s can be driven by no CRTC", info.Card, b.conn.Name)
	}
	for id, crtc := range routed {
		if id != b.conn.ID && crtc == uint64(b.crtc) {
			b.detach = append(b.detach, id)
		}
	}
	var overlays []*kms.Plane
	for _, id := range res.Planes {
		p, err := dev.Plane(id)
		if err != nil {
			return err
		}
		if !p.SupportsCRTC(b.crtcIndex) {
			continue
		}
		switch {
		case p.Type == kms.PlanePrimary && (b.primary == nil || p.CRTCID == b.crtc):
			b.primary = p
		case p.Type == kms.PlaneCursor && b.cursor == nil:
			b.cursor = p
		case p.Type == kms.PlaneOverlay && (p.CRTCID == 0 || p.CRTCID == b.crtc):
			overlays = append(overlays, p)
		}
	}
	if b.primary == nil {
		return fmt.Errorf("%s: CRTC %d has no primary plane", info.Card, b.crtc)
	}
	b.planeNotes = b.planeNotes[:0]
	b.setupPlanes(overlays)
	if err := b.save(); err != nil {
		return err
	}
	d := dev.Driver()
	b.devices = append(b.devices, fmt.Sprintf("driving %s (%s %d.%d.%d): connector %s, CRTC %d, mode %s (%.3f Hz), primary plane %d%s%s; DRM master",
		info.Card, d.Name, d.Major, d.Minor, d.Patch, b.conn.Name, b.crtc, b.mode, float64(b.mode.RefreshMilliHz())/1000, b.primary.ID,
		overlayNote(b.overlays), cursorNote(b.cursor)))
	return nil
}

func overlayNote(ps []hwPlane) string {
	if len(ps) == 0 {
		return ", no overlay plane"
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = strconv.FormatUint(uint64(p.p.ID), 10)
	}
	s := "s"
	if len(ps) == 1 {
		s = ""
	}
	return fmt.Sprintf(", overlay plane%s %s", s, strings.Join(ids, " "))
}

func cursorNote(p *kms.Plane) string {
	if p == nil {
		return ", no cursor plane"
	}
	return fmt.Sprintf(", cursor plane %d", p.ID)
}

// pickMode returns the configured mode ("WxH" or "WxH@Hz") or the
// preferred one.
func pickMode(c *kms.Connector, want string) (kms.Mode, error) {
	if want == "" {
		m, ok := c.PreferredMode()
		if !ok {
			return kms.Mode{}, errors.New("the connector lists no modes")
		}
		return m, nil
	}
	size, hz, _ := strings.Cut(want, "@")
	ws, hs, ok := strings.Cut(size, "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	r := 0
	var err3 error
	if hz != "" {
		r, err3 = strconv.Atoi(hz)
	}
	if !ok || err1 != nil || err2 != nil || err3 != nil {
		return kms.Mode{}, fmt.Errorf("mode %q: want WxH or WxH@Hz", want)
	}
	m, ok := c.FindMode(w, h, r)
	if !ok {
		var have []string
		for _, m := range c.Modes {
			have = append(have, m.String())
		}
		return kms.Mode{}, fmt.Errorf("mode %s not offered (modes: %s)", want, strings.Join(have, " "))
	}
	return m, nil
}

// negotiate chooses the renderer and plans the planes' scanout memory.
func (b *Backend) negotiate(ctx context.Context) error {
	ropts := &render.Options{Force: b.opts.Renderer, Device: b.dev.Path()}
	r, sel, err := render.New(ropts)
	if err != nil {
		return fmt.Errorf("drm: %w", err)
	}
	b.r, b.rsel = r, sel
	caps := r.Caps()
	desc, err := scanout.DescribeKMS(b.dev, "", b.render, false)
	if err != nil {
		return fmt.Errorf("drm: describe %s for negotiation: %w", b.dev.Path(), err)
	}
	desc.ModeWidth, desc.ModeHeight = uint32(b.mode.HDisplay), uint32(b.mode.VDisplay)
	devs := []*scanout.Device{desc}
	sources := scanout.DefaultSources(nil, "")
	if b.opts.PlanCache != "-" {
		key := scanout.KeyFor(devs, sources, "")
		if plan, err := scanout.LoadCache(b.opts.PlanCache, key); err == nil {
			b.plan = plan
			b.notes = append(b.notes, "scanout plan from the cache (no probing); delete it to probe again")
		} else {
			b.notes = append(b.notes, "scanout plan probed: "+err.Error())
		}
	}
	if b.plan == nil {
		prober := scanout.NewProber(b.dev, nil)
		defer prober.Close()
		budget := b.opts.NegotiationBudget
		if budget == 0 {
			budget = 15 * time.Second
		}
		// What the renderer draws into, plus the LINEAR memory formats: a GL
		// renderer that cannot import a target draws that frame with the CPU.
		rf := caps.RenderFormats.Union(allocator.NewFormatSet(render.MemoryFormats(), allocator.ModifierLinear))
		plan, err := scanout.Negotiate(ctx, devs, prober, scanout.Options{
			Sources: sources, Budget: scanout.Budget{MaxTime: budget}, RenderFormats: &rf})
		if err != nil {
			return fmt.Errorf("drm: negotiate scanout on %s: %w", b.dev.Path(), err)
		}
		b.plan = plan
		if b.opts.PlanCache != "-" {
			if err := scanout.SaveCache(b.opts.PlanCache, plan); err != nil {
				b.notes = append(b.notes, "scanout plan not cached: "+err.Error())
			}
		}
	}
	if len(b.plan.Devices) == 0 {
		return fmt.Errorf("drm: the scanout plan for %s has no device", b.dev.Path())
	}
	plan := b.plan
	b.dplan = &plan.Devices[0]
	b.fb = b.dplan.Feedback(&caps.Formats)
	return nil
}

// ScanoutHeap returns the DMA heap the plan picked for full-screen
// XRGB8888/LINEAR buffers on the primary plane, which a client can
// allocate from to be scanned out directly ("" when the winning route is
// not a heap).
func (b *Backend) ScanoutHeap() string {
	pp := b.dplan.Primary()
	if pp == nil {
		return ""
	}
	routes, _ := pp.RoutesFor(allocator.XRGB8888, allocator.ModifierLinear)
	for _, r := range routes {
		if r.Kind == scanout.KindHeap {
			return r.Heap
		}
	}
	return ""
}

// Feedback returns the linux-dmabuf feedback derived from the plan, for
// protocol.Options.DMABUF.
func (b *Backend) Feedback() *protocol.DMABUFFeedback {
	main, err := devT(b.fb.MainDevice)
	if err != nil {
		b.notes = append(b.notes, "no linux-dmabuf: "+err.Error())
		return nil
	}
	out := &protocol.DMABUFFeedback{MainDevice: main}
	for _, t := range b.fb.Tranches {
		dev, err := devT(t.TargetDevice)
		if err != nil {
			continue
		}
		tr := protocol.DMABUFTranche{TargetDevice: dev, Scanout: t.Scanout}
		for f, m := range t.Formats.All() {
			tr.Formats = append(tr.Formats, protocol.FormatModifier{Format: f, Modifier: m})
		}
		if len(tr.Formats) > 0 {
			out.Tranches = append(out.Tranches, tr)
		}
	}
	if len(out.Tranches) == 0 {
		return nil
	}
	return out
}

func devT(node string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(node, &st); err != nil {
		return 0, fmt.Errorf("stat %s: %w", node, err)
	}
	return st.Rdev, nil
}

// Report is the startup report: device, renderer, output, and the plan
// per plane with reasons.
func (b *Backend) Report() backend.Report {
	r := backend.Report{Backend: "drm", Devices: b.devices, Renderer: b.rsel.String(), Notes: b.notes}
	if b.out != nil {
		r.Outputs = append(r.Outputs, fmt.Sprintf("%s %dx%d@%.3fHz on CRTC %d; swapchain %s",
			b.conn.Name, b.mode.HDisplay, b.mode.VDisplay, float64(b.mode.RefreshMilliHz())/1000, b.crtc, b.chain.describe()))
	}
	if b.plan != nil {
		var buf bytes.Buffer
		scanout.BuildReport(b.plan).WriteText(&buf, false)
		for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
			if strings.TrimSpace(l) != "" {
				r.Planes = append(r.Planes, l)
			}
		}
	}
	for _, t := range b.fb.Tranches {
		kind := "render"
		if t.Scanout {
			kind = "scanout"
		}
		r.Notes = append(r.Notes, fmt.Sprintf("linux-dmabuf feedback: %s tranche for %s: %d format/modifier pairs", kind, t.TargetDevice, t.Formats.Len()))
	}
	r.Notes = append(r.Notes, b.fb.Notes...)
	r.Notes = append(r.Notes, b.planeReport()...)
	return r
}

// release drops what take acquired (for trying the next card).
func (b *Backend) release() {
	if b.dev != nil {
		b.dev.Close()
	}
	b.dev, b.conn, b.primary, b.cursor, b.crtcIndex = nil, nil, nil, nil, -1
	b.overlays = b.overlays[:0]
}

var _ backend.Backend = (*Backend)(nil)
