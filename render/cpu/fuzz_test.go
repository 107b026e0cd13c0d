package cpu

import (
	"errors"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

var fuzzFormats = []allocator.Format{allocator.XRGB8888, allocator.ARGB8888, allocator.XBGR8888, allocator.ABGR8888, allocator.RGB565, allocator.NV12, allocator.XRGB2101010}

// fuzzImage builds an image of the given geometry with random bytes. Its
// Pix (and UV) have no capacity beyond their length, so a kernel
// reslicing past the end panics instead of silently writing.
func fuzzImage(rng *rand.Rand, f allocator.Format, w, h, pad int, short bool) *Image {
	k := kindOf(f)
	bpp := max(k.bpp(), 1)
	stride := w*bpp + pad
	n := stride * h
	if short && n > 0 {
		n--
	}
	m := &Image{Format: f, Width: w, Height: h, Stride: stride}
	m.Pix = make([]byte, n)
	for i := range m.Pix {
		m.Pix[i] = byte(rng.Uint32())
	}
	m.Pix = m.Pix[:n:n]
	if f == allocator.NV12 {
		m.UVStride = (w+1)/2*2 + pad
		un := m.UVStride * ((h + 1) / 2)
		m.UV = make([]byte, un)
		for i := range m.UV {
			m.UV[i] = byte(rng.Uint32())
		}
		m.UV = m.UV[:un:un]
	}
	return m
}

// FuzzComposite drives Composite with arbitrary geometry, formats,
// transforms, filters and damage. It must never panic; a rejected call
// must name a sentinel error and leave dst alone; an accepted one must
// touch nothing outside the destination rectangle, the image and the
// damage, and no row padding.
func FuzzComposite(f *testing.F) {
	f.Add(uint8(8), uint8(8), uint8(8), uint8(8), int16(0), int16(0), int16(8), int16(8), int32(0), int32(0), int32(8), int32(8), uint8(0), uint8(0), uint8(0), uint8(255), uint8(1), uint8(0), uint8(0), []byte{})
	f.Add(uint8(33), uint8(7), uint8(20), uint8(40), int16(3), int16(1), int16(30), int16(5), int32(-5), int32(2), int32(30), int32(60), uint8(3), uint8(0), uint8(1), uint8(128), uint8(1), uint8(4), uint8(3), []byte{0, 0, 10, 10, 12, 0, 20, 30})
	f.Add(uint8(16), uint8(16), uint8(3), uint8(3), int16(0), int16(0), int16(16), int16(16), int32(0), int32(0), int32(3), int32(3), uint8(5), uint8(1), uint8(1), uint8(7), uint8(5), uint8(3), uint8(0), []byte{255, 255, 2, 2})
	f.Add(uint8(40), uint8(4), uint8(90), uint8(5), int16(3), int16(0), int16(530), int16(4), int32(-7), int32(1), int32(530), int32(4), uint8(0), uint8(129), uint8(1), uint8(255), uint8(1), uint8(0), uint8(1), []byte{})
	f.Fuzz(func(t *testing.T, sw, sh, dw, dh uint8, srx, sry, srw, srh int16, drx, dry, drw, drh int32,
		tr, filter, op, alpha, sfi, dfi, pad uint8, dmg []byte) {
		rng := rand.New(rand.NewPCG(uint64(sw)<<8|uint64(dh), uint64(len(dmg))))
		sf := fuzzFormats[int(sfi)%len(fuzzFormats)]
		df := fuzzFormats[int(dfi)%len(fuzzFormats)]
		// Widths up to 69, or (filter's top bit set) 500-599: rows long
		// enough for the long-row kernels.
		width := func(v uint8) int {
			if filter >= 128 {
				return 500 + int(v)%100
			}
			return int(v) % 70
		}
		src := fuzzImage(rng, sf, width(sw), int(sh)%50, int(pad)%5, pad == 200)
		dst := fuzzImage(rng, df, width(dw), int(dh)%50, int(pad)%3, pad == 201)
		b := &Blit{
			Op:        Op(op % 3),
			Src:       image.Rect(int(srx), int(sry), int(srx)+int(srw), int(sry)+int(srh)),
			Dst:       image.Rectangle{Min: image.Pt(int(drx), int(dry)), Max: image.Pt(int(drx)+int(drw), int(dry)+int(drh))},
			Transform: Transform(tr % 9),
			Filter:    Filter(filter % 3),
			Alpha:     alpha,
		}
		var damage []image.Rectangle
		for i := 0; i+4 <= len(dmg) && len(damage) < 8; i += 4 {
			x, y := int(int8(dmg[i]))*2, int(int8(dmg[i+1]))
			damage = append(damage, image.Rect(x, y, x+int(dmg[i+2]), y+int(dmg[i+3])))
		}
		before := append([]byte(nil), dst.Pix...)
		err := Composite(dst, src, b, damage)
		if err != nil {
			for _, s := range []error{ErrFormat, ErrSize, ErrStride, ErrShort, ErrRect, ErrArg} {
				if errors.Is(err, s) {
					if string(before) != string(dst.Pix) {
						t.Fatalf("rejected call (%v) changed dst", err)
					}
					return
				}
			}
			t.Fatalf("error %v matches no sentinel", err)
		}
		dr := b.Dst
		if dr == (image.Rectangle{}) {
			tw, th := b.Src.Dx(), b.Src.Dy()
			if b.Src == (image.Rectangle{}) {
				tw, th = src.Width, src.Height
			}
			if b.Transform.Swaps() {
				tw, th = th, tw
			}
			dr = image.Rect(0, 0, tw, th)
		}
		bpp := kindOf(df).bpp()
		for i := range dst.Pix {
			if dst.Pix[i] == before[i] {
				continue
			}
			y, x := i/dst.Stride, i%dst.Stride/bpp
			p := image.Pt(x, y)
			if i%dst.Stride >= dst.Width*bpp {
				t.Fatalf("padding byte %d of row %d changed", i%dst.Stride-dst.Width*bpp, y)
			}
			if !p.In(dr) {
				t.Fatalf("pixel %v outside the destination rectangle %v changed", p, dr)
			}
			if len(damage) > 0 {
				in := false
				for _, d := range damage {
					in = in || p.In(d)
				}
				if !in {
					t.Fatalf("pixel %v outside the damage %v changed", p, damage)
				}
			}
		}
	})
}

// FuzzAffineMap checks the scaling arithmetic: for every transform and
// any source and destination size, the centres of the destination's
// corner pixels map inside the source rectangle, so sampling never
// depends on clamping except at the very edges of the filter footprint,
// and the 16.16 values stay far from overflow.
func FuzzAffineMap(f *testing.F) {
	f.Add(uint16(1920), uint16(1080), int32(1280), int32(720), uint8(0))
	f.Add(uint16(1), uint16(1), int32(1<<24), int32(3), uint8(1))
	f.Add(uint16(32767), uint16(32767), int32(1), int32(1), uint8(7))
	f.Add(uint16(3), uint16(5), int32(7), int32(11), uint8(5))
	f.Fuzz(func(t *testing.T, sw, sh uint16, dw, dh int32, tr uint8) {
		if sw == 0 || sh == 0 || sw > MaxSize || sh > MaxSize || dw <= 0 || dh <= 0 || dw > 2*MaxCoord || dh > 2*MaxCoord {
			return
		}
		var p plan
		p.sr = image.Rect(0, 0, int(sw), int(sh))
		p.dr = image.Rect(-MaxCoord, -MaxCoord, -MaxCoord+int(dw), -MaxCoord+int(dh))
		p.setAffine(Transform(tr % 8))
		for _, i := range []int{0, int(dw) - 1} {
			for _, j := range []int{0, int(dh) - 1} {
				vx, vy := p.at(i, j)
				if vx < 0 || vx > int64(sw)<<16 || vy < 0 || vy > int64(sh)<<16 {
					t.Fatalf("%v %dx%d -> %dx%d: centre of (%d,%d) maps to (%#x,%#x), outside the source",
						Transform(tr%8), sw, sh, dw, dh, i, j, vx, vy)
				}
			}
		}
	})
}

// FuzzDamageMerge checks that coalescing damage never changes the union
// of a set of disjoint rectangles.
func FuzzDamageMerge(f *testing.F) {
	f.Add([]byte{0, 0, 4, 4, 4, 0, 4, 4, 0, 4, 8, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		var rects []image.Rectangle
		var cover [32][32]int
	next:
		for i := 0; i+4 <= len(b) && len(rects) < 16; i += 4 {
			r := image.Rect(int(b[i]%32), int(b[i+1]%32), int(b[i]%32)+int(b[i+2]%9), int(b[i+1]%32)+int(b[i+3]%9)).Intersect(image.Rect(0, 0, 32, 32))
			for _, o := range rects {
				if o.Overlaps(r) {
					continue next // damage rectangles are disjoint
				}
			}
			rects = append(rects, r)
		}
		for _, r := range rects {
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					cover[y][x]++
				}
			}
		}
		var got [32][32]int
		var m merger
		paint := func(r image.Rectangle) {
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					got[y][x]++
				}
			}
		}
		for _, r := range rects {
			if out, ok := m.add(r); ok {
				paint(out)
			}
		}
		paint(m.pend)
		if got != cover {
			t.Fatalf("merged damage of %v covers a different area", rects)
		}
	})
}
