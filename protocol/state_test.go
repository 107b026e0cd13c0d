package protocol

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/linuxdmabuf"
	"github.com/go-scanout/scanout/protocol/presentation"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/viewporter"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

// quietServer is a test server without the frame driver, so tests decide
// when frames complete.
func quietServer(t *testing.T) *testServer {
	ts := newTestServer(t, nil)
	close(ts.stop)
	ts.done.Wait()
	ts.stop = make(chan struct{})
	ts.done.Add(1)
	go func() { defer ts.done.Done(); <-ts.stop }()
	return ts
}

type recorder struct{ events []tc.Event }

func (r *recorder) on(h *hc) { h.OnEvent = func(e tc.Event) { r.events = append(r.events, e) } }

func (r *recorder) named(obj uint32, name string) []tc.Event {
	var out []tc.Event
	for _, e := range r.events {
		if e.Object == obj && e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func (ts *testServer) surfaceByID(id uint32) *Surface {
	for x := range ts.s.surfaces {
		if x.ID() == id {
			return x
		}
	}
	return nil
}

func TestSurfaceStateIsDoubleBuffered(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	p, _ := h.pool(2 * 64 * 64 * 4)
	b1 := h.buffer(p, 0, 64, 64, 256, wl.ShmFormatXrgb8888)
	b2 := h.buffer(p, 64*64*4, 64, 64, 256, wl.ShmFormatArgb8888)
	s := h.surface()
	h.Send(s, wl.SurfaceRequestAttach, b1, 0, 0)
	h.Send(s, wl.SurfaceRequestSetBufferScale, 2)
	h.Send(s, wl.SurfaceRequestDamage, 1, 2, 3, 4)
	h.Roundtrip()
	ts.s.Do(func() {
		x := ts.surfaceByID(s)
		if x.Buffer() != nil || x.Scale() != 1 || x.Commits() != 0 {
			t.Errorf("pending state visible before commit: buffer %v scale %d", x.Buffer(), x.Scale())
		}
	})
	h.Send(s, wl.SurfaceRequestCommit)
	h.Roundtrip()
	ts.s.Do(func() {
		x := ts.surfaceByID(s)
		sd, _ := x.CommittedDamage()
		if x.Buffer() == nil || x.Buffer().Format() != allocator.XRGB8888 || x.Scale() != 2 || len(sd) != 1 || sd[0] != (Rect{1, 2, 3, 4}) {
			t.Errorf("after commit: buffer %v scale %d damage %v", x.Buffer(), x.Scale(), sd)
		}
		if w, hh := x.Size(); w != 32 || hh != 32 {
			t.Errorf("surface size %dx%d, want 32x32 (64x64 buffer at scale 2)", w, hh)
		}
	})
	// replacing the buffer releases the old one, unless the backend holds it
	var held *Buffer
	ts.s.Do(func() { held = ts.surfaceByID(s).Buffer(); held.Lock() })
	h.Send(s, wl.SurfaceRequestAttach, b2, 0, 0)
	h.Send(s, wl.SurfaceRequestCommit)
	h.Roundtrip()
	if n := len(rec.named(b1, "release")); n != 0 {
		t.Fatalf("buffer released while the backend holds it")
	}
	ts.s.Do(func() { held.Unlock() })
	h.Roundtrip()
	if n := len(rec.named(b1, "release")); n != 1 {
		t.Fatalf("%d releases of the replaced buffer, want 1", n)
	}
	ts.s.Do(func() {
		if f := ts.surfaceByID(s).Buffer().Format(); f != allocator.ARGB8888 {
			t.Errorf("format %v, want ARGB8888 (wl_shm code 0)", f)
		}
	})
}

func TestManyDamageRectanglesCollapseIntoTheirBounds(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	s := h.surface()
	for i := 0; i < 100; i++ {
		h.Send(s, wl.SurfaceRequestDamageBuffer, int32(i), int32(2*i), 1, 1)
	}
	h.Send(s, wl.SurfaceRequestCommit)
	h.Roundtrip()
	ts.s.Do(func() {
		_, bd := ts.surfaceByID(s).CommittedDamage()
		u := Rect{}
		for _, r := range bd {
			u = u.union(r)
		}
		if len(bd) > maxDamageRects || u != (Rect{0, 0, 100, 199}) {
			t.Errorf("%d rects covering %v, want at most %d covering 0,0 100x199", len(bd), u, maxDamageRects)
		}
	})
}

func TestFrameCallbacksFireOnlyForCommittedFrames(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	s := h.surface()
	cb1 := h.NewID(core.CallbackInterface)
	h.Send(s, wl.SurfaceRequestFrame, tc.NewObj{ID: cb1, Iface: core.CallbackInterface})
	h.Roundtrip()
	ts.s.Do(func() { ts.s.Latch(ts.out); ts.s.FrameDone(ts.out, 5*time.Millisecond) })
	h.Roundtrip()
	if len(rec.named(cb1, "done")) != 0 {
		t.Fatal("frame callback done before its commit")
	}
	h.Send(s, wl.SurfaceRequestCommit)
	h.Roundtrip()
	ts.s.Do(func() { ts.s.Latch(ts.out); ts.s.FrameDone(ts.out, 1234*time.Millisecond) })
	h.Roundtrip()
	done := rec.named(cb1, "done")
	if len(done) != 1 || done[0].Args[0].(uint32) != 1234 {
		t.Fatalf("done events %v, want one with 1234 ms", done)
	}
	if !h.Deleted(cb1) {
		t.Error("callback id not deleted after done")
	}
}

func TestPresentationFeedback(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	pres, _ := h.Bind(h.reg, presentation.PresentationInterface, 1)
	out, _ := h.Bind(h.reg, wl.OutputInterface, 4)
	h.Roundtrip()
	if ev := rec.named(pres, "clock_id"); len(ev) != 1 || ev[0].Args[0].(uint32) != unix.CLOCK_MONOTONIC {
		t.Fatalf("clock_id %v, want CLOCK_MONOTONIC", ev)
	}
	s := h.surface()
	fb := func() uint32 {
		id := h.NewID(presentation.PresentationFeedbackInterface)
		h.Send(pres, presentation.PresentationRequestFeedback, s, tc.NewObj{ID: id, Iface: presentation.PresentationFeedbackInterface})
		h.Send(s, wl.SurfaceRequestCommit)
		return id
	}
	first := fb()
	second := fb() // replaces the first commit before it is shown
	h.Roundtrip()
	if len(rec.named(first, "discarded")) != 1 {
		t.Fatal("superseded content update not discarded")
	}
	when := 12*time.Second + 345678901*time.Nanosecond
	ts.s.Do(func() {
		ts.s.Latch(ts.out)
		ts.s.Presented(ts.out, Presentation{Time: when, Refresh: 16666667 * time.Nanosecond, Seq: 1<<32 + 7, Flags: PresentVSync | PresentHWClock})
	})
	h.Roundtrip()
	if ev := rec.named(second, "sync_output"); len(ev) != 1 || ev[0].Args[0].(uint32) != out {
		t.Errorf("sync_output %v, want wl_output@%d", ev, out)
	}
	ev := rec.named(second, "presented")
	if len(ev) != 1 {
		t.Fatalf("presented events: %v", ev)
	}
	a := ev[0].Args
	want := []uint32{0, 12, 345678901, 16666667, 1, 7, uint32(PresentVSync | PresentHWClock)}
	for i, w := range want {
		if a[i].(uint32) != w {
			t.Errorf("presented arg %d = %d, want %d (%v)", i, a[i], w, a)
		}
	}
}

func TestToplevelIsConfiguredFullscreenAtOutputSize(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	_, xs, top, serial := h.toplevel()
	ev := rec.named(top, "configure")
	if len(ev) != 1 {
		t.Fatalf("toplevel configure events: %v", rec.events)
	}
	w, hh, states := ev[0].Args[0].(int32), ev[0].Args[1].(int32), ev[0].Args[2].([]byte)
	var st []uint32
	for i := 0; i+4 <= len(states); i += 4 {
		st = append(st, binary.NativeEndian.Uint32(states[i:]))
	}
	if w != 640 || hh != 480 || len(st) != 2 || st[0] != xdg.ToplevelStateFullscreen || st[1] != xdg.ToplevelStateActivated {
		t.Errorf("configure %dx%d states %v, want 640x480 [fullscreen activated]", w, hh, st)
	}
	if len(rec.named(top, "wm_capabilities")) != 1 {
		t.Error("no wm_capabilities before the first configure (required by xdg_toplevel v5)")
	}
	h.Send(xs, xdg.SurfaceRequestAckConfigure, serial)
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
}

func TestUnansweredPingEndsTheClient(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	h.toplevel()
	ts.s.Do(func() { ts.s.PingClients(time.Millisecond) })
	h.Roundtrip() // receives the ping, does not answer
	time.Sleep(5 * time.Millisecond)
	ts.s.Do(func() { ts.s.PingClients(time.Millisecond) })
	e := h.WaitError()
	if e == nil || e.Object != h.wm || e.Code != xdg.WmBaseErrorUnresponsive {
		t.Fatalf("got %v, want xdg_wm_base.unresponsive", e)
	}
}

func TestPongKeepsTheClient(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	h.OnEvent = func(e tc.Event) {
		if e.Object == h.wm && e.Name == "ping" {
			h.Send(h.wm, xdg.WmBaseRequestPong, e.Args[0].(uint32))
		}
	}
	h.toplevel()
	for i := 0; i < 3; i++ {
		ts.s.Do(func() { ts.s.PingClients(time.Millisecond) })
		if err := h.Roundtrip(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
		if err := h.Roundtrip(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSynchronizedSubsurfaceWaitsForItsParent(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	parent, child := h.surface(), h.surface()
	sub := h.NewID(wl.SubsurfaceInterface)
	h.Send(h.sc, wl.SubcompositorRequestGetSubsurface, tc.NewObj{ID: sub, Iface: wl.SubsurfaceInterface}, child, parent)
	h.Send(child, wl.SurfaceRequestSetBufferScale, 3)
	h.Send(child, wl.SurfaceRequestCommit)
	h.Send(sub, wl.SubsurfaceRequestSetPosition, 7, 9)
	h.Roundtrip()
	ts.s.Do(func() {
		if x, y := ts.surfaceByID(child).Position(); x != 0 || y != 0 {
			t.Errorf("position %d,%d applied before the parent's commit", x, y)
		}
	})
	ts.s.Do(func() {
		if c := ts.surfaceByID(child); c.Scale() != 1 {
			t.Errorf("synchronized child applied its commit alone (scale %d)", c.Scale())
		}
	})
	h.Send(parent, wl.SurfaceRequestCommit)
	h.Roundtrip()
	ts.s.Do(func() {
		if c := ts.surfaceByID(child); c.Scale() != 3 {
			t.Errorf("child state not applied with the parent's commit (scale %d)", c.Scale())
		}
		if x, y := ts.surfaceByID(child).Position(); x != 7 || y != 9 {
			t.Errorf("position %d,%d after the parent's commit, want 7,9", x, y)
		}
		if p := ts.surfaceByID(parent); len(p.Subsurfaces()) != 1 {
			t.Errorf("parent has %d subsurfaces", len(p.Subsurfaces()))
		}
	})
	h.Send(sub, wl.SubsurfaceRequestSetDesync)
	h.Send(child, wl.SurfaceRequestSetBufferScale, 2)
	h.Send(child, wl.SurfaceRequestCommit)
	h.Roundtrip()
	ts.s.Do(func() {
		if c := ts.surfaceByID(child); c.Scale() != 2 {
			t.Errorf("desynchronized child commit not applied (scale %d)", c.Scale())
		}
	})
}

func TestViewportDestinationSetsTheSurfaceSize(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	p, _ := h.pool(64 * 64 * 4)
	b := h.buffer(p, 0, 64, 64, 256, wl.ShmFormatXrgb8888)
	s := h.surface()
	v := h.NewID(nil)
	h.Send(h.vp, viewporter.ViewporterRequestGetViewport, tc.NewObj{ID: v}, s)
	h.Send(v, viewporter.ViewportRequestSetSource, wire.FixedFromInt(8), wire.FixedFromInt(8), wire.FixedFromFloat(16.5), wire.FixedFromInt(16))
	h.Send(v, viewporter.ViewportRequestSetDestination, 200, 100)
	h.Send(s, wl.SurfaceRequestAttach, b, 0, 0)
	h.Send(s, wl.SurfaceRequestCommit)
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	ts.s.Do(func() {
		x := ts.surfaceByID(s)
		src, dw, dh := x.Viewport()
		if w, hh := x.Size(); w != 200 || hh != 100 || dw != 200 || dh != 100 || src[2] != wire.FixedFromFloat(16.5) {
			t.Errorf("size %dx%d viewport src %v dst %dx%d", w, hh, src, dw, dh)
		}
	})
}

func TestDMABUFCreateWithAMemfdFailsWithoutKillingTheClient(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	p := h.params()
	h.addPlane(p, memfd(t, 64*64*4), 0, 0, 256, allocator.ModifierLinear)
	h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
	if err := h.Roundtrip(); err != nil {
		t.Fatalf("non-dma-buf fd was fatal for create (must be the failed event): %v", err)
	}
	if len(rec.named(p, "failed")) != 1 {
		t.Fatalf("no failed event: %v", rec.events)
	}
}

func TestDMABUFFeedbackFormatTable(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	fb := h.NewID(linuxdmabuf.DmabufFeedbackInterface)
	h.Send(h.dmabuf, linuxdmabuf.DmabufRequestGetDefaultFeedback, tc.NewObj{ID: fb, Iface: linuxdmabuf.DmabufFeedbackInterface})
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	tab := rec.named(fb, "format_table")
	if len(tab) != 1 {
		t.Fatalf("format_table events: %v", rec.events)
	}
	fd, size := tab[0].Args[0].(int), tab[0].Args[1].(uint32)
	defer unix.Close(fd)
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil || seals&(unix.F_SEAL_WRITE|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL) != unix.F_SEAL_WRITE|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL {
		t.Errorf("format table seals 0x%x (%v), want write, shrink, grow and seal", seals, err)
	}
	if _, err := unix.Write(fd, []byte{1}); err == nil {
		t.Error("a client could write into the shared format table")
	}
	data := make([]byte, size)
	if n, err := unix.Pread(fd, data, 0); err != nil || n != int(size) {
		t.Fatalf("read table: %d %v", n, err)
	}
	var pairs []FormatModifier
	for i := 0; i+16 <= len(data); i += 16 {
		pairs = append(pairs, FormatModifier{allocator.Format(binary.NativeEndian.Uint32(data[i:])), allocator.Modifier(binary.NativeEndian.Uint64(data[i+8:]))})
	}
	if len(pairs) != 4 || pairs[0] != (FormatModifier{allocator.XRGB8888, allocator.ModifierLinear}) || pairs[2] != (FormatModifier{allocator.NV12, allocator.ModifierLinear}) {
		t.Errorf("table %v", pairs)
	}
	md := rec.named(fb, "main_device")
	if len(md) != 1 || binary.NativeEndian.Uint64(md[0].Args[0].([]byte)) != testFeedback.MainDevice {
		t.Errorf("main_device %v", md)
	}
	flags := rec.named(fb, "tranche_flags")
	idx := rec.named(fb, "tranche_formats")
	if len(flags) != 2 || flags[0].Args[0].(uint32) != linuxdmabuf.DmabufFeedbackTrancheFlagsScanout || flags[1].Args[0].(uint32) != 0 {
		t.Errorf("tranche flags %v", flags)
	}
	if len(idx) != 2 || len(idx[1].Args[0].([]byte)) != 8 {
		t.Errorf("tranche formats %v", idx)
	}
	if len(rec.named(fb, "done")) != 1 || len(rec.named(fb, "tranche_done")) != 2 {
		t.Errorf("done/tranche_done missing: %v", rec.events)
	}
	// a new negotiation result is pushed to existing feedback objects
	rec.events = nil
	ts.s.Do(func() {
		if err := ts.s.SetDMABUFFeedback(&DMABUFFeedback{MainDevice: 1, Tranches: []DMABUFTranche{{TargetDevice: 1, Formats: []FormatModifier{{allocator.ARGB8888, allocator.ModifierLinear}}}}}); err != nil {
			t.Error(err)
		}
	})
	h.Roundtrip()
	tab = rec.named(fb, "format_table")
	if len(tab) != 1 || tab[0].Args[1].(uint32) != 16 {
		t.Errorf("feedback not resent after SetDMABUFFeedback: %v", rec.events)
	}
	if len(tab) == 1 {
		unix.Close(tab[0].Args[0].(int))
	}
}

func TestPopupIsPlacedByItsPositioner(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	seat, _ := h.Bind(h.reg, wl.SeatInterface, 8)
	_, parent, _, _ := h.toplevel()
	pos := h.NewID(xdg.PositionerInterface)
	h.Send(h.wm, xdg.WmBaseRequestCreatePositioner, tc.NewObj{ID: pos, Iface: xdg.PositionerInterface})
	h.Send(pos, xdg.PositionerRequestSetSize, 100, 50)
	h.Send(pos, xdg.PositionerRequestSetAnchorRect, 10, 10, 20, 20)
	h.Send(pos, xdg.PositionerRequestSetAnchor, xdg.PositionerAnchorBottomLeft)
	h.Send(pos, xdg.PositionerRequestSetGravity, xdg.PositionerGravityBottomRight)
	h.Send(pos, xdg.PositionerRequestSetOffset, 1, 2)
	s := h.surface()
	xs := h.NewID(xdg.SurfaceInterface)
	h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, tc.NewObj{ID: xs, Iface: xdg.SurfaceInterface}, s)
	popup := h.NewID(xdg.PopupInterface)
	h.Send(xs, xdg.SurfaceRequestGetPopup, tc.NewObj{ID: popup, Iface: xdg.PopupInterface}, parent, pos)
	h.Send(s, wl.SurfaceRequestCommit)
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	ev := rec.named(popup, "configure")
	if len(ev) != 1 {
		t.Fatalf("popup configure: %v", rec.events)
	}
	got := [4]int32{ev[0].Args[0].(int32), ev[0].Args[1].(int32), ev[0].Args[2].(int32), ev[0].Args[3].(int32)}
	if got != [4]int32{11, 32, 100, 50} {
		t.Errorf("popup at %v, want [11 32 100 50]", got)
	}
	// no input exists, so no grab serial can be valid: the popup is dismissed
	h.Send(popup, xdg.PopupRequestGrab, seat, uint32(1))
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	if len(rec.named(popup, "popup_done")) != 1 {
		t.Errorf("no popup_done after a grab without input")
	}
}

func TestLargeTrancheIsSplitIntoSeveralEvents(t *testing.T) {
	var fms []FormatModifier
	for i := 0; i < 3000; i++ {
		fms = append(fms, FormatModifier{allocator.XRGB8888, allocator.Modifier(i + 1)})
	}
	ts := newTestServer(t, &Options{DMABUF: &DMABUFFeedback{MainDevice: 1, Tranches: []DMABUFTranche{{TargetDevice: 1, Formats: fms}}}})
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	fb := h.NewID(linuxdmabuf.DmabufFeedbackInterface)
	h.Send(h.dmabuf, linuxdmabuf.DmabufRequestGetDefaultFeedback, tc.NewObj{ID: fb, Iface: linuxdmabuf.DmabufFeedbackInterface})
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range rec.named(fb, "tranche_formats") {
		b := e.Args[0].([]byte)
		if len(b) > 2*maxIndicesPerEvent {
			t.Errorf("tranche_formats of %d bytes", len(b))
		}
		total += len(b) / 2
	}
	if total != 3000 {
		t.Errorf("%d indices sent, want 3000", total)
	}
	for _, e := range rec.named(fb, "format_table") {
		unix.Close(e.Args[0].(int))
	}
}

// A commit that arrives after the backend latched a frame (decided its
// content) but before that frame is presented belongs to the next frame:
// its callback and feedback must not complete with the earlier frame.
func TestLatchKeepsLaterCommitsForTheNextFrame(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	pres, _ := h.Bind(h.reg, presentation.PresentationInterface, 1)
	s := h.surface()
	commit := func() (cb, fb uint32) {
		cb = h.NewID(core.CallbackInterface)
		h.Send(s, wl.SurfaceRequestFrame, tc.NewObj{ID: cb, Iface: core.CallbackInterface})
		fb = h.NewID(presentation.PresentationFeedbackInterface)
		h.Send(pres, presentation.PresentationRequestFeedback, s, tc.NewObj{ID: fb, Iface: presentation.PresentationFeedbackInterface})
		h.Send(s, wl.SurfaceRequestCommit)
		h.Roundtrip()
		return cb, fb
	}
	cb1, fb1 := commit()
	ts.s.Do(func() { ts.s.Latch(ts.out) }) // frame 1 decided
	cb2, fb2 := commit()                   // arrives while frame 1 is in flight
	ts.s.Do(func() {
		ts.s.FrameDone(ts.out, 10*time.Millisecond)
		ts.s.Presented(ts.out, Presentation{Time: 10 * time.Millisecond})
	})
	h.Roundtrip()
	if len(rec.named(cb1, "done")) != 1 || len(rec.named(fb1, "presented")) != 1 {
		t.Fatalf("frame 1's callback/feedback not completed: done %v presented %v", rec.named(cb1, "done"), rec.named(fb1, "presented"))
	}
	if len(rec.named(cb2, "done")) != 0 || len(rec.named(fb2, "presented"))+len(rec.named(fb2, "discarded")) != 0 {
		t.Fatal("a commit made after the latch completed with the earlier frame")
	}
	ts.s.Do(func() {
		ts.s.Latch(ts.out)
		ts.s.FrameDone(ts.out, 26*time.Millisecond)
		ts.s.Presented(ts.out, Presentation{Time: 26 * time.Millisecond})
	})
	h.Roundtrip()
	if d := rec.named(cb2, "done"); len(d) != 1 || d[0].Args[0].(uint32) != 26 {
		t.Fatalf("frame 2's callback: %v, want done(26)", d)
	}
	if len(rec.named(fb2, "presented")) != 1 {
		t.Fatal("frame 2's feedback not presented")
	}
}
