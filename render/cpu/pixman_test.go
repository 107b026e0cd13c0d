//go:build pixman && cgo

package cpu

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render/cpu/internal/pixmanref"
)

// Differential tests: every operation against pixman on the same bytes,
// with random sizes, strides, offsets, alpha values and damage lists, on
// the SWAR kernels and (in a GOEXPERIMENT=simd build) the AVX2 kernels.

var pixmanFormat = map[allocator.Format]pixmanref.Format{
	allocator.XRGB8888: pixmanref.X8R8G8B8,
	allocator.ARGB8888: pixmanref.A8R8G8B8,
	allocator.XBGR8888: pixmanref.X8B8G8R8,
	allocator.ABGR8888: pixmanref.A8B8G8R8,
	allocator.RGB565:   pixmanref.R5G6B5,
}

// refImage is one image in C memory with its pixman view.
type refImage struct {
	img Image
	buf *pixmanref.Buffer
	off int
	pm  *pixmanref.Image
}

func (r *refImage) free() {
	r.pm.Unref()
	r.buf.Free()
}

// newRefImage makes a w x h image of format f with a random stride (a
// multiple of 4 with up to 64 bytes of padding, or of 8 for NV12) at a
// random offset, filled with random pixels (premultiplied when f has
// alpha, with alpha 0 and 255 frequent).
func newRefImage(t testing.TB, rng *rand.Rand, f allocator.Format, w, h int) *refImage {
	t.Helper()
	k := kindOf(f)
	if f == allocator.NV12 {
		stride := (w + 7) &^ 7
		stride += 8 * rng.IntN(4)
		// pixman's YV12: Y plane, then V, then U, each chroma row stride/2.
		size := stride*h + stride*h/2
		buf := pixmanref.Alloc(size)
		for i := range buf.Pix {
			buf.Pix[i] = byte(rng.IntN(256))
		}
		uv := make([]byte, stride*h/2) // NV12 chroma: interleaved U, V
		cs := stride / 2
		for y := 0; y < h/2; y++ {
			for x := 0; x < w/2; x++ {
				u := buf.Pix[stride*h+stride*h/4+y*cs+x]
				v := buf.Pix[stride*h+y*cs+x]
				uv[y*stride+2*x], uv[y*stride+2*x+1] = u, v
			}
		}
		pm, err := pixmanref.NewImage(pixmanref.YV12, w, h, buf, 0, stride)
		if err != nil {
			t.Fatal(err)
		}
		return &refImage{img: Image{Format: f, Width: w, Height: h, Stride: stride, Pix: buf.Pix[:stride*h], UV: uv, UVStride: stride}, buf: buf, pm: pm}
	}
	stride := (w*k.bpp()+3)&^3 + 4*rng.IntN(17)
	off := 4 * rng.IntN(8)
	buf := pixmanref.Alloc(off + stride*h)
	for i := range buf.Pix {
		buf.Pix[i] = byte(rng.IntN(256))
	}
	if k.hasAlpha() {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := buf.Pix[off+y*stride+4*x:][:4]
				a := p[3]
				switch rng.IntN(4) {
				case 0:
					a = 0
				case 1:
					a = 255
				}
				p[3] = a
				for c := 0; c < 3; c++ {
					p[c] = byte(int(p[c]) * int(a) / 255)
				}
			}
		}
	}
	pm, err := pixmanref.NewImage(pixmanFormat[f], w, h, buf, off, stride)
	if err != nil {
		t.Fatal(err)
	}
	return &refImage{img: Image{Format: f, Width: w, Height: h, Stride: stride, Pix: buf.Pix[off:]}, buf: buf, off: off, pm: pm}
}

// clone makes a second image with the same bytes (for the other engine).
func (r *refImage) clone(t testing.TB) *refImage {
	c := &refImage{img: r.img, off: r.off}
	c.buf = pixmanref.Alloc(len(r.buf.Pix))
	copy(c.buf.Pix, r.buf.Pix)
	c.img.Pix = c.buf.Pix[r.off:]
	pm, err := pixmanref.NewImage(pixmanFormat[r.img.Format], r.img.Width, r.img.Height, c.buf, r.off, r.img.Stride)
	if err != nil {
		t.Fatal(err)
	}
	c.pm = pm
	return c
}

// compare checks that got and want hold the same pixels within tol per
// channel, ignoring the X byte of X formats, and that padding bytes are
// unchanged (both engines must leave them alone).
func compare(t *testing.T, what string, got, want *refImage, tol int) bool {
	t.Helper()
	k := kindOf(got.img.Format)
	bpp := k.bpp()
	for y := 0; y < got.img.Height; y++ {
		for x := 0; x < got.img.Width; x++ {
			o := y*got.img.Stride + x*bpp
			g, w := got.img.Pix[o:o+bpp], want.img.Pix[o:o+bpp]
			var gc, wc [4]int
			if k == kRGB565 {
				gp, wp := int(g[0])|int(g[1])<<8, int(w[0])|int(w[1])<<8
				gc, wc = [4]int{gp & 31, gp >> 5 & 63, gp >> 11}, [4]int{wp & 31, wp >> 5 & 63, wp >> 11}
			} else {
				for c := 0; c < 4; c++ {
					gc[c], wc[c] = int(g[c]), int(w[c])
				}
				if !k.hasAlpha() {
					gc[3], wc[3] = 0, 0
				}
			}
			for c := 0; c < 4; c++ {
				if d := gc[c] - wc[c]; d > tol || d < -tol {
					t.Errorf("%s: pixel (%d,%d) = % x, pixman % x (tolerance %d)", what, x, y, g, w, tol)
					return false
				}
			}
		}
		// Row padding is not ours to touch.
		if y < got.img.Height-1 {
			o := y*got.img.Stride + got.img.Width*bpp
			e := (y + 1) * got.img.Stride
			for i := o; i < e; i++ {
				if got.img.Pix[i] != want.img.Pix[i] {
					t.Errorf("%s: padding byte %d of row %d changed", what, i-o, y)
					return false
				}
			}
		}
	}
	return true
}

// randDamage returns up to 4 disjoint rectangles (horizontal bands split
// at random, possibly reaching outside the image) or nil.
func randDamage(rng *rand.Rand, w, h int) []image.Rectangle {
	if rng.IntN(3) == 0 {
		return nil
	}
	n := 1 + rng.IntN(4)
	var d []image.Rectangle
	y := -rng.IntN(3)
	for i := 0; i < n && y < h; i++ {
		y1 := y + 1 + rng.IntN(h/2+2)
		x0 := rng.IntN(w+4) - 2
		x1 := x0 + rng.IntN(w+4)
		if x1 > x0+1 && rng.IntN(2) == 0 {
			// Two horizontally adjacent pieces, as a region has.
			xm := x0 + 1 + rng.IntN(x1-x0-1)
			d = append(d, image.Rect(x0, y, xm, y1), image.Rect(xm, y, x1, y1))
		} else {
			d = append(d, image.Rect(x0, y, x1, y1))
		}
		y = y1 + rng.IntN(3)
	}
	return d
}

// pixmanComposite draws, for every damage rectangle clipped to dr and the
// destination, the corresponding part of src with pixman.
// so is added to source coordinates (the source rectangle's origin when
// src is the whole image rather than a sub-image).
func pixmanComposite(dst, src *refImage, op Op, alpha uint8, so image.Point, dr image.Rectangle, damage []image.Rectangle) {
	pop := pixmanref.OpSrc
	if op == Over {
		pop = pixmanref.OpOver
	}
	var mask *pixmanref.Image
	if alpha != 255 {
		mask = pixmanref.NewSolid(uint32(alpha) << 24)
		defer mask.Unref()
	}
	clip := dr.Intersect(dst.img.Bounds())
	rects := []image.Rectangle{clip}
	if len(damage) > 0 {
		rects = rects[:0]
		for _, d := range damage {
			rects = append(rects, d.Intersect(clip))
		}
	}
	for _, r := range rects {
		if r.Empty() {
			continue
		}
		pixmanref.Composite(pop, src.pm, mask, dst.pm, so.X+r.Min.X-dr.Min.X, so.Y+r.Min.Y-dr.Min.Y, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
	}
}

var dstFormats = []allocator.Format{allocator.XRGB8888, allocator.ARGB8888, allocator.XBGR8888, allocator.ABGR8888, allocator.RGB565}
var srcFormats = append(append([]allocator.Format{}, dstFormats...), allocator.NV12)

func TestPixmanCompositeUnscaled(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, sf := range srcFormats {
			for _, df := range dstFormats {
				for _, op := range []Op{Src, Over} {
					for iter := 0; iter < 12; iter++ {
						sw, sh := 1+rng.IntN(70), 1+rng.IntN(40)
						if sf == allocator.NV12 {
							sw, sh = (sw+1)&^1, (sh+1)&^1
						}
						dw, dh := 1+rng.IntN(70), 1+rng.IntN(40)
						src := newRefImage(t, rng, sf, sw, sh)
						want := newRefImage(t, rng, df, dw, dh)
						got := want.clone(t)
						// A source rectangle inside src, placed anywhere
						// overlapping (or not) the destination.
						x0, y0 := rng.IntN(sw), rng.IntN(sh)
						sr := image.Rect(x0, y0, x0+1+rng.IntN(sw-x0), y0+1+rng.IntN(sh-y0))
						if sf == allocator.NV12 {
							sr = src.img.Bounds() // pixman's YV12 cannot start mid-plane
						}
						dx, dy := rng.IntN(dw+8)-4, rng.IntN(dh+8)-4
						dr := sr.Sub(sr.Min).Add(image.Pt(dx, dy))
						alpha := uint8(255)
						if rng.IntN(3) == 0 {
							alpha = uint8(rng.IntN(256))
						}
						damage := randDamage(rng, dw, dh)
						name := fmt.Sprintf("%v %v->%v alpha %d src %v dst %v damage %v", op, sf, df, alpha, sr, dr, damage)
						if err := Composite(&got.img, &src.img, &Blit{Op: op, Src: sr, Dst: dr, Alpha: alpha}, damage); err != nil {
							t.Fatalf("%s: %v", name, err)
						}
						pixmanComposite(want, src, op, alpha, sr.Min, dr, damage)
						compare(t, name, got, want, 0)
						src.free()
						got.free()
						want.free()
					}
				}
			}
		}
	})
}

// TestPixmanCompositeLongRows is OVER on rows long enough for the
// long-row kernel (512 pixels and more), with sources made of runs of
// opaque, transparent and random pixels so its 16-pixel shortcuts are
// taken as well as its blend.
func TestPixmanCompositeLongRows(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, w := range []int{512, 700, 1923, 3840} {
			for _, df := range []allocator.Format{allocator.XRGB8888, allocator.ARGB8888} {
				h := 3
				src := newRefImage(t, rng, allocator.ARGB8888, w, h)
				for y := 0; y < h; y++ {
					fillRuns(rng, src.img.Pix[y*src.img.Stride:][:4*w])
				}
				want := newRefImage(t, rng, df, w, h)
				got := want.clone(t)
				var damage []image.Rectangle
				if rng.IntN(2) == 0 {
					damage = randDamage(rng, w, h)
				}
				r := src.img.Bounds()
				name := fmt.Sprintf("OVER %dx%d ARGB8888->%v damage %v", w, h, df, damage)
				if err := Composite(&got.img, &src.img, &Blit{Op: Over, Src: r, Dst: r, Alpha: Opaque}, damage); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				pixmanComposite(want, src, Over, 255, r.Min, r, damage)
				compare(t, name, got, want, 0)
				src.free()
				got.free()
				want.free()
			}
		}
	})
}

// pixmanMatrix is the matrix package cpu evaluates, for pixman.
func pixmanMatrix(p *plan) [3][3]int32 {
	return [3][3]int32{
		{int32(p.a), int32(p.b), int32(p.c)},
		{int32(p.d), int32(p.e), int32(p.f)},
		{0, 0, 1 << 16},
	}
}

func TestPixmanCompositeScaledTransformed(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		formats := []allocator.Format{allocator.ARGB8888, allocator.XRGB8888, allocator.ABGR8888, allocator.RGB565}
		for iter := 0; iter < 600; iter++ {
			sf := formats[rng.IntN(len(formats))]
			df := formats[rng.IntN(len(formats))]
			op := Op(rng.IntN(2))
			tr := Transform(rng.IntN(8))
			filter := Filter(rng.IntN(2))
			sw, sh := 1+rng.IntN(60), 1+rng.IntN(40)
			dw, dh := 1+rng.IntN(70), 1+rng.IntN(50)
			src := newRefImage(t, rng, sf, sw, sh)
			want := newRefImage(t, rng, df, dw, dh)
			got := want.clone(t)
			x0, y0 := rng.IntN(sw), rng.IntN(sh)
			if sf == allocator.RGB565 {
				x0 &^= 1 // pixman wants 4-byte aligned bits for the sub-image
			}
			sr := image.Rect(x0, y0, x0+1+rng.IntN(sw-x0), y0+1+rng.IntN(sh-y0))
			tw, th := sr.Dx(), sr.Dy()
			if tr.Swaps() {
				tw, th = th, tw
			}
			switch rng.IntN(3) {
			case 0: // unscaled
			case 1:
				tw, th = 1+rng.IntN(80), 1+rng.IntN(60)
			case 2: // integer upscale, as for an output scale of 2 or 3
				s := 2 + rng.IntN(2)
				tw, th = tw*s, th*s
			}
			dx, dy := rng.IntN(dw+8)-4, rng.IntN(dh+8)-4
			dr := image.Rect(dx, dy, dx+tw, dy+th)
			alpha := uint8(255)
			if rng.IntN(3) == 0 {
				alpha = uint8(rng.IntN(256))
			}
			damage := randDamage(rng, dw, dh)
			b := &Blit{Op: op, Src: sr, Dst: dr, Transform: tr, Filter: filter, Alpha: alpha}
			name := fmt.Sprintf("%v %v->%v %v %v alpha %d src %v dst %v damage %v", op, sf, df, tr, filter, alpha, sr, dr, damage)
			if err := Composite(&got.img, &src.img, b, damage); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// pixman: the source rectangle as a sub-image (so PAD clamps
			// to it), with the same matrix.
			var p plan
			p.sr, p.dr = sr, dr
			p.setAffine(tr)
			k := kindOf(sf)
			sub, err := pixmanref.NewImage(pixmanFormat[sf], sr.Dx(), sr.Dy(), src.buf, src.off+sr.Min.Y*src.img.Stride+sr.Min.X*k.bpp(), src.img.Stride)
			if err != nil {
				t.Fatal(err)
			}
			sub.SetTransform(pixmanMatrix(&p))
			sub.SetFilter(filter == Bilinear)
			sub.SetRepeatPad()
			subRef := &refImage{img: src.img, pm: sub}
			pixmanComposite(want, subRef, op, alpha, image.Point{}, dr, damage)
			tol := 0
			if filter == Bilinear && p.scaled() {
				tol = 1
			}
			if kindOf(df) == kRGB565 && tol > 0 {
				tol = 1 // a difference of 1 in 8 bits may cross a 5/6-bit step
			}
			compare(t, name, got, want, tol)
			sub.Unref()
			src.free()
			got.free()
			want.free()
		}
	})
}

func TestPixmanFill(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, df := range dstFormats {
			for _, op := range []Op{Src, Over} {
				for iter := 0; iter < 20; iter++ {
					dw, dh := 1+rng.IntN(300), 1+rng.IntN(30)
					want := newRefImage(t, rng, df, dw, dh)
					got := want.clone(t)
					a := uint8(rng.IntN(256))
					if iter%4 == 0 {
						a = 255
					}
					c := RGBA(uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), a)
					x0, y0 := rng.IntN(dw+10)-5, rng.IntN(dh+10)-5
					r := image.Rect(x0, y0, x0+1+rng.IntN(dw), y0+1+rng.IntN(dh))
					damage := randDamage(rng, dw, dh)
					name := fmt.Sprintf("%v %#08x into %v %v damage %v", op, uint32(c), df, r, damage)
					if err := Fill(&got.img, r, c, op, damage); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					solid := pixmanref.NewSolid(uint32(c))
					pixmanComposite(want, &refImage{pm: solid}, op, 255, image.Point{}, r, damage)
					solid.Unref()
					compare(t, name, got, want, 0)
					got.free()
					want.free()
				}
			}
		}
	})
}

// TestPixmanScaleLarge scales whole frames of kiosk-like sizes (upscaling
// by 1.5 and 2, downscaling by 0.75, arbitrary ratios) with both filters
// and compares with pixman: wide enough rows that the SIMD kernels' column
// chunks, shuffle windows and fallbacks all run.
func TestPixmanScaleLarge(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		sizes := [][4]int{{320, 180, 480, 270}, {200, 120, 400, 240}, {400, 240, 300, 180}, {333, 97, 517, 211}, {640, 50, 700, 90}}
		for _, sz := range sizes {
			for _, filter := range []Filter{Bilinear, Nearest} {
				for _, tr := range []Transform{Normal, Flipped, Rotate90} {
					sw, sh, dw, dh := sz[0], sz[1], sz[2], sz[3]
					src := newRefImage(t, rng, allocator.ARGB8888, sw, sh)
					want := newRefImage(t, rng, allocator.XRGB8888, dw, dh)
					got := want.clone(t)
					dr := image.Rect(0, 0, dw, dh)
					b := &Blit{Op: Src, Src: src.img.Bounds(), Dst: dr, Transform: tr, Filter: filter, Alpha: Opaque}
					name := fmt.Sprintf("%dx%d -> %dx%d %v %v", sw, sh, dw, dh, tr, filter)
					if err := Composite(&got.img, &src.img, b, nil); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					var p plan
					p.sr, p.dr = src.img.Bounds(), dr
					p.setAffine(tr)
					src.pm.SetTransform(pixmanMatrix(&p))
					src.pm.SetFilter(filter == Bilinear)
					src.pm.SetRepeatPad()
					pixmanComposite(want, src, Src, 255, image.Point{}, dr, nil)
					tol := 0
					if filter == Bilinear {
						tol = 1
					}
					compare(t, name, got, want, tol)
					src.free()
					got.free()
					want.free()
				}
			}
		}
	})
}
