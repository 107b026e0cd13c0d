package cpu

import (
	"encoding/binary"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

func px32(m *Image, x, y int) uint32 { return binary.LittleEndian.Uint32(m.Pix[y*m.Stride+4*x:]) }

func solid(f allocator.Format, w, h int, c uint32) *Image {
	m := img(f, w, h, w*kindOf(f).bpp(), w*h*kindOf(f).bpp())
	if f == allocator.RGB565 {
		fill16(m.Pix, w*h, uint16(c))
	} else {
		fill32(m.Pix, w*h, c)
	}
	return m
}

// bothPaths runs f on the SWAR kernels and, when this binary has them, on
// the SIMD kernels.
func bothPaths(t *testing.T, f func(t *testing.T)) {
	for _, simd := range []bool{false, true} {
		name := "swar"
		if simd {
			name = "simd"
		}
		t.Run(name, func(t *testing.T) {
			restore := setSIMD(simd)
			defer restore()
			if simd && SIMD() == "" {
				t.Skip("no SIMD kernels in this build (GOEXPERIMENT=simd on amd64 with AVX2)")
			}
			f(t)
		})
	}
}

func TestOverRoundsLikePixman(t *testing.T) {
	tests := []struct{ src, dst, want uint32 }{
		{0x00000000, 0xff123456, 0xff123456}, // transparent leaves dst
		{0xff102030, 0xff123456, 0xff102030}, // opaque replaces
		{0x80404040, 0xff000000, 0xff404040}, // alpha 128 over black
		{0x80404040, 0xffffffff, 0xffbfbfbf}, // 255*127/255 = 127 (+0x40)
		{0x01010101, 0xff808080, 0xff808080}, // 128*254/255 = 127.5 -> 128, +1 = 129? see below
		{0x7f000000, 0xffc8c8c8, 0xff646464}, // 200*128/255 = 100.39 -> 100
		{0xc0ffffff, 0xffffffff, 0xffffffff}, // saturates
	}
	// Recompute the fifth case by the formula rather than by hand.
	tests[4].want = 0xff000000 | 0x010101*(1+(128*254+128+((128*254+128)>>8))>>8)
	for _, tt := range tests {
		src := solid(allocator.ARGB8888, 9, 1, tt.src)
		dst := solid(allocator.XRGB8888, 9, 1, tt.dst)
		bothPaths(t, func(t *testing.T) {
			d := solid(allocator.XRGB8888, 9, 1, tt.dst)
			if err := Composite(d, src, &Blit{Op: Over, Alpha: Opaque}, nil); err != nil {
				t.Fatal(err)
			}
			for x := 0; x < 9; x++ {
				if got := px32(d, x, 0) | 0xff000000; got != tt.want {
					t.Errorf("%#08x over %#08x = %#08x, want %#08x", tt.src, tt.dst, got, tt.want)
				}
			}
		})
		_ = dst
	}
}

func TestRGB565ExpandsByReplicatingHighBits(t *testing.T) {
	tests := []struct {
		in   uint32
		want uint32
	}{
		{0xffff, 0xffffffff},
		{0x0000, 0xff000000},
		{0xf800, 0xffff0000},
		{0x07e0, 0xff00ff00},
		{0x001f, 0xff0000ff},
		{0x8410, 0xff848284}, // 10000 100000 10000
	}
	for _, tt := range tests {
		bothPaths(t, func(t *testing.T) {
			src := solid(allocator.RGB565, 20, 1, tt.in)
			dst := solid(allocator.XRGB8888, 20, 1, 0)
			if err := Composite(dst, src, &Blit{Alpha: Opaque}, nil); err != nil {
				t.Fatal(err)
			}
			for x := 0; x < 20; x++ {
				if got := px32(dst, x, 0); got != tt.want {
					t.Fatalf("RGB565 %#04x -> %#08x, want %#08x", tt.in, got, tt.want)
				}
			}
			// And back: truncation recovers the 565 value.
			back := solid(allocator.RGB565, 20, 1, 0)
			if err := Composite(back, dst, &Blit{Alpha: Opaque}, nil); err != nil {
				t.Fatal(err)
			}
			if got := binary.LittleEndian.Uint16(back.Pix[38:]); uint32(got) != tt.in {
				t.Errorf("round trip %#04x -> %#04x", tt.in, got)
			}
		})
	}
}

func TestNV12LimitedRange(t *testing.T) {
	tests := []struct {
		y, u, v byte
		want    uint32
	}{
		{16, 128, 128, 0xff000000},  // black
		{235, 128, 128, 0xffffffff}, // white
		{126, 128, 128, 0xff808080}, // 110 * 0x12b27/65536 = 128.54, truncated
		{82, 90, 240, 0xffff0000},   // BT.601 red: R saturates, G and B truncate to 0
	}
	for _, tt := range tests {
		src := &Image{Format: allocator.NV12, Width: 2, Height: 2, Stride: 2, Pix: []byte{tt.y, tt.y, tt.y, tt.y}, UVStride: 2, UV: []byte{tt.u, tt.v}}
		dst := solid(allocator.XRGB8888, 2, 2, 0)
		if err := Composite(dst, src, &Blit{Alpha: Opaque}, nil); err != nil {
			t.Fatal(err)
		}
		if got := px32(dst, 1, 1); got != tt.want {
			t.Errorf("Y %d U %d V %d -> %#08x, want %#08x", tt.y, tt.u, tt.v, got, tt.want)
		}
	}
}

func TestDamageClipsAndNothingElseChanges(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		src := solid(allocator.ARGB8888, 32, 32, 0xff0000ff)
		dst := solid(allocator.XRGB8888, 32, 32, 0x11111111)
		damage := []image.Rectangle{image.Rect(-5, -5, 3, 2), image.Rect(10, 10, 12, 40), image.Rect(30, 0, 99, 1)}
		if err := Composite(dst, src, &Blit{Op: Over, Dst: image.Rect(1, 1, 33, 33), Alpha: Opaque}, damage); err != nil {
			t.Fatal(err)
		}
		for y := 0; y < 32; y++ {
			for x := 0; x < 32; x++ {
				in := image.Pt(x, y).In(image.Rect(1, 1, 32, 32))
				dmg := false
				for _, d := range damage {
					dmg = dmg || image.Pt(x, y).In(d)
				}
				want := uint32(0x11111111)
				if in && dmg {
					want = 0xff0000ff
				}
				if got := px32(dst, x, y); got != want {
					t.Fatalf("pixel (%d,%d) = %#08x, want %#08x", x, y, got, want)
				}
			}
		}
	})
}

// mapRef is the transform's definition in floating point: the normalised
// destination point (x, y) comes from source point (u, v) where
// (x, y) = Map(u, v), Map flipping u first (Flipped variants) and then
// rotating counter-clockwise as seen on screen (wl_output.transform).
func mapRef(t Transform, u, v float64) (float64, float64) {
	if t >= Flipped {
		u = 1 - u
	}
	switch t & 3 {
	case 0:
		return u, v
	case 1:
		return v, 1 - u
	case 2:
		return 1 - u, 1 - v
	}
	return 1 - v, u
}

func TestTransformsMatchTheirDefinition(t *testing.T) {
	// A source with a distinct value per pixel; for every transform and
	// scale, each destination pixel must hold the source pixel whose
	// centre maps closest to its own centre.
	const sw, sh = 6, 4
	src := img(allocator.XRGB8888, sw, sh, sw*4, sw*sh*4)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			binary.LittleEndian.PutUint32(src.Pix[y*sw*4+x*4:], 0xff000000|uint32(y<<8|x))
		}
	}
	for tr := Normal; tr <= Flipped270; tr++ {
		for _, scale := range []int{1, 2, 3} {
			tw, th := sw*scale, sh*scale
			if tr.Swaps() {
				tw, th = th, tw
			}
			dst := solid(allocator.XRGB8888, tw, th, 0)
			for _, f := range []Filter{Nearest, Bilinear} {
				if scale > 1 && f == Bilinear {
					continue // bilinear blends neighbours when scaling
				}
				if err := Composite(dst, src, &Blit{Transform: tr, Filter: f, Dst: image.Rect(0, 0, tw, th), Alpha: Opaque}, nil); err != nil {
					t.Fatal(err)
				}
				for sy := 0; sy < sh; sy++ {
					for sx := 0; sx < sw; sx++ {
						// Where does the centre of source pixel (sx, sy) land?
						x, y := mapRef(tr, (float64(sx)+0.5)/sw, (float64(sy)+0.5)/sh)
						dx, dy := int(x*float64(tw)), int(y*float64(th))
						want := 0xff000000 | uint32(sy<<8|sx)
						if got := px32(dst, dx, dy); got != want {
							t.Errorf("%v x%d %v: source (%d,%d) should land at (%d,%d), found source (%d,%d)",
								tr, scale, f, sx, sy, dx, dy, got&0xff, got>>8&0xff)
						}
					}
				}
			}
		}
	}
}

func TestSIMDMatchesSWAR(t *testing.T) {
	if SIMD() == "" {
		t.Skip("no SIMD kernels in this build")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	lengths := []int{511, 512, 513, 767, 1000, 1300} // long rows: the long-row OVER kernel
	for n := range 100 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		src := make([]byte, n*4+64)
		dst := make([]byte, n*4+64)
		for i := range src {
			src[i], dst[i] = byte(rng.Uint32()), byte(rng.Uint32())
		}
		for i := 0; i < n; i++ {
			switch rng.IntN(4) {
			case 0:
				src[4*i+3] = 0xff
			case 1:
				binary.LittleEndian.PutUint32(src[4*i:], 0)
			}
		}
		m := uint32(rng.IntN(256))
		kernels := []struct {
			name string
			fn   func(d, s []byte)
		}{
			{"over", func(d, s []byte) { over(d, s, n) }},
			{"mul", func(d, s []byte) { mulAlpha(d, s, n, m) }},
			{"or", func(d, s []byte) { orAlpha(d, s, n) }},
			{"swap", func(d, s []byte) { swapRB(d, s, n, 0xff000000) }},
			{"from565", func(d, s []byte) { expand565(d, s, n, false) }},
			{"to565", func(d, s []byte) { pack565(d, s, n, false) }},
		}
		for _, k := range kernels {
			a, b := append([]byte(nil), dst...), append([]byte(nil), dst...)
			restore := setSIMD(false)
			k.fn(a, src)
			restore()
			k.fn(b, src)
			if string(a) != string(b) {
				t.Errorf("%s, %d pixels: SIMD and SWAR differ", k.name, n)
			}
		}
	}
}

// TestOverLongRowsMatchSWAR checks the long-row OVER kernel (16 pixels a
// step, with its opaque and transparent shortcuts) against the SWAR kernel
// on rows made of runs of opaque, zero and random pixels, at every byte
// offset of a cache line, with guard bytes after the row.
func TestOverLongRowsMatchSWAR(t *testing.T) {
	if SIMD() == "" {
		t.Skip("no SIMD kernels in this build")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{512, 527, 528, 1024, 1999, 3840} {
		for off := 0; off < 64; off += 4 {
			src := make([]byte, off+4*n+64)
			dst := make([]byte, off+4*n+64)
			for i := range dst {
				dst[i] = byte(rng.Uint32())
			}
			fillRuns(rng, src[off:off+4*n])
			a, b := append([]byte(nil), dst...), append([]byte(nil), dst...)
			restore := setSIMD(false)
			over(a[off:], src[off:], n)
			restore()
			over(b[off:], src[off:], n)
			if i := firstDiff(a, b); i >= 0 {
				t.Fatalf("%d pixels at offset %d: long-row OVER differs from SWAR at byte %d: %d vs %d", n, off, i, b[i], a[i])
			}
		}
	}
}

// TestCopyRect checks the short-row rectangle copy (SIMD builds) against
// copy() row by row: every row length around its 32-byte steps and its
// limits, one to three rows, strides with and without padding, and guard
// bytes around and between the rows that must stay unchanged.
func TestCopyRect(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{1, 31, 32, 33, 63, 64, 65, 100, 255, 256, 1000, 1023, 1024, 1025} {
		for rows := 1; rows <= 3; rows++ {
			for _, pad := range []int{0, 4, 100} {
				ds, ss := n+pad, n+2*pad+8
				dst := make([]byte, 64+rows*ds+64)
				src := make([]byte, 64+rows*ss+64)
				for i := range dst {
					dst[i] = byte(rng.Uint32())
				}
				for i := range src {
					src[i] = byte(rng.Uint32())
				}
				want := append([]byte(nil), dst...)
				for y := range rows {
					copy(want[64+y*ds:][:n], src[64+y*ss:][:n])
				}
				got := append([]byte(nil), dst...)
				// The slices end where the last row does, as run passes them.
				if !copyRect(got[64:64+(rows-1)*ds+n], src[64:64+(rows-1)*ss+n], n, ds, ss, rows) {
					for y := range rows {
						copy(got[64+y*ds:][:n], src[64+y*ss:][:n])
					}
				}
				if i := firstDiff(got, want); i >= 0 {
					t.Fatalf("n %d, %d rows, pad %d: byte %d is %d, want %d", n, rows, pad, i, got[i], want[i])
				}
			}
		}
	}
}

// fillRuns fills row with premultiplied ARGB8888 pixels in runs of 1 to
// 48: opaque, transparent (all zero) or random alpha, so a 16-pixel
// kernel meets its shortcuts as well as its blend.
func fillRuns(rng *rand.Rand, row []byte) {
	for x := 0; x+4 <= len(row); {
		kind, run := rng.IntN(3), 1+rng.IntN(48)
		for ; run > 0 && x+4 <= len(row); run, x = run-1, x+4 {
			a := uint32(rng.IntN(256))
			switch kind {
			case 0:
				a = 0xff
			case 1:
				a = 0
			}
			for c := range 3 {
				row[x+c] = byte(rng.Uint32N(a + 1))
			}
			row[x+3] = byte(a)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestContiguousCopyHonoursOffsets(t *testing.T) {
	// Same width, unpadded strides, but the source is placed one column
	// left: no whole-buffer copy may be taken.
	src := img(allocator.XRGB8888, 4, 2, 16, 32)
	for i := range src.Pix {
		src.Pix[i] = byte(i)
	}
	dst := solid(allocator.XRGB8888, 4, 2, 0)
	if err := Composite(dst, src, &Blit{Dst: image.Rect(-1, 0, 3, 2), Alpha: Opaque}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := px32(dst, 0, 0), px32(src, 1, 0); got != want {
		t.Errorf("dst(0,0) = %#08x, want src(1,0) = %#08x", got, want)
	}
}

func TestNoAllocations(t *testing.T) {
	src := benchImage(allocator.ARGB8888, 300, 200)
	s565 := benchImage(allocator.RGB565, 300, 200)
	dst := benchImage(allocator.XRGB8888, 300, 200)
	d565 := benchImage(allocator.RGB565, 300, 200)
	nv12 := &Image{Format: allocator.NV12, Width: 300, Height: 200, Stride: 300, Pix: make([]byte, 300*200), UVStride: 300, UV: make([]byte, 300*100)}
	damage := []image.Rectangle{image.Rect(0, 0, 64, 64), image.Rect(64, 0, 128, 64), image.Rect(10, 100, 290, 150)}
	cases := []struct {
		name string
		dst  *Image
		src  *Image
		blit Blit
	}{
		{"over", dst, src, Blit{Op: Over, Alpha: Opaque}},
		{"over with opacity", dst, src, Blit{Op: Over, Alpha: 100}},
		{"over into RGB565", d565, src, Blit{Op: Over, Alpha: Opaque}},
		{"RGB565 to XRGB", dst, s565, Blit{Alpha: Opaque}},
		{"NV12", dst, nv12, Blit{Alpha: Opaque}},
		{"bilinear scale", dst, src, Blit{Src: image.Rect(0, 0, 100, 100), Dst: image.Rect(0, 0, 300, 200), Alpha: Opaque}},
		{"rotate 90", dst, src, Blit{Op: Over, Src: image.Rect(0, 0, 200, 200), Transform: Rotate90, Alpha: Opaque}},
	}
	for _, c := range cases {
		allocs := testing.AllocsPerRun(20, func() {
			if err := Composite(c.dst, c.src, &c.blit, damage); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Composite %s: %v allocations per call, want 0", c.name, allocs)
		}
	}
	for _, op := range []Op{Src, Over} {
		for _, d := range []*Image{dst, d565} {
			allocs := testing.AllocsPerRun(20, func() {
				if err := Fill(d, d.Bounds(), 0x80402010, op, damage); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Fill %v into %v: %v allocations per call, want 0", op, d.Format, allocs)
			}
		}
	}
}

func ExampleComposite() {
	// A 2x2 half-transparent red ARGB8888 surface blended over a black
	// XRGB8888 output, scaled up to 4x4 at (1, 1) and clipped to one
	// damage rectangle.
	src := &Image{Format: allocator.ARGB8888, Width: 2, Height: 2, Stride: 8, Pix: make([]byte, 16)}
	if err := Fill(src, src.Bounds(), RGBA(255, 0, 0, 128), Src, nil); err != nil {
		panic(err)
	}
	out := &Image{Format: allocator.XRGB8888, Width: 8, Height: 8, Stride: 32, Pix: make([]byte, 256)}
	damage := []image.Rectangle{image.Rect(0, 0, 3, 3)}
	err := Composite(out, src, &Blit{
		Op:     Over,
		Dst:    image.Rect(1, 1, 5, 5),
		Filter: Nearest,
		Alpha:  Opaque,
	}, damage)
	fmt.Println(err)
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			// The X byte of XRGB8888 is undefined; print RGB.
			if x > 0 {
				fmt.Print(" ")
			}
			fmt.Printf("%06x", binary.LittleEndian.Uint32(out.Pix[y*out.Stride+4*x:])&0xffffff)
		}
		fmt.Println()
	}
	// Output:
	// <nil>
	// 000000 000000 000000 000000
	// 000000 800000 800000 000000
	// 000000 800000 800000 000000
	// 000000 000000 000000 000000
}

func ExampleFill() {
	out := &Image{Format: allocator.RGB565, Width: 4, Height: 1, Stride: 8, Pix: make([]byte, 8)}
	err := Fill(out, out.Bounds(), RGBA(0, 0, 255, 255), Src, nil)
	fmt.Println(err, out.Pix)
	// Output: <nil> [31 0 31 0 31 0 31 0]
}

// TestSIMDScalingMatchesSWAR draws random scaled, flipped and rotated
// blits with both kernel sets: the SIMD scaling and rotation paths (shuffle
// plans per column chunk, 8x8 transposes) must give the SWAR result to the
// bit, for every filter, upscale and downscale, and source rectangle.
func TestSIMDScalingMatchesSWAR(t *testing.T) {
	if SIMD() == "" {
		t.Skip("no SIMD kernels in this build")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	formats := []allocator.Format{allocator.ARGB8888, allocator.XRGB8888, allocator.ABGR8888, allocator.RGB565}
	for iter := 0; iter < 400; iter++ {
		sf := formats[rng.IntN(len(formats))]
		df := formats[rng.IntN(len(formats))]
		sw, sh := 1+rng.IntN(300), 1+rng.IntN(60)
		dw, dh := 1+rng.IntN(400), 1+rng.IntN(60)
		src := benchImage(sf, sw, sh)
		for i := range src.Pix {
			src.Pix[i] = byte(rng.Uint32())
		}
		a := benchImage(df, dw, dh)
		b := &Image{Format: a.Format, Width: dw, Height: dh, Stride: a.Stride, Pix: append([]byte(nil), a.Pix...)}
		x0, y0 := rng.IntN(sw), rng.IntN(sh)
		sr := image.Rect(x0, y0, x0+1+rng.IntN(sw-x0), y0+1+rng.IntN(sh-y0))
		tr := Transform(rng.IntN(8))
		tw, th := sr.Dx(), sr.Dy()
		if tr.Swaps() {
			tw, th = th, tw
		}
		switch rng.IntN(4) {
		case 0:
		case 1:
			tw, th = 1+rng.IntN(500), 1+rng.IntN(80)
		case 2:
			tw, th = tw*3/2+1, th*3/2+1
		case 3:
			tw, th = max(1, tw*2/3), max(1, th*2/3)
		}
		dx, dy := rng.IntN(dw+8)-4, rng.IntN(dh+8)-4
		blit := &Blit{Op: Op(rng.IntN(2)), Src: sr, Dst: image.Rect(dx, dy, dx+tw, dy+th), Transform: tr, Filter: Filter(rng.IntN(2)), Alpha: uint8(rng.IntN(256))}
		if rng.IntN(2) == 0 {
			blit.Alpha = Opaque
		}
		restore := setSIMD(false)
		err1 := Composite(a, src, blit, nil)
		restore()
		err2 := Composite(b, src, blit, nil)
		if err1 != nil || err2 != nil {
			t.Fatalf("%+v: %v, %v", blit, err1, err2)
		}
		if string(a.Pix) != string(b.Pix) {
			for i := range a.Pix {
				if a.Pix[i] != b.Pix[i] {
					t.Fatalf("%v->%v %+v into %dx%d: SIMD and SWAR differ first at byte %d (row %d): %d vs %d", sf, df, *blit, dw, dh, i, i/a.Stride, b.Pix[i], a.Pix[i])
				}
			}
		}
	}
}

// TestCopyNT checks the non-temporal copy at every destination alignment
// modulo 64 (its head is written with ordinary stores up to a cache-line
// boundary) and length around its vector sizes: exactly the source bytes
// land, and nothing around them changes.
func TestCopyNT(t *testing.T) {
	src := make([]byte, 8192)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	for off := 0; off < 68; off++ {
		for _, n := range []int{0, 1, 63, 64, 65, 255, 256, 257, 1023, 4095, 4096, 4097, 4127, 4128, 4129, 4223, 4224, 4225, 5000, 8191} {
			buf := make([]byte, 8300)
			copyNT(buf[off:off+n], src[:n])
			sfence()
			for i, b := range buf {
				want := byte(0)
				if i >= off && i < off+n {
					want = src[i-off]
				}
				if b != want {
					t.Fatalf("offset %d length %d: byte %d = %d, want %d", off, n, i, b, want)
				}
			}
		}
	}
}

// TestLargeCopies draws copies big enough for non-temporal stores (whole
// padded rows, a sub-rectangle, damage) and compares them with the SWAR
// build's plain copies, padding included.
func TestLargeCopies(t *testing.T) {
	const w, h = 1100, 1000                         // 4.4 MB: above ntMin
	for _, stride := range []int{w * 4, w*4 + 20} { // one contiguous copy; row copies
		largeCopies(t, w, h, stride)
	}
	// And a large RGB565 expansion (non-temporal too), rows starting at
	// every 4-byte alignment modulo 64 bytes.
	src := img(allocator.RGB565, w, h, 2*w+6, (2*w+6)*h)
	for i := range src.Pix {
		src.Pix[i] = byte(i*7 + i>>11)
	}
	dstride := 4*w + 4
	a := img(allocator.XRGB8888, w, h, dstride, dstride*h)
	b := img(allocator.XRGB8888, w, h, dstride, dstride*h)
	blit := &Blit{Src: image.Rect(1, 0, w, h), Dst: image.Rect(0, 0, w-1, h), Alpha: Opaque}
	restore := setSIMD(false)
	err1 := Composite(a, src, blit, nil)
	restore()
	err2 := Composite(b, src, blit, nil)
	if err1 != nil || err2 != nil {
		t.Fatalf("RGB565: %v, %v", err1, err2)
	}
	if string(a.Pix) != string(b.Pix) {
		t.Errorf("RGB565 expansion: SIMD build differs from the SWAR one")
	}
}

func largeCopies(t *testing.T, w, h, stride int) {
	src := img(allocator.XRGB8888, w, h, stride, stride*h)
	for i := range src.Pix {
		src.Pix[i] = byte(i*13 + i>>12)
	}
	cases := []struct {
		name   string
		blit   Blit
		damage []image.Rectangle
	}{
		{"whole", Blit{Alpha: Opaque}, nil},
		{"offset", Blit{Src: image.Rect(3, 1, w, h), Dst: image.Rect(1, 2, w-2, h+1), Alpha: Opaque}, nil},
		{"damage", Blit{Alpha: Opaque}, []image.Rectangle{image.Rect(0, 0, 64, 64), image.Rect(64, 0, w, 64), image.Rect(5, 100, 1001, 900)}},
	}
	for _, c := range cases {
		a := img(allocator.XRGB8888, w, h, stride, stride*h)
		b := img(allocator.XRGB8888, w, h, stride, stride*h)
		for i := range a.Pix {
			a.Pix[i], b.Pix[i] = byte(i), byte(i)
		}
		restore := setSIMD(false)
		err1 := Composite(a, src, &c.blit, c.damage)
		restore()
		err2 := Composite(b, src, &c.blit, c.damage)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", c.name, err1, err2)
		}
		if string(a.Pix) != string(b.Pix) {
			t.Errorf("%s, stride %d: SIMD build's copy differs from the SWAR one", c.name, stride)
		}
	}
}

// TestExpand565NT checks the non-temporal RGB565 expansion at every
// destination alignment (including ones it must refuse) and lengths
// around its block size against the SWAR kernel.
func TestExpand565NT(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	src := make([]byte, 2*1300)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	for off := 0; off < 68; off++ {
		for _, n := range []int{1, 15, 16, 17, 1023, 1024, 1025, 1039, 1040, 1041, 1299} {
			want := make([]byte, 4*1300+64)
			got := make([]byte, 4*1300+64)
			from565SWAR(want[off:], src, n, false)
			expand565NT(got[off:], src, n)
			sfence()
			if string(got) != string(want) {
				t.Fatalf("offset %d, %d pixels: differs from the SWAR expansion", off, n)
			}
		}
	}
}
