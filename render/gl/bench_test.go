//go:build gl && egl && cgo

package gl

import (
	"fmt"
	"image"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render"
)

// composition returns n static surfaces tiling a 1920x1080 output: one
// opaque full-screen XRGB surface, or a grid of translucent ARGB ones
// (2x2, 4x4) over it.
func composition(n int) []draw {
	const w, h = 1920, 1080
	bg := &render.Source{Key: 1000, Image: pattern(allocator.XRGB8888, w, h, 0), Damage: []image.Rectangle{}}
	out := []draw{{bg, render.Quad{Dst: image.Rect(0, 0, w, h), Opacity: 1}}}
	if n == 1 {
		return out
	}
	side := 2
	if n == 16 {
		side = 4
	}
	cw, ch := w/side, h/side
	for i := 0; i < n-1; i++ {
		src := &render.Source{Key: uint64(1001 + i), Image: pattern(allocator.ARGB8888, cw, ch, i), Damage: []image.Rectangle{}}
		x, y := (i+1)%side, (i+1)/side
		out = append(out, draw{src, render.Quad{Dst: image.Rect(x*cw, y*ch, (x+1)*cw, (y+1)*ch), Opacity: 0.9}})
	}
	return out
}

// BenchmarkCompose1080p is the frame time of a 1920x1080 composition of 1,
// 4 and 16 surfaces, GL (llvmpipe) against the CPU renderer. The GL target
// is a dma-buf (memfd) when EGL imports it (Mesa 25), else a memory target
// whose frame is read back with glReadPixels every frame ("gl-readback").
func BenchmarkCompose1080p(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		draws := composition(n)
		for _, name := range []string{"gl", "cpu"} {
			var r render.Renderer
			var target *render.Target
			label := name
			if name == "gl" {
				g := openGL(b, "")
				r = g
				if g.Caps().DMABufImport {
					target = &render.Target{Key: 1, DMABuf: memfdBuffer(b, render.NewImage(allocator.XRGB8888, 1920, 1080))}
				} else {
					target = &render.Target{Key: 1, Image: render.NewImage(allocator.XRGB8888, 1920, 1080)}
					label = "gl-readback"
				}
			} else {
				r = render.NewCPU()
				target = &render.Target{Key: 1, Image: render.NewImage(allocator.XRGB8888, 1920, 1080)}
			}
			b.Run(fmt.Sprintf("surfaces=%d/%s", n, label), func(b *testing.B) {
				frame := func() {
					if err := r.Begin(target, nil); err != nil {
						b.Fatal(err)
					}
					for i := range draws {
						if err := r.Draw(draws[i].src, &draws[i].q); err != nil {
							b.Fatal(err)
						}
					}
					s, err := r.Finish()
					if err == nil {
						err = s.Wait(10e9)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				frame() // uploads, imports
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					frame()
				}
			})
		}
	}
}

// BenchmarkDmaBufImport is the cost of drawing a 256x256 dma-buf source:
// "first" imports it (EGLImage + texture) every time, "cached" reuses the
// import made once.
func BenchmarkDmaBufImport(b *testing.B) {
	g := openGL(b, "")
	if !g.Caps().DMABufImport {
		b.Skipf("%s cannot import dma-bufs (run under scripts/mesa-backports, or in the VM)", g.Caps().Renderer)
	}
	buf := memfdBuffer(b, pattern(allocator.ARGB8888, 256, 256, 1))
	target := &render.Target{Key: 1, DMABuf: memfdBuffer(b, render.NewImage(allocator.XRGB8888, 256, 256))}
	q := render.Quad{Dst: image.Rect(0, 0, 256, 256), Opacity: 1}
	for _, mode := range []string{"first", "cached"} {
		b.Run(mode, func(b *testing.B) {
			src := &render.Source{Key: 2, DMABuf: buf}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if mode == "first" {
					g.Forget(2)
				}
				if err := g.Begin(target, nil); err != nil {
					b.Fatal(err)
				}
				if err := g.Draw(src, &q); err != nil {
					b.Fatal(err)
				}
				s, err := g.Finish()
				if err == nil {
					err = s.Wait(10e9)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
