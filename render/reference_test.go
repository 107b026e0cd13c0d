package render

import (
	"image"
	"math"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

// referenceComposite is the specification both paths are held to: for every
// target pixel centre in clip, find the source point through the inverse
// transform, sample it (nearest or bilinear, clamped to sr), multiply by
// opacity and blend premultiplied OVER (or SRC).
func referenceComposite(dst, src *Image, sr image.Rectangle, q *Quad, clip []image.Rectangle) {
	dl, _ := layoutOf(dst.Format)
	sl, _ := layoutOf(src.Format)
	op := float32(math.Min(float64(q.Opacity), 1))
	replace := q.Opaque || (!sl.alpha && op >= 1)
	inv := q.Transform.Inverse()
	dw, dh := float64(q.Dst.Dx()), float64(q.Dst.Dy())
	sw, sh := float64(sr.Dx()), float64(sr.Dy())
	fetch := func(x, y int) (r, g, b, a float32) {
		o := y*src.Stride + x*4
		p := src.Pix[o : o+4 : o+4]
		r, g, b = float32(p[sl.r])/255, float32(p[sl.g])/255, float32(p[sl.b])/255
		a = 1
		if sl.alpha {
			a = float32(p[sl.a]) / 255
		}
		return
	}
	clampi := func(v, lo, hi int) int {
		if v < lo {
			return lo
		}
		if v > hi {
			return hi
		}
		return v
	}
	for _, cr := range clip {
		for y := cr.Min.Y; y < cr.Max.Y; y++ {
			ny := (float64(y) + 0.5 - float64(q.Dst.Min.Y)) / dh
			for x := cr.Min.X; x < cr.Max.X; x++ {
				nx := (float64(x) + 0.5 - float64(q.Dst.Min.X)) / dw
				u, v := inv.Map(nx, ny)
				sx := float64(sr.Min.X) + u*sw
				sy := float64(sr.Min.Y) + v*sh
				var r, g, b, a float32
				if q.Filter == Nearest {
					ix := clampi(int(math.Floor(sx)), sr.Min.X, sr.Max.X-1)
					iy := clampi(int(math.Floor(sy)), sr.Min.Y, sr.Max.Y-1)
					r, g, b, a = fetch(ix, iy)
				} else {
					fx, fy := sx-0.5, sy-0.5
					x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
					ax, ay := float32(fx-float64(x0)), float32(fy-float64(y0))
					x1, y1 := clampi(x0+1, sr.Min.X, sr.Max.X-1), clampi(y0+1, sr.Min.Y, sr.Max.Y-1)
					x0, y0 = clampi(x0, sr.Min.X, sr.Max.X-1), clampi(y0, sr.Min.Y, sr.Max.Y-1)
					r00, g00, b00, a00 := fetch(x0, y0)
					r10, g10, b10, a10 := fetch(x1, y0)
					r01, g01, b01, a01 := fetch(x0, y1)
					r11, g11, b11, a11 := fetch(x1, y1)
					lerp2 := func(v00, v10, v01, v11 float32) float32 {
						top := v00 + (v10-v00)*ax
						bot := v01 + (v11-v01)*ax
						return top + (bot-top)*ay
					}
					r, g, b, a = lerp2(r00, r10, r01, r11), lerp2(g00, g10, g01, g11), lerp2(b00, b10, b01, b11), lerp2(a00, a10, a01, a11)
				}
				r, g, b, a = r*op, g*op, b*op, a*op
				o := y*dst.Stride + x*4
				p := dst.Pix[o : o+4 : o+4]
				if !replace {
					k := 1 - a
					r += float32(p[dl.r]) / 255 * k
					g += float32(p[dl.g]) / 255 * k
					b += float32(p[dl.b]) / 255 * k
					da := float32(1)
					if dl.alpha {
						da = float32(p[dl.a]) / 255
					}
					a += da * k
				}
				p[dl.r], p[dl.g], p[dl.b] = unit(r), unit(g), unit(b)
				if dl.alpha {
					p[dl.a] = unit(a)
				} else {
					p[dl.a] = 0xff
				}
			}
		}
	}
}

// TestCPURendererMatchesTheReference holds NewCPU (render/cpu's fixed-point
// kernels) to the float specification on every transform, both filters,
// opacity and the four formats.
func TestCPURendererMatchesTheReference(t *testing.T) {
	grad := func(f allocator.Format, w, h, seed int) *Image {
		m := NewImage(f, w, h)
		l, _ := layoutOf(f)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				a := 255
				if l.alpha {
					a = 64 + x*191/(w-1)
				}
				o := y*m.Stride + x*4
				m.Pix[o+l.r] = byte(a * ((x*255/(w-1) + seed*40) % 256) / 255)
				m.Pix[o+l.g] = byte(a * (y * 255 / (h - 1)) / 255)
				m.Pix[o+l.b] = byte(a * ((x + y) * 255 / (w + h - 2)) / 255)
				m.Pix[o+l.a] = byte(a)
			}
		}
		return m
	}
	for _, sf := range MemoryFormats() {
		for tr := Normal; tr <= Flipped270; tr++ {
			for _, filter := range []Filter{Bilinear, Nearest} {
				src := grad(sf, 12, 8, int(tr))
				dw, dh := 36, 16
				if tr.Swaps() {
					dw, dh = 16, 36
				}
				q := Quad{Src: image.Rect(1, 1, 11, 7), Dst: image.Rect(3, 2, 3+dw, 2+dh), Transform: tr, Filter: filter, Opacity: 0.7}
				if filter == Nearest {
					// exact 2x and 3x factors keep nearest sampling unambiguous
					q.Src = image.Rect(0, 0, 12, 8)
					q.Dst = image.Rect(3, 2, 3+dw, 2+dh)
				}
				got, want := grad(allocator.ARGB8888, 48, 48, 7), grad(allocator.ARGB8888, 48, 48, 7)
				r := NewCPU()
				if err := r.Begin(&Target{Image: got}, nil); err != nil {
					t.Fatal(err)
				}
				if err := r.Draw(&Source{Image: src}, &q); err != nil {
					t.Fatal(err)
				}
				referenceComposite(want, src, q.Src, &q, []image.Rectangle{want.Bounds().Intersect(q.Dst)})
				worst := 0
				for i := range got.Pix {
					d := int(got.Pix[i]) - int(want.Pix[i])
					worst = max(worst, d, -d)
				}
				if worst > 3 {
					t.Errorf("%v source, %v, %v: worst channel difference %d from the reference", sf, tr, filter, worst)
				}
			}
		}
	}
}
