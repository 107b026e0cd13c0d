package compositor_test

import (
	"image"
	"reflect"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/render"
)

func TestDamageCollapsesBeyondTheBound(t *testing.T) {
	var d compositor.Damage
	for i := range compositor.MaxDamageRects {
		d.Add(image.Rect(i*10, 0, i*10+5, 5))
	}
	if n := len(d.Rects()); n != compositor.MaxDamageRects {
		t.Fatalf("%d rects, want %d", n, compositor.MaxDamageRects)
	}
	d.Add(image.Rect(500, 500, 510, 510))
	want := []image.Rectangle{image.Rect(0, 0, 510, 510)}
	if !reflect.DeepEqual(d.Rects(), want) {
		t.Errorf("after one more: %v, want the bounding box %v", d.Rects(), want)
	}
	d.Add(image.Rect(1, 1, 2, 2))
	if len(d.Rects()) != 1 {
		t.Errorf("a rectangle inside an existing one was added: %v", d.Rects())
	}
}

// TestRenderRepaintsWhatTheBufferAgeRequires walks a swapchain through
// frames and checks the damage Render repaints for each buffer age.
func TestRenderRepaintsWhatTheBufferAgeRequires(t *testing.T) {
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Lock()
	defer c.Unlock()
	out := c.AddOutput(compositor.OutputConfig{Name: "T-1", Width: 100, Height: 100})
	r := render.NewCPU()
	tg := &render.Target{Image: render.NewImage(allocator.XRGB8888, 100, 100)}
	full := []image.Rectangle{image.Rect(0, 0, 100, 100)}
	a, b, d, e := image.Rect(0, 0, 10, 10), image.Rect(20, 20, 30, 30), image.Rect(40, 40, 50, 50), image.Rect(60, 60, 70, 70)
	steps := []struct {
		name   string
		damage []image.Rectangle // added before the frame
		skip   bool              // direct scanout instead of Render
		age    int
		want   []image.Rectangle
	}{
		{name: "first frame, unknown contents", age: 0, want: full},
		{name: "previous frame's buffer", damage: []image.Rectangle{a}, age: 1, want: []image.Rectangle{a}},
		{name: "buffer two frames old", damage: []image.Rectangle{b}, age: 2, want: []image.Rectangle{b, a}},
		{name: "nothing changed", age: 1, want: nil},
		{name: "too old", damage: []image.Rectangle{a}, age: compositor.MaxAge + 1, want: full},
		{name: "a direct-scanout frame", damage: []image.Rectangle{d}, skip: true},
		{name: "age counts the direct frame", damage: []image.Rectangle{e}, age: 2, want: []image.Rectangle{e, d}},
		{name: "damage outside the output is dropped", damage: []image.Rectangle{image.Rect(200, 200, 300, 300)}, age: 1, want: nil},
	}
	for _, s := range steps {
		for _, x := range s.damage {
			out.AddDamage(x)
		}
		if s.skip {
			out.Skip()
			continue
		}
		res, err := out.Render(r, tg, s.age)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Drawn != (s.want != nil) || !reflect.DeepEqual(res.Damage, s.want) {
			t.Errorf("%s: drawn %v damage %v, want %v", s.name, res.Drawn, res.Damage, s.want)
		}
	}
}
