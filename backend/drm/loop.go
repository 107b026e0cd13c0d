package drm

import (
	"context"
	"errors"
	"fmt"
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

// shownFB is what a plane shows (or will show after the pending flip).
type shownFB struct {
	valid  bool
	sb     *scanBuf         // composited: the swapchain buffer
	client *protocol.Buffer // direct: the client buffer (locked)
	fb     uint32
}

// directFB is a client dma-buf imported for direct scanout, or the record
// that KMS refused it.
type directFB struct {
	fb      uint32
	handles [4]uint32
	n       int
	refused error
}

type loopState struct {
	req          *kms.AtomicRequest
	shown        shownFB
	pending      shownFB
	vblankQueued bool
	retryAt      time.Time
	period       time.Duration
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
	l.onEvent = func(ev kms.Event) { l.events <- ev }
	if mhz := b.mode.RefreshMilliHz(); mhz > 0 {
		l.period = time.Duration(1e12 / mhz)
	}
	w, h := int(b.mode.HDisplay), int(b.mode.VDisplay)
	if err := b.allocChain(w, h); err != nil {
		return err
	}
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

// modeset renders a first frame into buffer 0 and commits the mode with
// it, checked with TEST_ONLY first. Called with the lock held.
func (b *Backend) modeset() error {
	sb := b.chain.bufs[0]
	b.out.DamageAll()
	if _, err := b.out.Render(b.r, &sb.target, 0); err != nil {
		return fmt.Errorf("drm: first frame: %w", err)
	}
	req := b.loop.req
	full := kms.Rect{W: uint32(b.chain.w), H: uint32(b.chain.h)}
	build := func() {
		// the mode blob is destroyed after each commit: build it anew
		req.Reset()
		req.SetMode(b.crtc, &b.mode).Set(b.conn.ID, "CRTC_ID", uint64(b.crtc)).SetPlane(b.primary.ID, b.crtc, sb.fb, full, full)
		for _, id := range b.detach { // a clone (writeback) left on our CRTC fails the check
			req.Set(id, "CRTC_ID", 0)
		}
		if b.cursor != nil {
			req.DisablePlane(b.cursor.ID)
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
	b.loop.shown = shownFB{valid: true, sb: sb, fb: sb.fb}
	b.loop.pending = shownFB{}
	b.out.Presented(protocol.Presentation{Time: protocol.MonotonicNow(), Refresh: b.loop.period}, false)
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
		l.shown, l.pending = l.pending, shownFB{}
		if prev.client != nil && prev.client != l.shown.client {
			prev.client.Unlock()
		}
		b.out.Presented(p, l.shown.client != nil)
	case udVblank:
		l.vblankQueued = false
		b.out.Presented(p, false)
	default:
		return
	}
	b.forgetDirect(false)
	if b.out.NeedsFrame() {
		b.frame()
	}
}

// frame produces the next frame if one is needed and no flip is pending
// (lock held). It allocates nothing in steady state.
func (b *Backend) frame() {
	l := &b.loop
	if l.pending.valid || l.vblankQueued || !b.out.NeedsFrame() {
		return
	}
	if !b.out.Damaged() {
		// only frame callbacks wait: complete them at the next vblank
		if _, err := b.dev.QueueVblank(b.crtc, 1, true, udVblank); err != nil {
			b.out.Presented(protocol.Presentation{Time: protocol.MonotonicNow(), Refresh: l.period}, false)
			return
		}
		l.vblankQueued = true
		return
	}
	if cand := b.out.ScanoutCandidate(); cand != nil && cand.Kind() == protocol.DMABUFBuffer {
		if b.direct(cand) {
			return
		}
	}
	b.composite()
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

func (b *Backend) composite() {
	l := &b.loop
	sb := b.pick()
	res, err := b.out.Render(b.r, &sb.target, sb.age)
	if err != nil {
		b.log("drm: render: %v", err)
		sb.age = 0
		l.retryAt = time.Now().Add(l.period)
		return
	}
	if !res.Drawn {
		return
	}
	for _, x := range b.chain.bufs {
		if x.age > 0 {
			x.age++
		}
	}
	sb.age = 1
	if err := b.flip(sb.fb); err != nil {
		// the previous frame stays on screen; redraw everything next time
		l.failed++
		b.log("drm: page flip to fb %d: %v (retrying next frame)", sb.fb, err)
		sb.age = 0
		b.out.DamageAll()
		l.retryAt = time.Now().Add(l.period)
		return
	}
	l.retryAt = time.Time{}
	l.pending = shownFB{valid: true, sb: sb, fb: sb.fb}
}

// flip commits fb on the primary plane with a page-flip event.
func (b *Backend) flip(fb uint32) error {
	l := &b.loop
	l.commits++
	if b.opts.Faults != nil && b.opts.Faults.Commit != nil {
		if err := b.opts.Faults.Commit(l.commits); err != nil {
			return err
		}
	}
	full := kms.Rect{W: uint32(b.chain.w), H: uint32(b.chain.h)}
	l.req.Reset()
	l.req.SetPlane(b.primary.ID, b.crtc, fb, full, full)
	return l.req.Commit(kms.AtomicNonblock|kms.AtomicPageFlipEvent, udFlip)
}

// direct tries to scan the client buffer out; false means composite.
func (b *Backend) direct(cand *protocol.Buffer) bool {
	l := &b.loop
	d := l.direct[cand]
	if d == nil {
		d = b.importDirect(cand)
		l.direct[cand] = d
		if d.refused != nil {
			l.refusedBufs++
			b.log("drm: direct scanout of a %dx%d %v client buffer refused: %v (compositing it)", cand.DMABUF().Width, cand.DMABUF().Height, cand.DMABUF().Format, d.refused)
		}
	}
	if d.refused != nil {
		return false
	}
	full := kms.Rect{W: uint32(b.chain.w), H: uint32(b.chain.h)}
	l.req.Reset()
	l.req.SetPlane(b.primary.ID, b.crtc, d.fb, full, full)
	if err := l.req.Commit(kms.AtomicTestOnly, 0); err != nil {
		d.refused = err
		l.refusedBufs++
		b.log("drm: direct scanout TEST_ONLY refused fb %d: %v (compositing it)", d.fb, err)
		return false
	}
	if err := b.flip(d.fb); err != nil {
		l.failed++
		b.log("drm: direct scanout commit of fb %d: %v (compositing this frame)", d.fb, err)
		return false
	}
	cand.Lock()
	b.out.Skip()
	for _, x := range b.chain.bufs {
		if x.age > 0 {
			x.age++
		}
	}
	l.retryAt = time.Time{}
	l.pending = shownFB{valid: true, client: cand, fb: d.fb}
	return true
}

// importDirect PRIME-imports a client dma-buf and makes a framebuffer of
// it, after checking that the plan lists its format for the primary plane.
func (b *Backend) importDirect(cand *protocol.Buffer) *directFB {
	d := &directFB{}
	a := cand.DMABUF()
	pp := b.dplan.Primary()
	if pp == nil || pp.Lookup(a.Format, a.Modifier) == nil {
		d.refused = fmt.Errorf("the primary plane does not list %v/%v", a.Format, a.Modifier)
		return d
	}
	if b.opts.Faults != nil && b.opts.Faults.Import != nil {
		if err := b.opts.Faults.Import(); err != nil {
			d.refused = err
			return d
		}
	}
	fb := kms.Framebuffer{Width: uint32(a.Width), Height: uint32(a.Height), Format: a.Format, Modifier: a.Modifier,
		NoModifier: !b.caps.AddFB2Modifiers && a.Modifier == allocator.ModifierLinear}
	for i, p := range a.Planes {
		h, err := b.dev.PrimeFDToHandle(p.FD)
		if err != nil {
			d.refused = err
			b.releaseDirect(d)
			return d
		}
		d.handles[i], d.n = h, i+1
		fb.Planes = append(fb.Planes, kms.FBPlane{Handle: h, Pitch: p.Stride, Offset: p.Offset})
	}
	id, err := b.dev.AddFB2(fb)
	if err != nil {
		d.refused = err
		b.releaseDirect(d)
		return d
	}
	d.fb = id
	return d
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
		if !all && (!buf.Destroyed() || buf == l.shown.client || buf == l.pending.client) {
			continue
		}
		b.releaseDirect(d)
		delete(l.direct, buf)
	}
}

// Stats are the backend's own counters.
type Stats struct {
	FailedCommits   uint64 // page flips the kernel refused (retried next frame)
	RefusedBuffers  uint64 // client buffers KMS refused for direct scanout
	SwapchainBuffer int    // buffers in the swapchain
	Hotplugs        uint64 // hotplug events for this device
	Remodesets      uint64 // modesets done after a hotplug
}

// Stats returns the counters (call with the compositor's lock held).
func (b *Backend) Stats() Stats {
	return Stats{FailedCommits: b.loop.failed, RefusedBuffers: b.loop.refusedBufs, SwapchainBuffer: len(b.chain.bufs), Hotplugs: b.loop.hotplugs, Remodesets: b.loop.modesets}
}

// captureResult is a writeback readback.
type captureResult struct {
	cap *kms.Capture
	err error
}

// CaptureWriteback reads back what the primary plane shows through the
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
	fb := b.loop.shown.fb
	full := kms.Rect{W: uint32(b.chain.w), H: uint32(b.chain.h)}
	c, err := wb.Capture(func(r *kms.AtomicRequest) { r.SetPlane(b.primary.ID, wb.CRTC, fb, full, full) }, 2*time.Second)
	// route the CRTC back to the display
	req := b.loop.req
	req.Reset()
	req.SetMode(b.crtc, &b.mode).Set(b.conn.ID, "CRTC_ID", uint64(b.crtc)).SetPlane(b.primary.ID, b.crtc, fb, full, full).
		Set(wb.Connector.ID, "CRTC_ID", 0)
	if rerr := req.Commit(kms.AtomicAllowModeset, 0); rerr != nil && err == nil {
		err = fmt.Errorf("drm: restore %s after writeback: %w", b.conn.Name, rerr)
	}
	return captureResult{cap: c, err: err}
}

var _ = allocator.XRGB8888
