//go:build gl && egl && cgo

package gl

// Tests of the GL path on a real kernel (the test VM): EGL on GBM over the
// vkms card node (Mesa's kms_swrast), real dma-bufs from every route
// imported as textures and as render targets, and the rendered target
// shown on vkms and read back through the writeback connector. The same
// topology as a Raspberry Pi 4: the GL driver imports buffers that a
// separate display device scans out.
//
// kms_swrast can only draw from and into buffers the card itself exported
// (vkms dumb buffers): it maps with DRM_IOCTL_MODE_MAP_DUMB, which the
// kernel refuses for foreign dma-bufs (see swrast.go). So heap and udmabuf
// buffers are refused up front and drawn by the CPU; the tests check that
// they are, and that the frames are right either way.

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/allocator/udmabuf"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/render"
)

// route allocates linear dma-bufs one way.
type route struct {
	name  string
	alloc func(t *testing.T, w, h int, f allocator.Format) *allocator.Buffer
}

func heapRoute(name string, heapNames ...string) route {
	return route{name, func(t *testing.T, w, h int, f allocator.Format) *allocator.Buffer {
		path := testenv.RequireHeap(t, heapNames...)
		heap, err := dmaheap.Open(path[len("/dev/dma_heap/"):], nil)
		if err != nil {
			t.Fatal(err)
		}
		defer heap.Close()
		b, err := heap.Allocate(allocator.Request{Width: w, Height: h, Format: f, Modifiers: []allocator.Modifier{allocator.ModifierLinear},
			Usage: allocator.UsageCPU | allocator.UsageLinear, Name: "render/gl test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}}
}

func udmabufRoute() route {
	return route{"udmabuf", func(t *testing.T, w, h int, f allocator.Format) *allocator.Buffer {
		testenv.RequireFile(t, "/dev/udmabuf")
		a, err := udmabuf.Open(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := a.Allocate(allocator.Request{Width: w, Height: h, Format: f, Modifiers: []allocator.Modifier{allocator.ModifierLinear},
			Usage: allocator.UsageCPU | allocator.UsageLinear})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}}
}

// dumbRoute makes vkms dumb buffers, exported with PRIME.
func dumbRoute(dev func() *kms.Device) route {
	return route{"vkms dumb", func(t *testing.T, w, h int, f allocator.Format) *allocator.Buffer {
		d := dev()
		db, err := d.CreateDumb(uint32(w), uint32(h), 32)
		if err != nil {
			t.Fatal(err)
		}
		dmabuf, err := d.PrimeHandleToFD(db.Handle)
		if err != nil {
			d.DestroyDumb(db.Handle)
			t.Fatal(err)
		}
		b, err := allocator.NewBuffer(allocator.Desc{Width: w, Height: h, Format: f, Modifier: allocator.ModifierLinear,
			Planes: []allocator.Plane{{FD: dmabuf, Stride: db.Pitch}}},
			allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: "dumb:vkms", Size: db.Size,
				Release: func() error { return d.DestroyDumb(db.Handle) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}}
}

// writePattern copies m into the buffer through Access.
func writePattern(t *testing.T, b *allocator.Buffer, m *render.Image) {
	t.Helper()
	stride, off := int(b.Planes[0].Stride), int(b.Planes[0].Offset)
	err := b.Access(allocator.AccessWrite, func(mem []byte) error {
		for y := 0; y < m.Height; y++ {
			copy(mem[off+y*stride:off+y*stride+m.Width*4], m.Pix[y*m.Stride:])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// bufferImage reads the buffer's pixels through Access.
func bufferImage(t *testing.T, b *allocator.Buffer) *render.Image {
	t.Helper()
	m := render.NewImage(b.Format, b.Width, b.Height)
	stride, off := int(b.Planes[0].Stride), int(b.Planes[0].Offset)
	err := b.Access(allocator.AccessRead, func(mem []byte) error {
		for y := 0; y < m.Height; y++ {
			copy(m.Pix[y*m.Stride:(y+1)*m.Stride], mem[off+y*stride:])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// vmSetup opens vkms (first, so this process is DRM master for the
// writeback) and then the GL renderer on the same card node.
func vmSetup(t *testing.T) (*kms.Device, *Renderer) {
	card := testenv.RequireDRMCard(t, "vkms")
	dev, err := kms.Open(card)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	g := openGL(t, card)
	if !g.Caps().DMABufImport {
		t.Fatalf("GL on GBM %s cannot import dma-bufs (%s); Mesa's kms_swrast should", card, g.Caps().Renderer)
	}
	t.Logf("%s", g.Caps().Renderer)
	return dev, g
}

func vmRoutes(dev func() *kms.Device) []route {
	return []route{
		heapRoute("system heap", "system"),
		heapRoute("CMA heap", testenv.CMAHeapNames...),
		udmabufRoute(),
		dumbRoute(dev),
	}
}

func TestVMCapsListImportableFormats(t *testing.T) {
	_, g := vmSetup(t)
	c := g.Caps()
	for _, f := range []allocator.Format{allocator.XRGB8888, allocator.ARGB8888} {
		if !c.Formats.HasFormat(f) || !c.RenderFormats.HasFormat(f) {
			t.Errorf("Caps: %v missing (Formats %v, RenderFormats %v)", f, c.Formats, c.RenderFormats)
		}
	}
}

// TestVMImportsDmaBufSources draws real dma-bufs from every route as
// textures and compares the frame with the CPU renderer's.
func TestVMImportsDmaBufSources(t *testing.T) {
	dev, g := vmSetup(t)
	for _, rt := range vmRoutes(func() *kms.Device { return dev }) {
		t.Run(rt.name, func(t *testing.T) {
			pix := pattern(allocator.ARGB8888, 64, 48, 3)
			buf := rt.alloc(t, 64, 48, allocator.ARGB8888)
			writePattern(t, buf, pix)
			before := g.Stats()
			q := render.Quad{Dst: image.Rect(8, 8, 136, 104), Opacity: 0.9, Transform: render.Flipped90}
			glT, cpuT := pattern(allocator.XRGB8888, 160, 140, 1), pattern(allocator.XRGB8888, 160, 140, 1)
			runOne(t, g, &render.Target{Key: 500, Image: glT}, &render.Source{Key: 501, DMABuf: buf}, &q)
			runOne(t, render.NewCPU(), &render.Target{Image: cpuT}, &render.Source{Image: pix}, &q)
			compare(t, rt.name+" source", glT, cpuT, false)
			after := g.Stats()
			native := rt.name == "vkms dumb"
			switch {
			case native && (after.Imports != before.Imports+1 || after.ImportFallbacks != before.ImportFallbacks):
				t.Errorf("Stats %+v -> %+v: want one EGLImage import and no fallback", before, after)
			case !native && (after.ImportFallbacks != before.ImportFallbacks+1 || !strings.Contains(fmt.Sprint(after.LastImportError), "DRM_IOCTL_MODE_MAP_DUMB")):
				t.Errorf("Stats %+v -> %+v: want the foreign buffer refused (kms_swrast cannot map it) and drawn by the CPU", before, after)
			}
			// Drawn again: the cached import (or fallback), no new one.
			runOne(t, g, &render.Target{Key: 500, Image: glT}, &render.Source{Key: 501, DMABuf: buf}, &q)
			if st := g.Stats(); st.Imports != after.Imports || st.ImportFallbacks != after.ImportFallbacks {
				t.Errorf("second draw imported again: %+v", st)
			}
			g.Forget(500)
			g.Forget(501)
		})
	}
}

// TestVMRendersIntoDmaBufsAndScansThemOut renders into a dma-buf target of
// every route, checks its memory, then shows it on vkms and checks what
// the writeback connector reads back.
func TestVMRendersIntoDmaBufsAndScansThemOut(t *testing.T) {
	dev, g := vmSetup(t)
	const w, h = 640, 480
	wb, err := kms.NewWriteback(dev, w, h)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	primary := wb.PlaneOfType(kms.PlanePrimary, 0)
	for _, rt := range vmRoutes(func() *kms.Device { return dev }) {
		t.Run(rt.name, func(t *testing.T) {
			buf := rt.alloc(t, w, h, allocator.XRGB8888)
			before := g.Stats()
			frame := func(r render.Renderer, target *render.Target) {
				clear, draws := scene(w, h)
				if err := r.Begin(target, nil); err != nil {
					t.Fatalf("%s: Begin: %v", r.Name(), err)
				}
				r.Clear(clear)
				for i, d := range draws {
					q := d.q
					// scale the 64x64 scene up to the mode
					q.Dst = image.Rect(q.Dst.Min.X*10, q.Dst.Min.Y*7, q.Dst.Max.X*10, q.Dst.Max.Y*7)
					if err := r.Draw(d.src, &q); err != nil {
						t.Fatalf("%s: draw %d: %v", r.Name(), i, err)
					}
				}
				s, err := r.Finish()
				if err == nil {
					err = s.Wait(10 * time.Second)
				}
				if err != nil {
					t.Fatalf("%s: %v", r.Name(), err)
				}
			}
			frame(g, &render.Target{Key: 600, DMABuf: buf})
			native := rt.name == "vkms dumb"
			if st := g.Stats(); native != (st.CPUFrames == before.CPUFrames) {
				t.Fatalf("Stats %+v -> %+v: want the frame on GL: %v (%v)", before, st, native, g.LastFrameFallback())
			}
			want := render.NewImage(allocator.XRGB8888, w, h)
			frame(render.NewCPU(), &render.Target{Image: want})
			compare(t, "target memory", bufferImage(t, buf), want, false)
			compare(t, "ReadPixels", readAll(t, g, w, h), readXRGB(want), false)

			handle, err := dev.PrimeFDToHandle(buf.Planes[0].FD)
			if err != nil {
				t.Fatal(err)
			}
			defer dev.CloseHandle(handle)
			fb, err := dev.AddFB2(kms.Framebuffer{Width: w, Height: h, Format: allocator.XRGB8888, Modifier: allocator.ModifierLinear,
				Planes: []kms.FBPlane{{Handle: handle, Pitch: buf.Planes[0].Stride, Offset: buf.Planes[0].Offset}}})
			if err != nil {
				t.Fatal(err)
			}
			defer dev.RemoveFB(fb)
			capt, err := wb.Capture(func(r *kms.AtomicRequest) {
				r.SetPlane(primary.ID, wb.CRTC, fb, kms.Rect{W: w, H: h}, kms.Rect{W: w, H: h})
			}, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			got := &render.Image{Format: allocator.XRGB8888, Width: capt.Width, Height: capt.Height, Stride: capt.Stride, Pix: capt.Pix}
			compare(t, "writeback readback of the scanned-out target", got, want, false)
			g.Forget(600)
		})
	}
}

func readXRGB(m *render.Image) *render.Image {
	out := render.NewImage(allocator.ARGB8888, m.Width, m.Height)
	copy(out.Pix, m.Pix)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 0xff
	}
	return out
}

// TestVMForcedImportFailureFallsBackForThatBuffer: with real dma-bufs, one
// refused import is drawn from a CPU copy and the frame still matches.
func TestVMForcedImportFailureFallsBackForThatBuffer(t *testing.T) {
	dev, g := vmSetup(t)
	dumb := dumbRoute(func() *kms.Device { return dev })
	a := dumb.alloc(t, 32, 32, allocator.ARGB8888)
	b := dumb.alloc(t, 32, 32, allocator.XRGB8888)
	pa, pb := pattern(allocator.ARGB8888, 32, 32, 1), pattern(allocator.XRGB8888, 32, 32, 2)
	writePattern(t, a, pa)
	writePattern(t, b, pb)
	g.failImport = func(s *render.Source) bool { return s.DMABuf == b }
	target := dumb.alloc(t, 96, 64, allocator.XRGB8888)
	draw := func(r render.Renderer, tg *render.Target, sa, sb *render.Source) {
		if err := r.Begin(tg, nil); err != nil {
			t.Fatal(err)
		}
		r.Clear(render.Color{R: 0.2, A: 1})
		for _, x := range []struct {
			s *render.Source
			q render.Quad
		}{{sb, render.Quad{Dst: image.Rect(0, 0, 64, 64), Opacity: 1}}, {sa, render.Quad{Dst: image.Rect(32, 0, 96, 64), Opacity: 1, Transform: render.Rotate90}}} {
			if err := r.Draw(x.s, &x.q); err != nil {
				t.Fatal(err)
			}
		}
		s, err := r.Finish()
		if err == nil {
			err = s.Wait(10 * time.Second)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	draw(g, &render.Target{Key: 1, DMABuf: target}, &render.Source{Key: 2, DMABuf: a}, &render.Source{Key: 3, DMABuf: b})
	want := render.NewImage(allocator.XRGB8888, 96, 64)
	draw(render.NewCPU(), &render.Target{Image: want}, &render.Source{Image: pa}, &render.Source{Image: pb})
	compare(t, "frame with one refused dma-buf", bufferImage(t, target), want, false)
	if st := g.Stats(); st.ImportFallbacks != 1 || st.Imports != 1 || st.CPUFrames != 0 {
		t.Errorf("Stats = %+v, want 1 import, 1 fallback, no CPU frame", st)
	}
}

// TestVMSelectionProbesAPlanTarget: on GBM over the vkms card node a plan
// target the card exported (dumb) imports and GL is chosen; a CMA buffer
// (what a Pi's plan gives) cannot be drawn by kms_swrast, so the CPU is
// chosen and the reason says why.
func TestVMSelectionProbesAPlanTarget(t *testing.T) {
	dev, _ := vmSetup(t)
	card := testenv.RequireDRMCard(t, "vkms")
	t.Setenv(render.EnvRenderer, "")
	for _, tc := range []struct {
		rt   route
		want string
	}{
		{dumbRoute(func() *kms.Device { return dev }), "gl"},
		{heapRoute("CMA heap", testenv.CMAHeapNames...), "cpu"},
	} {
		t.Run(tc.rt.name, func(t *testing.T) {
			buf := tc.rt.alloc(t, 640, 480, allocator.XRGB8888)
			r, sel, err := render.New(&render.Options{Device: card, Probe: &render.Target{Key: 42, DMABuf: buf}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if sel.Name != tc.want || tc.want == "cpu" && !errors.Is(sel.GLError, render.ErrImport) {
				t.Fatalf("New(GBM %s, %s probe) = %v, want %s", card, tc.rt.name, sel, tc.want)
			}
			t.Log(sel)
		})
	}
}

// TestVMImportsMultiPlanarNV12 draws a two-plane NV12 buffer (one vkms
// dumb buffer, chroma plane at an offset, as a V4L2 decoder would give)
// and compares the frame with the CPU's BT.601 conversion.
func TestVMImportsMultiPlanarNV12(t *testing.T) {
	dev, g := vmSetup(t)
	db, err := dev.CreateDumb(32, 48, 8) // 32x32 luma + 32x16 chroma bytes
	if err != nil {
		t.Fatal(err)
	}
	dmabuf, err := dev.PrimeHandleToFD(db.Handle)
	if err != nil {
		dev.DestroyDumb(db.Handle)
		t.Fatal(err)
	}
	buf, err := allocator.NewBuffer(allocator.Desc{Width: 32, Height: 32, Format: allocator.NV12, Modifier: allocator.ModifierLinear,
		Planes: []allocator.Plane{{FD: dmabuf, Stride: db.Pitch}, {FD: dmabuf, Offset: db.Pitch * 32, Stride: db.Pitch}}},
		allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: "dumb:vkms", Size: db.Size,
			Release: func() error { return dev.DestroyDumb(db.Handle) }})
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	pix := nv12(32, 32, 32)
	err = buf.AccessPlanes(allocator.AccessWrite, func(planes [][]byte) error {
		for y := 0; y < 32; y++ {
			copy(planes[0][y*int(db.Pitch):], pix.Pix[y*32:y*32+32])
		}
		for y := 0; y < 16; y++ {
			copy(planes[1][y*int(db.Pitch):], pix.UV[y*32:y*32+32])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := render.Quad{Dst: image.Rect(4, 4, 60, 60), Opacity: 1}
	got, want := render.NewImage(allocator.XRGB8888, 64, 64), render.NewImage(allocator.XRGB8888, 64, 64)
	runOne(t, g, &render.Target{Key: 1, Image: got}, &render.Source{Key: 2, DMABuf: buf}, &q)
	runOne(t, render.NewCPU(), &render.Target{Image: want}, &render.Source{Image: pix}, &q)
	compare(t, "NV12 from a dumb buffer", got, want, false)
	// kms_swrast samples NV12 imports as black: render/gl refuses them
	// there and the CPU converts (on a GPU driver they are imported).
	if st := g.Stats(); st.ImportFallbacks != 1 || !strings.Contains(fmt.Sprint(st.LastImportError), "samples NV12 imports as black") {
		t.Errorf("Stats %+v: want the NV12 import refused on kms_swrast and converted by the CPU", st)
	}
}
