package cpu

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

// Go-only benchmarks (no cgo): what the arm64 boards run, and what
// callgrind measures instructions per pixel on. The comparisons with
// pixman are in bench_pixman_test.go (build tag pixman).

func benchImage(f allocator.Format, w, h int) *Image {
	k := kindOf(f)
	m := &Image{Format: f, Width: w, Height: h, Stride: w * k.bpp(), Pix: make([]byte, w*h*k.bpp())}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range m.Pix {
		m.Pix[i] = byte(rng.Uint32())
	}
	if k.hasAlpha() {
		for i := 0; i+4 <= len(m.Pix); i += 4 {
			a := int(m.Pix[i+3])
			for c := 0; c < 3; c++ {
				m.Pix[i+c] = byte(int(m.Pix[i+c]) * a / 255)
			}
		}
	}
	return m
}

func benchComposite(b *testing.B, sf, df allocator.Format, op Op, damage []image.Rectangle) {
	src, dst := benchImage(sf, 1920, 1080), benchImage(df, 1920, 1080)
	blit := &Blit{Op: op, Alpha: Opaque}
	b.SetBytes(1920 * 1080 * 4)
	b.ReportAllocs()
	for b.Loop() {
		if err := Composite(dst, src, blit, damage); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoOver1080p is ARGB8888 (random alpha) OVER XRGB8888.
func BenchmarkGoOver1080p(b *testing.B) {
	benchComposite(b, allocator.ARGB8888, allocator.XRGB8888, Over, nil)
}

// BenchmarkGoOverTiles1080p is the same, as 510 64x64 damage tiles.
func BenchmarkGoOverTiles1080p(b *testing.B) {
	var tiles []image.Rectangle
	for y := 0; y < 1080; y += 64 {
		for x := 0; x < 1920; x += 64 {
			tiles = append(tiles, image.Rect(x, y, x+64, y+64))
		}
	}
	benchComposite(b, allocator.ARGB8888, allocator.XRGB8888, Over, tiles)
}

// BenchmarkGoRGB565ToXRGB1080p is the SRC conversion RGB565 -> XRGB8888.
func BenchmarkGoRGB565ToXRGB1080p(b *testing.B) {
	benchComposite(b, allocator.RGB565, allocator.XRGB8888, Src, nil)
}

// BenchmarkGoCopy1080p is SRC XRGB8888 -> XRGB8888.
func BenchmarkGoCopy1080p(b *testing.B) {
	benchComposite(b, allocator.XRGB8888, allocator.XRGB8888, Src, nil)
}

// BenchmarkGoNV12 converts a 1080p NV12 frame to XRGB8888.
func BenchmarkGoNV12(b *testing.B) {
	src := &Image{Format: allocator.NV12, Width: 1920, Height: 1080, Stride: 1920, Pix: make([]byte, 1920*1080), UVStride: 1920, UV: make([]byte, 1920*540)}
	dst := benchImage(allocator.XRGB8888, 1920, 1080)
	blit := &Blit{Op: Src, Alpha: Opaque}
	for b.Loop() {
		if err := Composite(dst, src, blit, nil); err != nil {
			b.Fatal(err)
		}
	}
}
