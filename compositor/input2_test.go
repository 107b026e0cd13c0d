package compositor_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

const keyA, keyLeftShift, keyCapsLock = 30, 42, 58

// TestKeyboardKeymapFocusKeysAndModifiers checks the keymap fd (sealed,
// the built-in text plus its NUL), repeat_info, the enter with the keys
// held, key events and modifiers.
func TestKeyboardKeymapFocusKeysAndModifiers(t *testing.T) {
	g := newRig(t, 100, 100)
	c := g.dial()
	kb := c.NewID(wl.KeyboardInterface)
	c.send(c.seat, wl.SeatRequestGetKeyboard, testclient.NewObj{ID: kb, Iface: wl.KeyboardInterface})
	c.roundtrip()
	evs := c.take()
	km := named(evs, wl.KeyboardInterface, "keymap")
	if len(km) != 1 || argU(km[0], 0) != wl.KeyboardKeymapFormatXkbV1 {
		t.Fatalf("keymap events %v", km)
	}
	fd, size := km[0].Args[1].(int), argU(km[0], 2) // closed by the client's cleanup
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil || seals&(unix.F_SEAL_WRITE|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW) != unix.F_SEAL_WRITE|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW {
		t.Errorf("keymap seals %#x (%v), want write, shrink and grow sealed", seals, err)
	}
	m, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m, append(append([]byte(nil), protocol.BuiltinKeymap...), 0)) {
		t.Errorf("keymap content differs from BuiltinKeymap + NUL (%d bytes)", len(m))
	}
	unix.Munmap(m)
	if ri := named(evs, wl.KeyboardInterface, "repeat_info"); len(ri) != 1 {
		t.Errorf("repeat_info %v", ri)
	}
	// a key held before the focus arrives is listed in enter
	g.input(func() { g.c.KeyboardKey(keyA, true, time.Second) })
	top, _, _ := c.toplevel(100, 100, 0xff0000ff)
	evs = c.take()
	enter := named(evs, wl.KeyboardInterface, "enter")
	if len(enter) != 1 || argU(enter[0], 1) != top {
		t.Fatalf("keyboard enter %v, want wl_surface@%d", enter, top)
	}
	if keys := enter[0].Args[2].([]byte); len(keys) != 4 || binary.NativeEndian.Uint32(keys) != keyA {
		t.Errorf("enter keys %v, want [KEY_A]", keys)
	}
	g.input(func() {
		g.c.KeyboardKey(keyA, false, 2*time.Second)
		g.c.KeyboardKey(keyLeftShift, true, 3*time.Second)
		g.c.KeyboardKey(keyCapsLock, true, 4*time.Second)
		g.c.KeyboardKey(keyCapsLock, false, 5*time.Second)
	})
	c.roundtrip()
	evs = c.take()
	keys := named(evs, wl.KeyboardInterface, "key")
	if len(keys) != 4 || argU(keys[0], 2) != keyA || argU(keys[0], 3) != 0 || argU(keys[1], 1) != 3000 {
		t.Errorf("key events %v", keys)
	}
	mods := named(evs, wl.KeyboardInterface, "modifiers")
	if len(mods) != 2 || argU(mods[0], 1) != protocol.ModShift || argU(mods[1], 3) != protocol.ModLock {
		t.Errorf("modifiers %v, want shift depressed then caps locked", mods)
	}
	var dep, lock uint32
	g.input(func() { dep, lock = g.c.Modifiers() })
	if dep != protocol.ModShift || lock != protocol.ModLock {
		t.Errorf("Modifiers() = %#x %#x", dep, lock)
	}
}

// TestTouchSequenceStaysOnItsSurface: the surface under the touch-down
// gets the whole sequence in its own coordinates.
func TestTouchSequenceStaysOnItsSurface(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	tch := c.NewID(wl.TouchInterface)
	c.send(c.seat, wl.SeatRequestGetTouch, testclient.NewObj{ID: tch, Iface: wl.TouchInterface})
	top, _, _ := c.toplevel(100, 50, 0xff0000ff) // (50,25)-(150,75)
	c.take()
	g.input(func() {
		g.c.SetInputCapabilities(protocol.SeatTouch)
		g.c.TouchDown(7, g.out, 60, 30, time.Second)
		g.c.TouchFrame()
		g.c.TouchMotion(7, 0, 0, 2*time.Second) // off the surface: still its sequence
		g.c.TouchFrame()
		g.c.TouchUp(7, 3*time.Second)
		g.c.TouchFrame()
		g.c.TouchDown(8, g.out, 5, 5, 4*time.Second) // on nothing
		g.c.TouchFrame()
	})
	c.roundtrip()
	var got []string
	for _, e := range c.take() {
		if e.Interface == wl.TouchInterface {
			got = append(got, e.Name)
		}
	}
	want := []string{"down", "frame", "motion", "frame", "up", "frame"}
	if len(got) != len(want) {
		t.Fatalf("touch events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("touch events %v, want %v", got, want)
		}
	}
	_ = top
}

// popup creates a w x h popup of parent (an xdg_surface) anchored at the
// anchor rectangle's bottom-left with the given constraint adjustment,
// grabbing with serial when it is not 0, and maps it.
func (c *client) popup(parentXS uint32, ax, ay, aw, ah, w, h int, adjust uint32, grab uint32, argb uint32) (surf, xs, pop uint32) {
	c.t.Helper()
	pos := c.NewID(xdg.PositionerInterface)
	c.send(c.wm, xdg.WmBaseRequestCreatePositioner, testclient.NewObj{ID: pos, Iface: xdg.PositionerInterface})
	c.send(pos, xdg.PositionerRequestSetSize, int32(w), int32(h))
	c.send(pos, xdg.PositionerRequestSetAnchorRect, int32(ax), int32(ay), int32(aw), int32(ah))
	c.send(pos, xdg.PositionerRequestSetAnchor, xdg.PositionerAnchorBottomLeft)
	c.send(pos, xdg.PositionerRequestSetGravity, xdg.PositionerGravityBottomRight)
	c.send(pos, xdg.PositionerRequestSetConstraintAdjustment, adjust)
	surf = c.surface()
	xs = c.NewID(xdg.SurfaceInterface)
	c.send(c.wm, xdg.WmBaseRequestGetXdgSurface, testclient.NewObj{ID: xs, Iface: xdg.SurfaceInterface}, surf)
	pop = c.NewID(xdg.PopupInterface)
	c.send(xs, xdg.SurfaceRequestGetPopup, testclient.NewObj{ID: pop, Iface: xdg.PopupInterface}, parentXS, pos)
	if grab != 0 {
		c.send(pop, xdg.PopupRequestGrab, c.seat, grab)
	}
	c.send(surf, wl.SurfaceRequestCommit)
	c.roundtrip()
	c.send(xs, xdg.SurfaceRequestAckConfigure, c.configures[xs])
	c.attach(surf, c.buffer(w, h, argb, false))
	c.roundtrip()
	return surf, xs, pop
}

// TestPopupIsDrawnConstrainedAndGrabsFocus opens a menu-like popup from a
// click, checks its place (slid back onto the output), that it is drawn
// above the toplevel, takes the keyboard and is dismissed by a click
// outside the client.
func TestPopupIsDrawnConstrainedAndGrabsFocus(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	c.pointer(8)
	kb := c.NewID(wl.KeyboardInterface)
	c.send(c.seat, wl.SeatRequestGetKeyboard, testclient.NewObj{ID: kb, Iface: wl.KeyboardInterface})
	top, txs, _ := c.toplevel(200, 100, 0xff0000ff)
	g.input(func() {
		g.c.PointerMotionAbsolute(g.out, 180, 20, 0)
		g.c.PointerButton(btnLeft, true, time.Second)
		g.c.PointerFrame()
	})
	c.roundtrip()
	bt := named(c.take(), wl.PointerInterface, "button")
	if len(bt) != 1 {
		t.Fatalf("button events %v", bt)
	}
	// anchored at 170,10 (10x10), 40x30 below-right: would end at x 220 > 200
	ps, _, pop := c.popup(txs, 170, 10, 10, 10, 40, 30, 1 /* slide_x */, argU(bt[0], 0), 0xff00ff00)
	evs := c.take()
	cfg := named(evs, xdg.PopupInterface, "configure")
	if len(cfg) != 1 || cfg[0].Args[0].(int32) != 160 || cfg[0].Args[1].(int32) != 20 {
		t.Fatalf("popup configure %v, want x slid to 160, y 20", cfg)
	}
	if d := named(evs, xdg.PopupInterface, "popup_done"); len(d) != 0 {
		t.Fatalf("grab with the button's serial was refused: %v", d)
	}
	s := g.scene()
	if len(s) != 2 || s[1].Surface.ID() != ps || s[1].Dst.Min.X != 160 || s[1].Dst.Min.Y != 20 {
		t.Fatalf("scene %s, want the popup at 160,20 above the toplevel", describe(s))
	}
	g.frame()
	if px := g.pixel(165, 25); px != 0x00ff00 {
		t.Errorf("popup pixel %06x, want 00ff00", px)
	}
	if e := named(evs, wl.KeyboardInterface, "enter"); len(e) != 1 || argU(e[0], 1) != ps {
		t.Errorf("keyboard enter %v, want the grabbing popup wl_surface@%d", e, ps)
	}
	// release, then a click on another client's surface breaks the grab
	g.input(func() { g.c.PointerButton(btnLeft, false, 2*time.Second) })
	c2 := g.dial()
	c2.toplevel(50, 50, 0xffffffff) // shown now, centred
	c.roundtrip()
	if d := named(c.take(), xdg.PopupInterface, "popup_done"); len(d) != 1 || d[0].Object != pop {
		t.Errorf("after another toplevel took the output: popup_done %v, want one", d)
	}
	_ = top
}

// TestPopupGrabWithAStaleSerialIsDismissed: a grab needs a serial of a
// recent input event of the client.
func TestPopupGrabWithAStaleSerialIsDismissed(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	_, txs, _ := c.toplevel(200, 100, 0xff0000ff)
	_, _, pop := c.popup(txs, 10, 10, 10, 10, 40, 30, 0, 12345, 0xff00ff00)
	d := named(c.take(), xdg.PopupInterface, "popup_done")
	if len(d) != 1 || d[0].Object != pop {
		t.Errorf("popup_done %v, want one for xdg_popup@%d", d, pop)
	}
	if err := c.Err(); err != nil {
		t.Errorf("a bad grab serial raised %v; the protocol says dismiss, not error", err)
	}
}

// TestPopupClickOutsideDismisses: a press on no surface breaks the grab.
func TestPopupClickOutsideDismisses(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	c.pointer(8)
	_, txs, _ := c.toplevel(100, 50, 0xff0000ff) // (50,25)-(150,75)
	g.input(func() {
		g.c.PointerMotionAbsolute(g.out, 60, 30, 0)
		g.c.PointerButton(btnLeft, true, time.Second)
		g.c.PointerButton(btnLeft, false, time.Second)
	})
	c.roundtrip()
	bt := named(c.take(), wl.PointerInterface, "button")
	_, _, pop := c.popup(txs, 10, 10, 10, 10, 20, 20, 0, argU(bt[0], 0), 0xff00ff00)
	c.take()
	g.input(func() {
		g.c.PointerMotionAbsolute(g.out, 5, 5, 2*time.Second)
		g.c.PointerButton(btnLeft, true, 2*time.Second)
	})
	c.roundtrip()
	if d := named(c.take(), xdg.PopupInterface, "popup_done"); len(d) != 1 || d[0].Object != pop {
		t.Errorf("click outside: popup_done %v, want one", d)
	}
}

// TestRepositionMovesThePopup: xdg_popup.reposition (version 3) answers
// with repositioned, a new configure, and the popup is drawn at its new
// place.
func TestRepositionMovesThePopup(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	_, txs, _ := c.toplevel(200, 100, 0xff0000ff)
	ps, xs, pop := c.popup(txs, 10, 10, 10, 10, 20, 20, 0, 0, 0xff00ff00)
	if s := g.scene(); len(s) != 2 || s[1].Dst.Min.X != 10 || s[1].Dst.Min.Y != 20 {
		t.Fatalf("scene %s, want the popup at 10,20", describe(s))
	}
	c.take()
	pos := c.NewID(xdg.PositionerInterface)
	c.send(c.wm, xdg.WmBaseRequestCreatePositioner, testclient.NewObj{ID: pos, Iface: xdg.PositionerInterface})
	c.send(pos, xdg.PositionerRequestSetSize, int32(20), int32(20))
	c.send(pos, xdg.PositionerRequestSetAnchorRect, int32(100), int32(50), int32(1), int32(1))
	c.send(pos, xdg.PositionerRequestSetGravity, xdg.PositionerGravityBottomRight)
	c.send(pop, xdg.PopupRequestReposition, pos, uint32(7))
	c.roundtrip()
	evs := c.take()
	rp := named(evs, xdg.PopupInterface, "repositioned")
	cfg := named(evs, xdg.PopupInterface, "configure")
	if len(rp) != 1 || argU(rp[0], 0) != 7 || len(cfg) != 1 || cfg[0].Args[0].(int32) != 100 || cfg[0].Args[1].(int32) != 50 {
		t.Fatalf("after reposition: repositioned %v configure %v, want token 7 and 100,50", rp, cfg)
	}
	c.send(xs, xdg.SurfaceRequestAckConfigure, c.configures[xs])
	c.send(ps, wl.SurfaceRequestCommit)
	c.roundtrip()
	if s := g.scene(); len(s) != 2 || s[1].Dst.Min != (image.Point{100, 50}) {
		t.Errorf("scene %s, want the popup at 100,50", describe(s))
	}
}

// TestSceneChangeUnderAStillPointer: a toplevel mapping under the pointer
// takes the focus from the one below (leave, then enter), without motion.
func TestSceneChangeUnderAStillPointer(t *testing.T) {
	g := newRig(t, 200, 100)
	a := g.dial()
	a.pointer(8)
	ta, _, _ := a.toplevel(200, 100, 0xff0000ff)
	g.input(func() { g.c.PointerMotionAbsolute(g.out, 100, 50, 0); g.c.PointerFrame() })
	a.roundtrip()
	if e := named(a.take(), wl.PointerInterface, "enter"); len(e) != 1 || argU(e[0], 1) != ta {
		t.Fatalf("enter %v", e)
	}
	b := g.dial()
	b.pointer(8)
	tb, _, _ := b.toplevel(100, 50, 0xff00ff00) // centred: under the pointer
	a.roundtrip()
	if l := named(a.take(), wl.PointerInterface, "leave"); len(l) != 1 || argU(l[0], 1) != ta {
		t.Errorf("first client: leave %v, want one for wl_surface@%d", l, ta)
	}
	evs := b.take()
	if e := named(evs, wl.PointerInterface, "enter"); len(e) != 1 || argU(e[0], 1) != tb || argF(e[0], 2) != fixed(50) || argF(e[0], 3) != fixed(25) {
		t.Errorf("second client: enter %v, want wl_surface@%d at 50,25", e, tb)
	}
	if m := named(evs, wl.PointerInterface, "motion"); len(m) != 0 {
		t.Errorf("motion %v without the pointer moving", m)
	}
}
