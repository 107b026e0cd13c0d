package drm

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/protocol"
)

// userData values of commits and vblank requests.
const (
	udFlip   = 1
	udVblank = 2
)

// directFB is a client dma-buf imported for direct scanout, or the record
// that KMS refused it (for every plane, or for the planes in refusedOn).
type directFB struct {
	fb        uint32
	handles   [4]uint32
	n         int
	refused   error  // import failed: no plane can show it
	refusedOn uint32 // plane slots that refused it (bit: hwPlane.slot)
	checked   uint32 // plane slots whose format list was checked
}

type loopState struct {
	req          *kms.AtomicRequest
	shown        frameState // on screen
	pending      frameState // committed, waiting for its page-flip event
	next         frameState // being decided
	assign       assignment
	scene        []compositor.Element
	above        []image.Rectangle
	offload      []*protocol.Surface
	testRefusals uint64 // TEST_ONLY checks refused
	overlayFrms  uint64 // frames shown with at least one overlay plane in use
	cursorFrms   uint64 // frames shown with the cursor on the cursor plane
	primaryFrms  uint64 // frames shown with a client buffer on the primary plane
	vblankQueued bool
	retryAt      time.Time
	period       time.Duration
	pacer        pacer
	paced        uint64 // frames delayed because the driver has no real vblank
	commits      int
	failed       uint64 // commits that failed (retried)
	refusedBufs  uint64 // client buffers KMS refused
	hotplugs     uint64 // hotplug events handled
	modesets     uint64 // modesets after hotplug
	wake         chan struct{}
	events       chan kms.Event
	captures     chan chan captureResult
	hotplug      *uevents
	direct       map[*protocol.Buffer]*directFB
	onEvent      func(kms.Event)
	runErr       error
}

// Attach adds the output to c, allocates the swapchain and modesets. Call
// it once, before Run and before clients connect.
func (b *Backend) Attach(c *compositor.Compositor) error {
	if b.c != nil {
		return errors.New("drm: Attach called twice")
	}
	b.c = c
	l := &b.loop
	l.req = b.dev.NewAtomicRequest()
	l.wake = make(chan struct{}, 1)
	l.events = make(chan kms.Event, 16)
	l.captures = make(chan chan captureResult)
	l.direct = map[*protocol.Buffer]*directFB{}
	l.scene = make([]compositor.Element, 0, maxScene+1)
	l.above = make([]image.Rectangle, 0, maxScene+1)
	l.offload = make([]*protocol.Surface, 0, compositor.MaxOffload)
	l.onEvent = func(ev kms.Event) { l.events <- ev }
	if mhz := b.mode.RefreshMilliHz(); mhz > 0 {
		l.period = time.Duration(1e12 / mhz)
	}
	w, h := int(b.mode.HDisplay), int(b.mode.VDisplay)
	if err := b.allocChain(w, h); err != nil {
		return err
	}
	b.allocCursor()
	var err error
	c.Do(func() {
		b.out = c.AddOutput(compositor.OutputConfig{Name: b.conn.Name, Description: b.dev.Driver().Name + " " + b.conn.Name,
			Make: b.dev.Driver().Name, Model: b.conn.Name, Width: w, Height: h, RefreshMilliHz: int(b.mode.RefreshMilliHz()),
			PhysicalW: int(b.conn.MMWidth), PhysicalH: int(b.conn.MMHeight)})
		b.out.SetWake(b.kick)
		err = b.modeset()
	})
	if err != nil {
		return err
	}
	if !b.opts.NoHotplug {
		if u, err := openUevents(); err != nil {
			b.notes = append(b.notes, "hotplug detection off: "+err.Error())
		} else {
			l.hotplug = u
		}
	}
	return nil
}

func (b *Backend) kick() {
	select {
	case b.loop.wake <- struct{}{}:
	default:
	}
}

// modeset renders a first frame into buffer 0, composited whole, and
// commits the mode with it (overlay and cursor planes off), checked with
// TEST_ONLY first. Called with the lock held.
func (b *Backend) modeset() error {
	sb := b.chain.bufs[0]
	b.out.Offload()
	b.out.DamageAll()
	if _, err := b.out.Render(b.r, &sb.target, 0); err != nil {
		return fmt.Errorf("drm: first frame: %w", err)
	}
	req := b.loop.req
	full := kms.Rect{W: uint32(b.chain.w), H: uint32(b.chain.h)}
	st := frameState{valid: true, sb: sb, primary: planeUse{fb: sb.fb, src: full, dst: full}}
	build := func() {
		// the mode blob is destroyed after each commit: build it anew
		req.Reset()
		req.SetMode(b.crtc, &b.mode).Set(b.conn.ID, "CRTC_ID", uint64(b.crtc))
		b.setPlanes(req, b.crtc, &st, nil)
		for _, id := range b.detach { // a clone (writeback) left on our CRTC fails the check
			req.Set(id, "CRTC_ID", 0)
		}
	}
	build()
	if err := req.Commit(kms.AtomicTestOnly|kms.AtomicAllowModeset, 0); err != nil {
		return fmt.Errorf("drm: modeset %s on %s CRTC %d (TEST_ONLY): %w", b.mode, b.conn.Name, b.crtc, err)
	}
	build()
	if err := req.Commit(kms.AtomicAllowModeset, 0); err != nil {
		return fmt.Errorf("drm: modeset %s on %s CRTC %d: %w", b.mode, b.conn.Name, b.crtc, err)
	}
	for _, x := range b.chain.bufs {
		if x.age > 0 {
			x.age++
		}
	}
	sb.age = 1
	l := &b.loop
	if l.shown.valid {
		l.shown.unlock()
	}
	if l.pending.valid {
		l.pending.unlock()
	}
	l.shown, l.pending = st, frameState{}
	b.out.Presented(protocol.Presentation{Time: protocol.MonotonicNow(), Refresh: l.period}, false)
	return nil
}

// Run is the frame loop; it returns when ctx is done or the device fails.
func (b *Backend) Run(ctx context.Context) error {
	if b.c == nil {
		return errors.New("drm: Run before Attach")
	}
	l := &b.loop
	readErr := make(chan error, 1)
	go func() {
		for {
			if err := b.dev.ReadEvents(l.onEvent); err != nil {
				readErr <- err
				return
			}
		}
	}()
	var hot chan string
	if l.hotplug != nil {
		hot = make(chan string, 4)
		go l.hotplug.run(b.dev.Path(), hot)
	}
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			b.c.Do(func() { b.drainPending() })
			return nil
		case err := <-readErr:
			return fmt.Errorf("drm: read events from %s: %w", b.dev.Path(), err)
		case ev := <-l.events:
			b.c.Lock()
			b.event(ev)
			b.c.Unlock()
		case <-l.wake:
			b.c.Lock()
			if d := time.Until(l.retryAt); d > 0 {
				retry.Reset(d)
			} else {
				b.frame()
			}
			b.c.Unlock()
		case <-retry.C:
			b.c.Lock()
			b.frame()
			b.c.Unlock()
		case dev := <-hot:
			b.c.Lock()
			b.hotplugged(dev)
			b.c.Unlock()
		case reply := <-l.captures:
			b.c.Lock()
			reply <- b.captureLocked()
			b.c.Unlock()
		}
		if !l.retryAt.IsZero() && time.Until(l.retryAt) > 0 {
			retry.Reset(time.Until(l.retryAt))
		}
	}
}

// drainPending waits (briefly) for an outstanding flip so Close can
// restore the CRTC without EBUSY.
func (b *Backend) drainPending() {
	deadline := time.Now().Add(200 * time.Millisecond)
	for b.loop.pending.valid && time.Now().Before(deadline) {
		select {
		case ev := <-b.loop.events:
			b.event(ev)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// event handles a page-flip or vblank event (lock held).
func (b *Backend) event(ev kms.Event) {
	l := &b.loop
	p := protocol.Presentation{Time: ev.Time, Refresh: l.period, Seq: ev.Sequence,
		Flags: protocol.PresentVSync | protocol.PresentHWClock | protocol.PresentHWCompletion}
	switch ev.UserData {
	case udFlip:
		if !l.pending.valid {
			return
		}
		prev := l.shown
		l.shown, l.pending = l.pending, frameState{}
		if prev.valid {
			prev.unlock()
		}
		b.count(&l.shown)
		b.out.Presented(p, l.shown.direct())
	case udVblank:
		l.vblankQueued = false
		b.out.Presented(p, false)
	default:
		return
	}
	b.forgetDirect(false)
	if wait := l.pacer.next(ev.Time, protocol.MonotonicNow(), l.period); wait > 0 {
		// no real vblank: the next frame, whether it is needed now or
		// a client commits later, starts on the refresh grid (Run's
		// timer, and the wake-up path, honour retryAt)
		l.paced++
		l.retryAt = time.Now().Add(wait)
		return
	}
	if b.out.NeedsFrame() {
		b.frame()
	}
}

// pacer keeps frames on the display's refresh grid when the driver
// completes page flips without waiting for a vertical blank (virtio-gpu
// does: its flip events arrive as soon as the host took the buffer, and a
// client drawing on frame callbacks would then run at hundreds of frames
// per second). It tracks a virtual vblank: an event that arrives sooner
// than 3/4 of a period after the previous one did not wait for a real
// blank, so the next frame starts one period after that previous vblank
// instead of now.
type pacer struct {
	vblank time.Duration // CLOCK_MONOTONIC of the last (real or virtual) vblank
}

// next takes a flip or vblank event's time and the current time
// (CLOCK_MONOTONIC) and returns how long to wait before starting the next
// frame (0: now).
func (p *pacer) next(event, now, period time.Duration) time.Duration {
	if period <= 0 {
		return 0
	}
	if p.vblank == 0 || event >= p.vblank+period*3/4 {
		p.vblank = event // a real vblank (or a late frame): start now
		return 0
	}
	p.vblank += period
	if wait := p.vblank - now; wait > 0 {
		return wait
	}
	return 0
}

// frame produces the next frame if one is needed and no flip is pending
// (lock held): it assigns the scene to planes (decide), renders the
// composited part if it is damaged, and commits the planes that changed
// with a page-flip event. When nothing on screen changes, the frame
// callbacks complete at the next vblank. It allocates nothing in steady
// state.
func (b *Backend) frame() {
	l := &b.loop
	if l.pending.valid || l.vblankQueued || !b.out.NeedsFrame() {
		return
	}
	sb := b.pick()
	b.decide(sb)
	n := &l.next
	drawn := false
	latched := false // Render and Skip latch the frame's callbacks
	if n.sb != nil {
		if l.shown.sb == nil {
			// the primary showed a client buffer: the swapchain buffer
			// needs the whole scene
			b.out.DamageAll()
		}
		if b.out.Damaged() {
			latched = true
			res, err := b.out.Render(b.r, &sb.target, sb.age)
			if err != nil {
				b.log("drm: render: %v", err)
				sb.age = 0
				l.retryAt = time.Now().Add(l.period)
				return
			}
			drawn = res.Drawn
		}
		if drawn {
			for _, x := range b.chain.bufs {
				if x.age > 0 {
					x.age++
				}
			}
			sb.age = 1
		} else {
			n.sb, n.primary = l.shown.sb, l.shown.primary
		}
	} else if b.out.Damaged() {
		// nothing is composited: the damage goes into the history so
		// the swapchain buffers' ages stay right
		b.out.Skip()
		latched = true
		for _, x := range b.chain.bufs {
			if x.age > 0 {
				x.age++
			}
		}
	}
	if !latched {
		// only planes change, or only callbacks wait: this frame's
		// content is decided now, later commits wait for the next one
		b.out.Latch()
	}
	if l.shown.same(n) {
		// nothing on screen changes: only frame callbacks wait
		if _, err := b.dev.QueueVblank(b.crtc, 1, true, udVblank); err != nil {
			b.out.Presented(protocol.Presentation{Time: protocol.MonotonicNow(), Refresh: l.period}, false)
			return
		}
		l.vblankQueued = true
		return
	}
	if err := b.flip(n); err != nil {
		// the previous frame stays on screen; redraw everything next time
		l.failed++
		b.log("drm: page flip (primary fb %d): %v (retrying next frame)", n.primary.fb, err)
		if drawn {
			sb.age = 0
		}
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ERANGE) || errors.Is(err, unix.ENOSPC) {
			// TEST_ONLY passed but the commit did not: do not offer these
			// buffers to these planes again
			b.refuseState(n, err)
		}
		b.out.DamageAll()
		l.retryAt = time.Now().Add(l.period)
		return
	}
	n.lock()
	l.retryAt = time.Time{}
	l.pending = *n
}

// refuseState remembers every client buffer of s as refused by its plane.
func (b *Backend) refuseState(s *frameState, err error) {
	if s.primary.client != nil {
		b.refuse(b.directEntry(s.primary.client), &b.prim, err)
	}
	for k := range b.overlays {
		if c := s.ovl[k].client; c != nil {
			b.refuse(b.directEntry(c), &b.overlays[k], err)
		}
	}
}

// count updates the plane counters for a frame that reached the screen.
func (b *Backend) count(s *frameState) {
	l := &b.loop
	if s.primary.client != nil {
		l.primaryFrms++
	}
	for i := range s.ovl {
		if s.ovl[i].on() {
			l.overlayFrms++
			break
		}
	}
	if s.cur.on() {
		l.cursorFrms++
	}
}

// pick returns the swapchain buffer to draw into: not shown, not pending,
// the most recently drawn (least to repaint).
func (b *Backend) pick() *scanBuf {
	l := &b.loop
	var best *scanBuf
	for _, sb := range b.chain.bufs {
		if sb == l.shown.sb || sb == l.pending.sb {
			continue
		}
		if best == nil || (sb.age > 0 && (best.age == 0 || sb.age < best.age)) {
			best = sb
		}
	}
	if best == nil {
		best = l.shown.sb // single buffer left: draw into the shown one
	}
	if best == nil {
		best = b.chain.bufs[0]
	}
	return best
}

// flip commits s (the planes that changed since what is shown) with a
// page-flip event.
func (b *Backend) flip(s *frameState) error {
	l := &b.loop
	l.commits++
	if b.opts.Faults != nil && b.opts.Faults.Commit != nil {
		if err := b.opts.Faults.Commit(l.commits); err != nil {
			return err
		}
	}
	l.req.Reset()
	b.setPlanes(l.req, b.crtc, s, &l.shown)
	return l.req.Commit(kms.AtomicNonblock|kms.AtomicPageFlipEvent, udFlip)
}

// directEntry returns the record of buf, created on first sight.
func (b *Backend) directEntry(buf *protocol.Buffer) *directFB {
	d := b.loop.direct[buf]
	if d == nil {
		d = &directFB{}
		b.loop.direct[buf] = d
	}
	return d
}

// importDirect PRIME-imports a client dma-buf and makes a framebuffer of
// it; on failure d.refused says why and no plane is offered it again.
func (b *Backend) importDirect(buf *protocol.Buffer, d *directFB) bool {
	a := buf.DMABUF()
	if b.opts.Faults != nil && b.opts.Faults.Import != nil {
		if err := b.opts.Faults.Import(); err != nil {
			d.refused = err
			b.refuse(d, nil, fmt.Errorf("import a %dx%d %v buffer: %w", a.Width, a.Height, a.Format, err))
			return false
		}
	}
	fb := kms.Framebuffer{Width: uint32(a.Width), Height: uint32(a.Height), Format: a.Format, Modifier: a.Modifier,
		NoModifier: !b.caps.AddFB2Modifiers && a.Modifier == allocator.ModifierLinear}
	fail := func(err error) bool {
		d.refused = err
		b.releaseDirect(d)
		b.refuse(d, nil, fmt.Errorf("import a %dx%d %v buffer: %w", a.Width, a.Height, a.Format, err))
		return false
	}
	for i, p := range a.Planes {
		h, err := b.dev.PrimeFDToHandle(p.FD)
		if err != nil {
			return fail(err)
		}
		d.handles[i], d.n = h, i+1
		fb.Planes = append(fb.Planes, kms.FBPlane{Handle: h, Pitch: p.Stride, Offset: p.Offset})
	}
	id, err := b.dev.AddFB2(fb)
	if err != nil {
		return fail(err)
	}
	d.fb = id
	return true
}

func (b *Backend) releaseDirect(d *directFB) {
	if d.fb != 0 {
		b.dev.RemoveFB(d.fb)
		d.fb = 0
	}
	for i := 0; i < d.n; i++ {
		b.dev.CloseHandle(d.handles[i])
	}
	d.n = 0
}

// forgetDirect drops imports of buffers the client destroyed and that are
// not on screen (all of them when all is set).
func (b *Backend) forgetDirect(all bool) {
	l := &b.loop
	for buf, d := range l.direct {
		if !all && (!buf.Destroyed() || l.shown.holds(buf) || l.pending.holds(buf)) {
			continue
		}
		b.releaseDirect(d)
		delete(l.direct, buf)
	}
}

// Stats are the backend's own counters.
type Stats struct {
	FailedCommits   uint64 // page flips the kernel refused (retried next frame)
	RefusedBuffers  uint64 // (client buffer, plane) pairs KMS refused, import failures included
	TestRefusals    uint64 // TEST_ONLY checks of a plane configuration that were refused
	SwapchainBuffer int    // buffers in the swapchain
	Hotplugs        uint64 // hotplug events for this device
	Remodesets      uint64 // modesets done after a hotplug

	PrimaryDirectFrames uint64 // frames shown with a client buffer on the primary plane
	OverlayFrames       uint64 // frames shown with at least one client buffer on an overlay plane
	CursorPlaneFrames   uint64 // frames shown with the cursor on the cursor plane
	CursorCopies        uint64 // cursor images copied into cursor buffers
	CursorBytes         uint64 // bytes those copies wrote (also counted in the compositor's BytesCopied)
	// PacedFrames counts flip events after which the next frame was held
	// back to a virtual refresh grid, because the driver completed the
	// flip without waiting for a vertical blank.
	PacedFrames uint64
}

// Stats returns the counters (call with the compositor's lock held).
func (b *Backend) Stats() Stats {
	l := &b.loop
	return Stats{FailedCommits: l.failed, RefusedBuffers: l.refusedBufs, TestRefusals: l.testRefusals,
		SwapchainBuffer: len(b.chain.bufs), Hotplugs: l.hotplugs, Remodesets: l.modesets,
		PrimaryDirectFrames: l.primaryFrms, OverlayFrames: l.overlayFrms, CursorPlaneFrames: l.cursorFrms,
		CursorCopies: b.curs.copies, CursorBytes: b.curs.bytesWritten, PacedFrames: l.paced}
}

// captureResult is a writeback readback.
type captureResult struct {
	cap *kms.Capture
	err error
}

// CaptureWriteback reads back what the planes show through the
// device's writeback connector (vkms with enable_writeback=1). The frame
// loop pauses; the CRTC is routed to the writeback connector alone for
// the capture and then modeset back. For tests.
func (b *Backend) CaptureWriteback(ctx context.Context) (*kms.Capture, error) {
	reply := make(chan captureResult, 1)
	select {
	case b.loop.captures <- reply:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-reply:
		return r.cap, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *Backend) captureLocked() captureResult {
	b.drainPending()
	if b.loop.pending.valid {
		return captureResult{err: fmt.Errorf("drm: a page flip is still pending: %w", unix.EBUSY)}
	}
	wb, err := kms.NewWriteback(b.dev, b.chain.w, b.chain.h)
	if err != nil {
		return captureResult{err: err}
	}
	defer wb.Close()
	shown := &b.loop.shown
	c, err := wb.Capture(func(r *kms.AtomicRequest) { b.setPlanes(r, wb.CRTC, shown, nil) }, 2*time.Second)
	// route the CRTC back to the display
	req := b.loop.req
	req.Reset()
	req.SetMode(b.crtc, &b.mode).Set(b.conn.ID, "CRTC_ID", uint64(b.crtc)).Set(wb.Connector.ID, "CRTC_ID", 0)
	b.setPlanes(req, b.crtc, shown, nil)
	if rerr := req.Commit(kms.AtomicAllowModeset, 0); rerr != nil && err == nil {
		err = fmt.Errorf("drm: restore %s after writeback: %w", b.conn.Name, rerr)
	}
	return captureResult{cap: c, err: err}
}

var _ = allocator.XRGB8888
