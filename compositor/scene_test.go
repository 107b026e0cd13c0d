package compositor_test

import (
	"image"
	"reflect"
	"testing"

	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/protocol"
)

// TestSceneListsToplevelAndSubsurfacesBottomFirst maps a toplevel smaller
// than the output (centred) with two subsurfaces and reads the scene.
func TestSceneListsToplevelAndSubsurfacesBottomFirst(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	top, _, _ := c.toplevel(100, 50, 0xff0000ff)
	a, _ := c.subsurface(top, 10, 10, 20, 20, 0xff00ff00)
	b, _ := c.subsurface(top, 50, 5, 10, 10, 0x80ff0000)
	s := g.scene()
	want := []struct {
		id     uint32
		dst    image.Rectangle
		opaque bool
	}{
		{top, image.Rect(50, 25, 150, 75), true},
		{a, image.Rect(60, 35, 80, 55), true},
		{b, image.Rect(100, 30, 110, 40), false},
	}
	if len(s) != len(want) {
		t.Fatalf("scene %s, want %d elements", describe(s), len(want))
	}
	for i, w := range want {
		e := s[i]
		if e.Surface.ID() != w.id || e.Dst != w.dst || e.Opaque != w.opaque || !e.Exact || e.Cursor || e.Buffer == nil {
			t.Errorf("element %d: %+v, want wl_surface@%d at %v opaque %v exact", i, e, w.id, w.dst, w.opaque)
		}
		if e.Src != image.Rect(0, 0, w.dst.Dx(), w.dst.Dy()) {
			t.Errorf("element %d: src %v", i, e.Src)
		}
	}
}

// TestOffloadDamageRules checks the contract of Output.Offload: entering
// and leaving the set damages the surface's rectangle, commits of an
// offloaded surface make a frame necessary but damage nothing, and
// Render leaves the surface out of the composited buffer.
func TestOffloadDamageRules(t *testing.T) {
	g := newRig(t, 200, 100)
	c := g.dial()
	top, _, _ := c.toplevel(200, 100, 0xff0000ff)
	sub, _ := c.subsurface(top, 10, 10, 20, 20, 0xff00ff00)
	g.frame()
	if got := g.pixel(15, 15); got != 0x00ff00 {
		t.Fatalf("subsurface pixel %06x before offload, want 00ff00", got)
	}
	s := g.surfaceByID(sub)
	var damaged bool
	var damage []image.Rectangle
	g.c.Do(func() {
		g.out.Offload(s)
		damaged = g.out.Damaged()
		res, err := g.out.Render(g.r, g.target, 1)
		if err != nil {
			t.Error(err)
		}
		damage = append(damage, res.Damage...)
		g.out.Presented(protocol.Presentation{}, false)
	})
	if !damaged || !reflect.DeepEqual(damage, []image.Rectangle{image.Rect(10, 10, 30, 30)}) {
		t.Errorf("entering the offload set: damaged %v, repainted %v, want (10,10)-(30,30)", damaged, damage)
	}
	if got := g.pixel(15, 15); got != 0x0000ff {
		t.Errorf("offloaded subsurface still composited: pixel %06x, want the toplevel's 0000ff", got)
	}
	// a commit of the offloaded surface: a frame, no damage
	c.attach(sub, c.buffer(20, 20, 0xffffffff, false))
	c.roundtrip()
	g.c.Do(func() {
		if !g.out.NeedsFrame() || g.out.Damaged() {
			t.Errorf("after a commit of an offloaded surface: NeedsFrame %v Damaged %v, want true false", g.out.NeedsFrame(), g.out.Damaged())
		}
		g.out.Skip()
		g.out.Presented(protocol.Presentation{}, true)
		// the same set again: nothing changes
		g.out.Offload(s)
		if g.out.Damaged() {
			t.Error("Offload with the same set damaged the output")
		}
		g.out.Offload()
		damaged = g.out.Damaged()
	})
	if !damaged {
		t.Error("leaving the offload set did not damage")
	}
	g.frame()
	if got := g.pixel(15, 15); got != 0xffffff {
		t.Errorf("after Offload(): pixel %06x, want the new buffer's ffffff", got)
	}
}

// TestSceneOffloadRenderAllocateNothing runs the backend's frame path with
// a toplevel, a subsurface and an offloaded surface.
func TestSceneOffloadRenderAllocateNothing(t *testing.T) {
	g := newRig(t, 64, 64)
	c := g.dial()
	top, _, _ := c.toplevel(64, 64, 0xff0000ff)
	sub, _ := c.subsurface(top, 10, 10, 8, 8, 0xff00ff00)
	g.frame()
	s := g.surfaceByID(sub)
	ts := g.surfaceByID(top)
	buf := make([]compositor.Element, 0, 40)
	set := []*protocol.Surface{s}
	g.c.Lock()
	defer g.c.Unlock()
	n := testing.AllocsPerRun(100, func() {
		buf = g.out.Scene(buf[:0])
		g.out.Offload(set...)
		g.out.AddDamage(image.Rect(0, 0, 20, 20))
		g.out.Render(g.r, g.target, 1)
		g.out.Offload()
		g.out.Offload(ts, s)
		g.out.Render(g.r, g.target, 1)
		g.out.Offload()
		g.out.Presented(protocol.Presentation{}, false)
	})
	if n != 0 {
		t.Errorf("Scene+Offload+Render allocate %v times per frame, want 0", n)
	}
	if len(buf) != 2 {
		t.Errorf("scene %s, want 2 elements", describe(buf))
	}
}
