package render

import (
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

func TestTransformInverseUndoesMap(t *testing.T) {
	for tr := Normal; tr <= Flipped270; tr++ {
		for _, p := range [][2]float64{{0.25, 0.125}, {0.75, 0.5}, {0, 1}} {
			x, y := tr.Map(p[0], p[1])
			u, v := tr.Inverse().Map(x, y)
			if u != p[0] || v != p[1] {
				t.Errorf("%v: inverse(map(%v)) = (%v,%v)", tr, p, u, v)
			}
		}
	}
}

func TestTransformRotatesCounterClockwise(t *testing.T) {
	// The top-left corner of the buffer ends at the bottom-left of the
	// screen after a 90-degree counter-clockwise rotation.
	if x, y := Rotate90.Map(0, 0); x != 0 || y != 1 {
		t.Fatalf("Rotate90.Map(0,0) = (%v,%v), want (0,1)", x, y)
	}
	if x, y := Flipped.Map(0, 0); x != 1 || y != 0 {
		t.Fatalf("Flipped.Map(0,0) = (%v,%v), want (1,0)", x, y)
	}
}

func px(m *Image, x, y int) [4]byte {
	o := y*m.Stride + x*4
	return [4]byte(m.Pix[o : o+4])
}

func solid(f allocator.Format, w, h int, bgra [4]byte) *Image {
	m := NewImage(f, w, h)
	for i := 0; i < len(m.Pix); i += 4 {
		copy(m.Pix[i:], bgra[:])
	}
	return m
}

func TestCPUCompositeSemantics(t *testing.T) {
	half := [4]byte{0, 0, 0x80, 0x80} // premultiplied 50% red (B,G,R,A)
	tests := []struct {
		name string
		src  *Image
		q    Quad
		at   image.Point
		want [4]byte
	}{
		{"OVER 50% red on blue", solid(allocator.ARGB8888, 2, 2, half), Quad{Dst: image.Rect(0, 0, 2, 2), Opacity: 1}, image.Pt(1, 1), [4]byte{0x7f, 0, 0x80, 0xff}},
		{"opacity halves a premultiplied source", solid(allocator.ARGB8888, 2, 2, [4]byte{0, 0xff, 0, 0xff}), Quad{Dst: image.Rect(0, 0, 2, 2), Opacity: 0.5}, image.Pt(0, 0), [4]byte{0x80, 0x80, 0, 0xff}},
		{"XRGB source ignores its alpha byte", solid(allocator.XRGB8888, 2, 2, [4]byte{0, 0xff, 0, 0}), Quad{Dst: image.Rect(0, 0, 2, 2), Opacity: 1}, image.Pt(0, 0), [4]byte{0, 0xff, 0, 0xff}},
		{"outside Dst untouched", solid(allocator.ARGB8888, 2, 2, [4]byte{0, 0xff, 0, 0xff}), Quad{Dst: image.Rect(0, 0, 2, 2), Opacity: 1}, image.Pt(3, 3), [4]byte{0xff, 0, 0, 0xff}},
		{"opaque replaces", solid(allocator.ARGB8888, 2, 2, [4]byte{0, 0, 0, 0}), Quad{Dst: image.Rect(0, 0, 2, 2), Opacity: 1, Opaque: true}, image.Pt(0, 0), [4]byte{0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := solid(allocator.ARGB8888, 4, 4, [4]byte{0xff, 0, 0, 0xff})
			r := NewCPU()
			if err := r.Begin(&Target{Image: dst}, nil); err != nil {
				t.Fatal(err)
			}
			if err := r.Draw(&Source{Image: tc.src}, &tc.q); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Finish(); err != nil {
				t.Fatal(err)
			}
			// Opacity is quantised to 1/255 on the CPU path: one unit
			// of rounding is allowed.
			if got := px(dst, tc.at.X, tc.at.Y); !near(got, tc.want, 1) {
				t.Fatalf("pixel %v = % x, want % x", tc.at, got, tc.want)
			}
		})
	}
}

func TestCPUTransformAndNearestScale(t *testing.T) {
	// A 2x1 source: left red, right green. Rotated 90 degrees
	// counter-clockwise into a 2x4 destination (scale 2): the left
	// column of the source ends at the bottom.
	src := NewImage(allocator.XRGB8888, 2, 1)
	copy(src.Pix, []byte{0, 0, 0xff, 0xff, 0, 0xff, 0, 0xff})
	dst := NewImage(allocator.XRGB8888, 2, 4)
	r := NewCPU()
	if err := r.Begin(&Target{Image: dst}, nil); err != nil {
		t.Fatal(err)
	}
	q := Quad{Dst: image.Rect(0, 0, 2, 4), Opacity: 1, Transform: Rotate90, Filter: Nearest}
	if err := r.Draw(&Source{Image: src}, &q); err != nil {
		t.Fatal(err)
	}
	red, green := [4]byte{0, 0, 0xff, 0xff}, [4]byte{0, 0xff, 0, 0xff}
	for y := 0; y < 4; y++ {
		want := green
		if y >= 2 {
			want = red
		}
		for x := 0; x < 2; x++ {
			if got := px(dst, x, y); got != want {
				t.Errorf("pixel (%d,%d) = % x, want % x", x, y, got, want)
			}
		}
	}
}

func TestCPUDrawIsClippedToDamage(t *testing.T) {
	dst := NewImage(allocator.ARGB8888, 4, 4)
	r := NewCPU()
	if err := r.Begin(&Target{Image: dst}, []image.Rectangle{image.Rect(1, 1, 2, 2)}); err != nil {
		t.Fatal(err)
	}
	if err := r.Clear(Color{1, 1, 1, 1}); err != nil {
		t.Fatal(err)
	}
	if got := px(dst, 1, 1); got != [4]byte{0xff, 0xff, 0xff, 0xff} {
		t.Errorf("damaged pixel = % x", got)
	}
	if got := px(dst, 2, 2); got != [4]byte{} {
		t.Errorf("undamaged pixel = % x, want untouched", got)
	}
}

func TestCPURejects(t *testing.T) {
	r := NewCPU()
	if err := r.Draw(&Source{Image: NewImage(allocator.ARGB8888, 1, 1)}, &Quad{Dst: image.Rect(0, 0, 1, 1), Opacity: 1}); !errors.Is(err, ErrNotBegun) {
		t.Errorf("Draw before Begin = %v, want ErrNotBegun", err)
	}
	if err := r.Begin(&Target{Image: NewImage(allocator.RGB565, 1, 1)}, nil); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("Begin(RGB565 target) = %v, want ErrUnsupportedFormat", err)
	}
	if err := r.Begin(&Target{Image: NewImage(allocator.ARGB8888, 2, 2)}, nil); err != nil {
		t.Fatal(err)
	}
	err := r.Draw(&Source{Image: NewImage(allocator.ARGB8888, 2, 2)}, &Quad{Src: image.Rect(0, 0, 3, 3), Dst: image.Rect(0, 0, 1, 1), Opacity: 1})
	if !errors.Is(err, ErrBadRect) {
		t.Errorf("Draw(src rect outside buffer) = %v, want ErrBadRect", err)
	}
}

func TestNewSelection(t *testing.T) {
	tests := []struct {
		name, env, force string
		wantName         string
		wantErr          string
	}{
		{"env forces cpu", "cpu", "", "cpu", ""},
		{"option overrides env", "gl", "cpu", "cpu", ""},
		{"unknown value is an error", "vulkan", "", "", `$SCANOUT_RENDERER="vulkan": want "gl", "cpu" or empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvRenderer, tc.env)
			r, sel, err := New(&Options{Force: tc.force})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if sel.Name != tc.wantName || r.Name() != tc.wantName {
				t.Fatalf("New() chose %v (renderer %s), want %s", sel, r.Name(), tc.wantName)
			}
		})
	}
}

func TestNewWithoutGLFallsBackAndSaysWhy(t *testing.T) {
	if GLBuiltIn() {
		t.Skip("this binary has the GL renderer; render/gl tests cover selection")
	}
	t.Setenv(EnvRenderer, "")
	r, sel, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if sel.Name != "cpu" || !errors.Is(sel.GLError, ErrNotBuilt) {
		t.Fatalf("New() = %v (GLError %v), want cpu because GL is not built in", sel, sel.GLError)
	}
	t.Setenv(EnvRenderer, "gl")
	if _, _, err := New(nil); !errors.Is(err, ErrNotBuilt) {
		t.Fatalf("New() forced to gl without GL = %v, want ErrNotBuilt", err)
	}
}

func near(a, b [4]byte, tol int) bool {
	for i := range a {
		if d := int(a[i]) - int(b[i]); d > tol || d < -tol {
			return false
		}
	}
	return true
}
