package compositor_test

import (
	"image"
	"testing"
	"time"

	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

const btnLeft = 0x110

// pointer creates a wl_pointer on a wl_seat bound at version v.
func (c *client) pointer(v uint32) uint32 {
	seat := c.seat
	if v != 8 {
		seat = c.bind(wl.SeatInterface, v)
	}
	id := c.NewID(wl.PointerInterface)
	c.send(seat, wl.SeatRequestGetPointer, testclient.NewObj{ID: id, Iface: wl.PointerInterface})
	c.roundtrip()
	return id
}

func (g *rig) input(f func()) {
	g.c.Do(f)
}

func argU(e testclient.Event, i int) uint32     { return e.Args[i].(uint32) }
func argF(e testclient.Event, i int) wire.Fixed { return e.Args[i].(wire.Fixed) }

// TestPointerFocusFollowsTheSurfaceUnderThePointer walks the pointer over
// a centred toplevel and a subsurface with an input region, then off
// them, and checks enter, motion, leave and frame.
func TestPointerFocusFollowsTheSurfaceUnderThePointer(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	p := c.pointer(8)
	top, _, _ := c.toplevel(100, 50, 0xff0000ff) // at (50,25)-(150,75)
	sub, _ := c.subsurface(top, 60, 10, 20, 20, 0xff00ff00)
	// the subsurface takes input only in its left half
	reg := c.NewID(wl.RegionInterface)
	c.send(c.comp, wl.CompositorRequestCreateRegion, testclient.NewObj{ID: reg, Iface: wl.RegionInterface})
	c.send(reg, wl.RegionRequestAdd, int32(0), int32(0), int32(10), int32(20))
	c.send(sub, wl.SurfaceRequestSetInputRegion, reg)
	c.send(sub, wl.SurfaceRequestCommit)
	c.roundtrip()
	c.take()
	g.input(func() {
		g.c.SetInputCapabilities(protocol.SeatPointer)
		g.c.PointerMotionAbsolute(g.out, 60.5, 30, time.Second)
		g.c.PointerFrame()
	})
	c.roundtrip()
	evs := named(c.take(), wl.PointerInterface, "enter")
	if len(evs) != 1 || argU(evs[0], 1) != top || argF(evs[0], 2) != fixed(10.5) || argF(evs[0], 3) != fixed(5) {
		t.Fatalf("enter events %v, want one on wl_surface@%d at 10.5,5", evs, top)
	}
	g.input(func() {
		g.c.PointerMotion(2, 1, time.Second+time.Millisecond)
		g.c.PointerFrame()
		g.c.PointerMotion(52, 10, 2*time.Second) // 114.5,41: inside the subsurface's input region
		g.c.PointerFrame()
	})
	c.roundtrip()
	evs = c.take()
	m := named(evs, wl.PointerInterface, "motion")
	if len(m) != 1 || argU(m[0], 0) != 1001 || argF(m[0], 1) != fixed(12.5) || argF(m[0], 2) != fixed(6) {
		t.Errorf("motion %v, want time 1001 at 12.5,6", m)
	}
	if e := named(evs, wl.PointerInterface, "enter"); len(e) != 1 || argU(e[0], 1) != sub || argF(e[0], 2) != fixed(4.5) {
		t.Errorf("enter %v, want wl_surface@%d at 4.5,6", e, sub)
	}
	if l := named(evs, wl.PointerInterface, "leave"); len(l) != 1 || argU(l[0], 1) != top {
		t.Errorf("leave %v, want wl_surface@%d", l, top)
	}
	if f := named(evs, wl.PointerInterface, "frame"); len(f) < 2 {
		t.Errorf("%d frames, want at least 2", len(f))
	}
	// right half of the subsurface: outside its input region, so the toplevel
	g.input(func() { g.c.PointerMotion(10, 0, 3*time.Second); g.c.PointerFrame() })
	c.roundtrip()
	if e := named(c.take(), wl.PointerInterface, "enter"); len(e) != 1 || argU(e[0], 1) != top {
		t.Errorf("outside the input region: enter %v, want the toplevel", e)
	}
	// off every surface; clamped at the output's edge
	g.input(func() { g.c.PointerMotion(-1000, -1000, 4*time.Second); g.c.PointerFrame() })
	c.roundtrip()
	if l := named(c.take(), wl.PointerInterface, "leave"); len(l) != 1 {
		t.Errorf("leave %v, want one", l)
	}
	var x, y float64
	var out *compositor.Output
	g.input(func() { out, x, y = g.c.Pointer() })
	if out != g.out || x != 0 || y != 0 {
		t.Errorf("pointer at %v %g,%g, want clamped to 0,0 on the output", out, x, y)
	}
	_ = p
}

// TestPointerEventsFollowEachObjectsVersion gives one client wl_pointers
// of versions 4, 5 and 8 and checks what each receives for a wheel click.
func TestPointerEventsFollowEachObjectsVersion(t *testing.T) {
	g := newRig(t, 100, 100)
	c := g.dial()
	p4, p5, p8 := c.pointer(4), c.pointer(5), c.pointer(8)
	c.toplevel(100, 100, 0xff0000ff)
	g.input(func() {
		g.c.PointerMotionAbsolute(g.out, 10, 10, 0)
		g.c.PointerFrame()
		g.c.PointerAxis(true, 15, 1, time.Second)
		g.c.PointerFrame()
		g.c.PointerButton(btnLeft, true, time.Second)
		g.c.PointerFrame()
	})
	c.roundtrip()
	got := map[uint32][]string{}
	for _, e := range c.take() {
		if e.Interface == wl.PointerInterface {
			got[e.Object] = append(got[e.Object], e.Name)
		}
	}
	want := map[uint32][]string{
		p4: {"enter", "axis", "button"},
		p5: {"enter", "frame", "axis_source", "axis_discrete", "axis", "frame", "button", "frame"},
		p8: {"enter", "frame", "axis_source", "axis_value120", "axis", "frame", "button", "frame"},
	}
	for id, w := range want {
		if g := got[id]; len(g) != len(w) || func() bool {
			for i := range g {
				if g[i] != w[i] {
					return true
				}
			}
			return false
		}() {
			t.Errorf("wl_pointer@%d got %v, want %v", id, g, w)
		}
	}
}

// TestCursorIsTheTopmostElementAndMovesWithThePointer sets a cursor with
// a hotspot, moves the pointer, moves the hotspot with wl_surface.offset,
// and offloads the cursor.
func TestCursorIsTheTopmostElementAndMovesWithThePointer(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	p := c.pointer(8)
	c.toplevel(200, 100, 0xff0000ff)
	cur := c.surface()
	c.attach(cur, c.buffer(8, 8, 0xffffffff, true))
	g.input(func() { g.c.PointerMotionAbsolute(g.out, 50, 40, 0); g.c.PointerFrame() })
	c.roundtrip()
	enter := named(c.take(), wl.PointerInterface, "enter")
	if len(enter) != 1 {
		t.Fatalf("enter events %v", enter)
	}
	serial := argU(enter[0], 0)
	// a stale serial is ignored
	c.send(p, wl.PointerRequestSetCursor, serial-1, cur, int32(2), int32(3))
	c.roundtrip()
	if s := g.scene(); len(s) != 1 {
		t.Fatalf("set_cursor with a stale serial changed the scene: %s", describe(s))
	}
	c.send(p, wl.PointerRequestSetCursor, serial, cur, int32(2), int32(3))
	c.roundtrip()
	s := g.scene()
	if len(s) != 2 || !s[1].Cursor || s[1].Surface.ID() != cur || s[1].Dst != image.Rect(48, 37, 56, 45) || s[1].Hotspot != image.Pt(2, 3) {
		t.Fatalf("scene %s, want the cursor at (48,37)-(56,45) on top", describe(s))
	}
	g.frame()
	if px := g.pixel(50, 40); px != 0xffffff {
		t.Errorf("pixel under the pointer %06x, want the cursor's ffffff", px)
	}
	// a move damages the old and the new rectangle
	var damage []image.Rectangle
	g.c.Do(func() {
		g.c.PointerMotion(20, 0, time.Second)
		res, _ := g.out.Render(g.r, g.target, 1)
		damage = append(damage, res.Damage...)
		g.out.Presented(protocol.Presentation{}, false)
	})
	if want := []image.Rectangle{image.Rect(48, 37, 56, 45), image.Rect(68, 37, 76, 45)}; len(damage) != 2 || damage[0] != want[0] || damage[1] != want[1] {
		t.Errorf("cursor move repainted %v, want %v", damage, want)
	}
	if px := g.pixel(50, 40); px != 0x0000ff {
		t.Errorf("old cursor position %06x, want the toplevel's 0000ff", px)
	}
	// the hotspot moves with wl_surface.offset
	c.send(cur, wl.SurfaceRequestOffset, int32(-1), int32(-1))
	c.send(cur, wl.SurfaceRequestCommit)
	c.roundtrip()
	if s := g.scene(); len(s) != 2 || s[1].Hotspot != image.Pt(3, 4) || s[1].Dst.Min != image.Pt(67, 36) {
		t.Errorf("after offset(-1,-1): %s hotspot %v, want hotspot 3,4 at 67,36", describe(s), s[len(s)-1].Hotspot)
	}
	// offloaded: a move makes a frame necessary, damages nothing
	g.c.Do(func() {
		cs := g.out.Scene(nil)[1].Surface
		g.out.Offload(cs)
		g.out.Render(g.r, g.target, 1)
		g.out.Presented(protocol.Presentation{}, false)
		g.c.PointerMotion(5, 5, 2*time.Second)
		if !g.out.NeedsFrame() || g.out.Damaged() {
			t.Errorf("offloaded cursor move: NeedsFrame %v Damaged %v, want true false", g.out.NeedsFrame(), g.out.Damaged())
		}
	})
	// off the client's surfaces the cursor goes: move off a smaller toplevel
	c.send(p, wl.PointerRequestSetCursor, serial, testclient.Null{}, int32(0), int32(0))
	c.roundtrip()
	if s := g.scene(); len(s) != 1 {
		t.Errorf("set_cursor(null): scene %s, want no cursor", describe(s))
	}
}

// TestCursorLeavesWithTheFocus: leaving the client's surfaces removes its
// cursor; a cursor surface cannot take another role and a surface with a
// role cannot be a cursor.
func TestCursorLeavesWithTheFocus(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	p := c.pointer(8)
	top, _, _ := c.toplevel(100, 50, 0xff0000ff)
	cur := c.surface()
	c.attach(cur, c.buffer(4, 4, 0xffffffff, true))
	g.input(func() { g.c.PointerMotionAbsolute(g.out, 100, 50, 0) })
	c.roundtrip()
	serial := argU(named(c.take(), wl.PointerInterface, "enter")[0], 0)
	c.send(p, wl.PointerRequestSetCursor, serial, cur, int32(0), int32(0))
	c.roundtrip()
	if s := g.scene(); len(s) != 2 {
		t.Fatalf("scene %s, want a cursor", describe(s))
	}
	g.input(func() { g.c.PointerMotionAbsolute(g.out, 5, 5, time.Second) })
	if s := g.scene(); len(s) != 1 {
		t.Errorf("pointer off the client: scene %s, want no cursor", describe(s))
	}
	// the cursor surface cannot become a toplevel
	xs := c.NewID(xdg.SurfaceInterface)
	c.send(c.wm, xdg.WmBaseRequestGetXdgSurface, testclient.NewObj{ID: xs, Iface: xdg.SurfaceInterface}, cur)
	if err := c.WaitError(); err == nil || err.Object != c.wm || err.Code != xdg.WmBaseErrorRole {
		t.Errorf("get_xdg_surface on a cursor surface: %v, want xdg_wm_base role error", err)
	}
	// and a toplevel's surface cannot be a cursor
	c2 := g.dial()
	p2 := c2.pointer(8)
	top2, _, _ := c2.toplevel(100, 50, 0xff00ff00)
	g.input(func() { g.c.PointerMotionAbsolute(g.out, 100, 50, 2*time.Second) })
	c2.roundtrip()
	serial = argU(named(c2.take(), wl.PointerInterface, "enter")[0], 0)
	c2.send(p2, wl.PointerRequestSetCursor, serial, top2, int32(0), int32(0))
	if err := c2.WaitError(); err == nil || err.Object != p2 || err.Code != wl.PointerErrorRole {
		t.Errorf("set_cursor with a toplevel's surface: %v, want wl_pointer role error", err)
	}
	_ = top
}

// TestPointerMotionAllocatesNothing moves the pointer over a surface with
// a composited cursor, clicks, scrolls, types and touches, and renders,
// in steady state.
func TestPointerMotionAllocatesNothing(t *testing.T) {
	g := newRig(t, 100, 100)
	c := g.dial()
	p := c.pointer(8)
	kb := c.NewID(wl.KeyboardInterface)
	c.send(c.seat, wl.SeatRequestGetKeyboard, testclient.NewObj{ID: kb, Iface: wl.KeyboardInterface})
	tch := c.NewID(wl.TouchInterface)
	c.send(c.seat, wl.SeatRequestGetTouch, testclient.NewObj{ID: tch, Iface: wl.TouchInterface})
	c.toplevel(100, 100, 0xff0000ff)
	cur := c.surface()
	c.attach(cur, c.buffer(8, 8, 0x80ffffff, true))
	g.input(func() { g.c.PointerMotionAbsolute(g.out, 50, 50, 0) })
	c.roundtrip()
	serial := argU(named(c.take(), wl.PointerInterface, "enter")[0], 0)
	c.send(p, wl.PointerRequestSetCursor, serial, cur, int32(4), int32(4))
	c.roundtrip()
	g.frame()
	step := 1.0
	buf := make([]compositor.Element, 0, 40)
	var tm time.Duration
	frame := func() {
		step = -step
		tm += time.Millisecond
		g.c.PointerMotion(step*3, step, tm)
		g.c.PointerFrame()
		g.c.PointerButton(btnLeft, step > 0, tm)
		g.c.PointerFrame()
		g.c.PointerAxis(true, 15, 1, tm)
		g.c.PointerFrame()
		g.c.KeyboardKey(keyLeftShift, step > 0, tm)
		g.c.KeyboardKey(keyA, step > 0, tm)
		g.c.TouchDown(1, g.out, 10, 10, tm)
		g.c.TouchMotion(1, 12, 10, tm)
		g.c.TouchUp(1, tm)
		g.c.TouchFrame()
		buf = g.out.Scene(buf[:0])
		g.out.Render(g.r, g.target, 1)
		g.out.Presented(protocol.Presentation{}, false)
	}
	do := func() { g.c.Do(frame) }
	for range 10 {
		do()
	}
	// The test client reads only when it round-trips, so the events of
	// the measured frames pile up in its socket. Drain it first and
	// measure few enough frames that the socket never fills: a full
	// socket makes the server queue output in memory that grows (in the
	// VM's kernel the socket filled within 200 frames).
	c.roundtrip()
	c.take()
	if n := testing.AllocsPerRun(50, do); n != 0 {
		t.Errorf("pointer, key and touch events + frame with a composited cursor: %v allocations, want 0", n)
	}
	if len(buf) != 2 || !buf[1].Cursor {
		t.Errorf("scene %s, want the cursor on top", describe(buf))
	}
	c.take()
}
