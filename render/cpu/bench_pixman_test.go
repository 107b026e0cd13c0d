//go:build pixman && cgo

package cpu

import (
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render/cpu/internal/pixmanref"
)

// Benchmarks against pixman in one process. Each iteration runs the Go
// operation and the pixman one back to back (alternating which goes
// first) on identical inputs and times each separately, so machine noise
// hits both alike; the ratio is reported as x_pixman = pixman_ns / go_ns
// (above 1: faster than pixman). ns/op covers both engines.
//
// The engines are timed in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID,
// the goroutine locked to its OS thread), not wall time: on a virtual
// machine whose host takes the vCPU away (steal time) wall-clock ratios of
// the same build swung by 20% and more between runs, while CPU time, which
// still counts every cycle spent waiting for memory, repeats within a few
// percent.
//
// hot: the same buffers every iteration (they stay in the caches).
// cold: iterations rotate through buffer sets totalling more than the
// last-level cache (BENCH_COLD_MB, default 640 MiB), pixman half a
// rotation away from Go, so each operation meets memory it last touched
// long ago.

type benchSet struct {
	src, dstGo, dstPx *pixmanref.Buffer
	srcPM, dstGoPM    *pixmanref.Image
	dstPxPM           *pixmanref.Image
	srcImg, dstImg    Image
}

var benchSizes = []struct {
	name string
	w, h int
}{{"1080p", 1920, 1080}, {"2160p", 3840, 2160}}

func coldBytes() int {
	mb := 640
	if v := os.Getenv("BENCH_COLD_MB"); v != "" {
		fmt.Sscan(v, &mb)
	}
	return mb << 20
}

// makeSets returns n sets of a w x h src (sf) and two dst (df) images,
// filled with the prototype frames.
func makeSets(b *testing.B, n, w, h int, sf, df allocator.Format, proto func(f allocator.Format, pix []byte, w, h int)) []*benchSet {
	sk, dk := kindOf(sf), kindOf(df)
	ss, ds := w*sk.bpp(), w*dk.bpp()
	protoS := make([]byte, ss*h)
	protoD := make([]byte, ds*h)
	proto(sf, protoS, w, h)
	proto(df, protoD, w, h)
	sets := make([]*benchSet, n)
	for i := range sets {
		s := &benchSet{src: pixmanref.Alloc(ss * h), dstGo: pixmanref.Alloc(ds * h), dstPx: pixmanref.Alloc(ds * h)}
		copy(s.src.Pix, protoS)
		copy(s.dstGo.Pix, protoD)
		copy(s.dstPx.Pix, protoD)
		var err error
		if s.srcPM, err = pixmanref.NewImage(pixmanFormat[sf], w, h, s.src, 0, ss); err != nil {
			b.Fatal(err)
		}
		if s.dstGoPM, err = pixmanref.NewImage(pixmanFormat[df], w, h, s.dstGo, 0, ds); err != nil {
			b.Fatal(err)
		}
		if s.dstPxPM, err = pixmanref.NewImage(pixmanFormat[df], w, h, s.dstPx, 0, ds); err != nil {
			b.Fatal(err)
		}
		s.srcImg = Image{Format: sf, Width: w, Height: h, Stride: ss, Pix: s.src.Pix}
		s.dstImg = Image{Format: df, Width: w, Height: h, Stride: ds, Pix: s.dstGo.Pix}
		sets[i] = s
	}
	b.Cleanup(func() {
		for _, s := range sets {
			s.srcPM.Unref()
			s.dstGoPM.Unref()
			s.dstPxPM.Unref()
			s.src.Free()
			s.dstGo.Free()
			s.dstPx.Free()
		}
	})
	return sets
}

// randomFrame fills pix with random pixels; with alpha, premultiplied
// with a uniformly random alpha per pixel.
func randomFrame(f allocator.Format, pix []byte, w, h int) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range pix {
		pix[i] = byte(rng.Uint32())
	}
	if kindOf(f).hasAlpha() {
		for i := 0; i+4 <= len(pix); i += 4 {
			a := int(pix[i+3])
			for c := 0; c < 3; c++ {
				pix[i+c] = byte(int(pix[i+c]) * a / 255)
			}
		}
	}
}

// tiles64 is every 64x64 tile of a w x h frame in row-major order, or
// with sparse only every other one (a checkerboard, which no region can
// coalesce), as damage and as pixman rectangles.
func tiles64(w, h int, sparse bool) ([]image.Rectangle, [][4]int, []int32) {
	var r []image.Rectangle
	var px [][4]int
	var flat []int32
	for y := 0; y < h; y += 64 {
		for x := 0; x < w; x += 64 {
			if sparse && (x/64+y/64)%2 == 1 {
				continue
			}
			t := image.Rect(x, y, min(x+64, w), min(y+64, h))
			r = append(r, t)
			px = append(px, [4]int{t.Min.X, t.Min.Y, t.Dx(), t.Dy()})
			flat = append(flat, int32(t.Min.X), int32(t.Min.Y), int32(t.Dx()), int32(t.Dy()))
		}
	}
	return r, px, flat
}

// interleaved runs goOp and pxOp alternately b.N times and reports their
// times per operation and the ratio.
func interleaved(b *testing.B, sets int, goOp, pxOp func(set int)) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var goT, pxT time.Duration
	half := sets / 2
	for i := 0; b.Loop(); i++ {
		gs, ps := i%sets, (i+half)%sets
		if i&1 == 0 {
			t0 := threadTime()
			goOp(gs)
			t1 := threadTime()
			pxOp(ps)
			t2 := threadTime()
			goT += t1 - t0
			pxT += t2 - t1
		} else {
			t0 := threadTime()
			pxOp(ps)
			t1 := threadTime()
			goOp(gs)
			t2 := threadTime()
			pxT += t1 - t0
			goT += t2 - t1
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(goT.Nanoseconds())/n, "go_ns")
	b.ReportMetric(float64(pxT.Nanoseconds())/n, "pixman_ns")
	b.ReportMetric(float64(pxT)/float64(goT), "x_pixman")
}

// threadTime is the calling thread's CPU time; the caller has locked its
// goroutine to the thread.
func threadTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic("clock_gettime(CLOCK_THREAD_CPUTIME_ID): " + err.Error())
	}
	return time.Duration(ts.Nano())
}

// measure runs goOp and pxOp interleaved iters times outside the
// benchmark loop and returns their total times and pixman/go.
func measure(sets, iters int, goOp, pxOp func(set int)) (goT, pxT time.Duration, ratio float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	half := sets / 2
	for i := 0; i < iters; i++ {
		t0 := threadTime()
		goOp(i % sets)
		t1 := threadTime()
		pxOp((i + half) % sets)
		t2 := threadTime()
		goT += t1 - t0
		pxT += t2 - t1
	}
	return goT, pxT, float64(pxT) / float64(goT)
}

// benchOp is one Composite benchmark: for each size, hot and cold, full
// frame and (with tiles) 64x64-tile damage.
func benchOp(b *testing.B, op Op, sf, df allocator.Format, tiles bool) {
	benchOpWith(b, op, sf, df, tiles, nil)
}

// benchOpWith is benchOp with goKernel (when not nil) run on the Go side
// instead of Composite, on the same buffers.
func benchOpWith(b *testing.B, op Op, sf, df allocator.Format, tiles bool, goKernel func(dst, src []byte)) {
	pop := pixmanref.OpSrc
	if op == Over {
		pop = pixmanref.OpOver
	}
	for _, sz := range benchSizes {
		for _, temp := range []string{"hot", "cold"} {
			n := 1
			if temp == "cold" {
				per := sz.w * sz.h * (kindOf(sf).bpp() + 2*kindOf(df).bpp())
				n = max(2, coldBytes()/per)
			}
			damages := []string{"full"}
			if tiles {
				damages = append(damages, "tiles64", "tiles64sparse")
			}
			for _, dmg := range damages {
				b.Run(fmt.Sprintf("%s/%s/%s", sz.name, temp, dmg), func(b *testing.B) {
					sets := makeSets(b, n, sz.w, sz.h, sf, df, randomFrame)
					var damage []image.Rectangle
					var flat []int32
					if dmg != "full" {
						var px [][4]int
						damage, px, flat = tiles64(sz.w, sz.h, dmg == "tiles64sparse")
						for _, s := range sets {
							s.dstPxPM.SetClip(px)
						}
					}
					blit := &Blit{Op: op, Alpha: Opaque}
					goOp := func(i int) {
						s := sets[i]
						if goKernel != nil {
							goKernel(s.dstImg.Pix, s.srcImg.Pix)
							return
						}
						if err := Composite(&s.dstImg, &s.srcImg, blit, damage); err != nil {
							b.Fatal(err)
						}
					}
					// pixman as weston and wlroots call it: damage as the
					// destination's clip region, one composite.
					interleaved(b, n, goOp, func(i int) {
						s := sets[i]
						pixmanref.Composite(pop, s.srcPM, nil, s.dstPxPM, 0, 0, 0, 0, sz.w, sz.h)
					})
					if flat != nil {
						// And one pixman call per tile (no clip region).
						for _, s := range sets {
							s.dstPxPM.SetClip(nil)
						}
						_, _, ratio := measure(n, max(10, b.N), goOp, func(i int) {
							pixmanref.CompositeRects(pop, sets[i].srcPM, sets[i].dstPxPM, flat)
						})
						b.ReportMetric(ratio, "x_pixman_calls")
					}
				})
			}
		}
	}
}

// BenchmarkSrcCopy is SRC XRGB8888 -> XRGB8888; it also reports the
// speed relative to C memcpy of the same bytes (x_memcpy).
func BenchmarkSrcCopy(b *testing.B) {
	benchOp(b, Src, allocator.XRGB8888, allocator.XRGB8888, true)
}

// BenchmarkMemcpy is C memcpy against Go's copy of one frame, the
// baseline SRC is held to.
func BenchmarkMemcpy(b *testing.B) {
	for _, sz := range benchSizes {
		for _, temp := range []string{"hot", "cold"} {
			b.Run(sz.name+"/"+temp, func(b *testing.B) {
				n := 1
				if temp == "cold" {
					n = max(2, coldBytes()/(sz.w*sz.h*12))
				}
				sets := makeSets(b, n, sz.w, sz.h, allocator.XRGB8888, allocator.XRGB8888, randomFrame)
				size := sz.w * sz.h * 4
				blit := &Blit{Op: Src, Alpha: Opaque}
				interleaved(b, n, func(i int) {
					s := sets[i]
					if err := Composite(&s.dstImg, &s.srcImg, blit, nil); err != nil {
						b.Fatal(err)
					}
				}, func(i int) {
					pixmanref.Memcpy(sets[i].dstPx, sets[i].src, size)
				})
			})
		}
	}
}

// BenchmarkOver is premultiplied ARGB8888 with random alpha OVER
// XRGB8888.
func BenchmarkOver(b *testing.B) {
	benchOp(b, Over, allocator.ARGB8888, allocator.XRGB8888, true)
}

// BenchmarkOverFloor is BenchmarkOver's memory traffic without its
// arithmetic: the Go side ORs the source into the destination in a plain
// archsimd loop (reads both, writes one, as OVER does; no prefetch), pixman
// does the real OVER. It shows what the memory system gives a loop that
// leaves prefetching to the hardware; the OVER kernel for long rows beats
// it by prefetching in every step.
func BenchmarkOverFloor(b *testing.B) {
	benchOpWith(b, Over, allocator.ARGB8888, allocator.XRGB8888, false, orInto)
}

// BenchmarkRGB565Floor is BenchmarkRGB565ToXRGB's memory traffic without
// its arithmetic (the Go side widens each 16-bit pixel to 32 bits with
// ordinary stores), against pixman's real conversion; see
// BenchmarkOverFloor.
func BenchmarkRGB565Floor(b *testing.B) {
	benchOpWith(b, Src, allocator.RGB565, allocator.XRGB8888, false, widen16)
}

// BenchmarkRGB565ToXRGB is the SRC conversion RGB565 -> XRGB8888.
func BenchmarkRGB565ToXRGB(b *testing.B) {
	benchOp(b, Src, allocator.RGB565, allocator.XRGB8888, false)
}

// BenchmarkXRGBToRGB565 is the SRC conversion XRGB8888 -> RGB565.
func BenchmarkXRGBToRGB565(b *testing.B) {
	benchOp(b, Src, allocator.XRGB8888, allocator.RGB565, false)
}

// BenchmarkSwizzle is the SRC conversion ABGR8888 -> XRGB8888.
func BenchmarkSwizzle(b *testing.B) {
	benchOp(b, Src, allocator.ABGR8888, allocator.XRGB8888, false)
}

// BenchmarkScaleBilinear scales a 1280x720 ARGB8888 frame to 1920x1080
// XRGB8888 with the bilinear filter (SRC), hot.
func BenchmarkScaleBilinear(b *testing.B) {
	for _, f := range []Filter{Bilinear, Nearest} {
		b.Run(f.String(), func(b *testing.B) {
			src := makeSets(b, 1, 1280, 720, allocator.ARGB8888, allocator.ARGB8888, randomFrame)[0]
			dst := makeSets(b, 1, 1920, 1080, allocator.XRGB8888, allocator.XRGB8888, randomFrame)[0]
			blit := &Blit{Op: Src, Dst: image.Rect(0, 0, 1920, 1080), Filter: f, Alpha: Opaque}
			var p plan
			p.sr, p.dr = src.srcImg.Bounds(), blit.Dst
			p.setAffine(Normal)
			src.srcPM.SetTransform(pixmanMatrix(&p))
			src.srcPM.SetFilter(f == Bilinear)
			src.srcPM.SetRepeatPad()
			interleaved(b, 1, func(int) {
				if err := Composite(&dst.dstImg, &src.srcImg, blit, nil); err != nil {
					b.Fatal(err)
				}
			}, func(int) {
				pixmanref.Composite(pixmanref.OpSrc, src.srcPM, nil, dst.dstPxPM, 0, 0, 0, 0, 1920, 1080)
			})
		})
	}
}

// BenchmarkRotate90 rotates a 1080x1920 XRGB8888 frame into a 1920x1080
// output (a portrait panel), hot.
func BenchmarkRotate90(b *testing.B) {
	src := makeSets(b, 1, 1080, 1920, allocator.XRGB8888, allocator.XRGB8888, randomFrame)[0]
	dst := makeSets(b, 1, 1920, 1080, allocator.XRGB8888, allocator.XRGB8888, randomFrame)[0]
	blit := &Blit{Op: Src, Transform: Rotate90, Filter: Nearest, Alpha: Opaque}
	var p plan
	p.sr, p.dr = src.srcImg.Bounds(), image.Rect(0, 0, 1920, 1080)
	p.setAffine(Rotate90)
	src.srcPM.SetTransform(pixmanMatrix(&p))
	src.srcPM.SetFilter(false)
	interleaved(b, 1, func(int) {
		if err := Composite(&dst.dstImg, &src.srcImg, blit, nil); err != nil {
			b.Fatal(err)
		}
	}, func(int) {
		pixmanref.Composite(pixmanref.OpSrc, src.srcPM, nil, dst.dstPxPM, 0, 0, 0, 0, 1920, 1080)
	})
}

// BenchmarkNV12 converts a 1080p NV12 frame to XRGB8888 (pixman reads the
// same samples as YV12), hot.
func BenchmarkNV12(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	ref := newRefImage(b, rng, allocator.NV12, 1920, 1080)
	defer ref.free()
	dst := makeSets(b, 1, 1920, 1080, allocator.XRGB8888, allocator.XRGB8888, randomFrame)[0]
	blit := &Blit{Op: Src, Alpha: Opaque}
	interleaved(b, 1, func(int) {
		if err := Composite(&dst.dstImg, &ref.img, blit, nil); err != nil {
			b.Fatal(err)
		}
	}, func(int) {
		pixmanref.Composite(pixmanref.OpSrc, ref.pm, nil, dst.dstPxPM, 0, 0, 0, 0, 1920, 1080)
	})
}

// BenchmarkPixmanOnly runs pixman alone (for callgrind: instructions per
// pixel of the reference, without the Go side in the profile).
func BenchmarkPixmanOnly(b *testing.B) {
	for _, c := range []struct {
		name   string
		op     pixmanref.Op
		sf, df allocator.Format
	}{
		{"over", pixmanref.OpOver, allocator.ARGB8888, allocator.XRGB8888},
		{"rgb565", pixmanref.OpSrc, allocator.RGB565, allocator.XRGB8888},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := makeSets(b, 1, 1920, 1080, c.sf, c.df, randomFrame)[0]
			for b.Loop() {
				pixmanref.Composite(c.op, s.srcPM, nil, s.dstPxPM, 0, 0, 0, 0, 1920, 1080)
			}
		})
	}
}
