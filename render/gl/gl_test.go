//go:build gl && egl && cgo

package gl

import (
	"errors"
	"fmt"
	"image"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/render"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// tolerance is the largest per-channel difference allowed between the GL
// and CPU renderers (llvmpipe filters with 8-bit weights).
const tolerance = 4

// glUnavailable ends t because GL does not work: a skip on a developer's
// host without Mesa, a failure with CI=true (even when a VM pass follows:
// Mesa is not a device, the host pass must run the GL tests) and in the VM.
func glUnavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" || testenv.InVM() {
		t.Fatalf("GL required here: "+format, args...)
	}
	t.Skipf("skipping without GL (install libegl-mesa0 libgl1-mesa-dri): "+format, args...)
}

// openGL opens the GL renderer (headless when device is empty), or ends t
// (glUnavailable).
func openGL(t testing.TB, device string) *Renderer {
	t.Helper()
	r, err := Open(&render.Options{Device: device}, render.NewCPU())
	if err != nil {
		glUnavailable(t, "GL renderer: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r.(*Renderer)
}

// pattern fills an image with smooth premultiplied gradients so bilinear
// filtering differences stay small; alpha varies when the format has it.
func pattern(f allocator.Format, w, h, seed int) *render.Image {
	m := render.NewImage(f, w, h)
	l, _ := layoutOf(f)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := 255
			if l.alpha {
				a = 64 + (x*191)/max(w-1, 1)
			}
			r := (a * ((x*255/max(w-1, 1) + seed*40) % 256)) / 255
			g := (a * (y * 255 / max(h-1, 1))) / 255
			b := (a * ((x + y + seed*17) * 255 / max(w+h-2, 1) % 256)) / 255
			o := y*m.Stride + x*4
			p := m.Pix[o : o+4]
			if l.bgr {
				p[0], p[1], p[2], p[3] = byte(b), byte(g), byte(r), byte(a)
			} else {
				p[0], p[1], p[2], p[3] = byte(r), byte(g), byte(b), byte(a)
			}
			if !l.alpha {
				p[3] = 0x5a // junk that must be ignored
			}
		}
	}
	return m
}

type draw struct {
	src *render.Source
	q   render.Quad
}

// scene is a frame covering blending, opacity, scaling (both filters),
// every kind of transform and damage.
func scene(w, h int) (clear render.Color, draws []draw) {
	argb := &render.Source{Key: 1, Image: pattern(allocator.ARGB8888, 24, 16, 1)}
	xrgb := &render.Source{Key: 2, Image: pattern(allocator.XRGB8888, 16, 12, 2)}
	abgr := &render.Source{Key: 3, Image: pattern(allocator.ABGR8888, 20, 10, 3)}
	xbgr := &render.Source{Key: 4, Image: pattern(allocator.XBGR8888, 8, 8, 4)}
	return render.Color{R: 0.1, G: 0.2, B: 0.3, A: 1}, []draw{
		{xrgb, render.Quad{Dst: image.Rect(0, 0, w, h), Opacity: 1}}, // background, scaled bilinear
		{argb, render.Quad{Dst: image.Rect(4, 4, 28, 20), Opacity: 1}},
		{argb, render.Quad{Src: image.Rect(4, 2, 20, 14), Dst: image.Rect(30, 2, 62, 26), Opacity: 0.75, Filter: render.Nearest}},
		{abgr, render.Quad{Dst: image.Rect(2, 22, 22, 62), Opacity: 0.5, Transform: render.Rotate90, Filter: render.Nearest}},
		{abgr, render.Quad{Dst: image.Rect(24, 28, 44, 38), Opacity: 1, Transform: render.Flipped180, Filter: render.Nearest}},
		{xbgr, render.Quad{Dst: image.Rect(46, 30, 62, 46), Opacity: 1, Transform: render.Flipped270, Filter: render.Nearest}},
		{xbgr, render.Quad{Dst: image.Rect(46, 48, 62, 64), Opacity: 0.6, Transform: render.Rotate270}},
		{argb, render.Quad{Dst: image.Rect(24, 40, 44, 64), Opacity: 1, Opaque: true, Transform: render.Rotate180, Filter: render.Nearest}},
	}
}

func runScene(t testing.TB, r render.Renderer, target *render.Target, damage []image.Rectangle) {
	t.Helper()
	clear, draws := scene(64, 64)
	if err := r.Begin(target, damage); err != nil {
		t.Fatalf("%s: Begin: %v", r.Name(), err)
	}
	if err := r.Clear(clear); err != nil {
		t.Fatalf("%s: Clear: %v", r.Name(), err)
	}
	for i, d := range draws {
		if err := r.Draw(d.src, &d.q); err != nil {
			t.Fatalf("%s: draw %d: %v", r.Name(), i, err)
		}
	}
	s, err := r.Finish()
	if err != nil {
		t.Fatalf("%s: Finish: %v", r.Name(), err)
	}
	if err := s.Wait(5e9); err != nil {
		t.Fatalf("%s: Wait: %v", r.Name(), err)
	}
}

func readAll(t testing.TB, r render.Renderer, w, h int) *render.Image {
	t.Helper()
	out := render.NewImage(allocator.ARGB8888, w, h)
	if err := r.ReadPixels(image.Rect(0, 0, w, h), out); err != nil {
		t.Fatalf("%s: ReadPixels: %v", r.Name(), err)
	}
	return out
}

// compare fails t if a and b differ by more than tolerance in any channel
// (alpha only when withAlpha).
func compare(t testing.TB, what string, got, want *render.Image, withAlpha bool) {
	t.Helper()
	bad, worst := 0, 0
	var first string
	for y := 0; y < want.Height; y++ {
		for x := 0; x < want.Width; x++ {
			o := y*want.Stride + x*4
			for c := 0; c < 4; c++ {
				if c == 3 && !withAlpha {
					continue
				}
				d := int(got.Pix[o+c]) - int(want.Pix[o+c])
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
				if d > tolerance {
					if bad == 0 {
						first = fmt.Sprintf("first at (%d,%d): got % x, want % x", x, y, got.Pix[o:o+4], want.Pix[o:o+4])
					}
					bad++
					break
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d pixels differ by more than %d (worst %d); %s", what, bad, tolerance, worst, first)
	} else {
		t.Logf("%s: worst channel difference %d", what, worst)
	}
}

func TestGLMatchesCPUOnAScene(t *testing.T) {
	g := openGL(t, "")
	for _, f := range render.MemoryFormats() {
		for _, dmg := range [][]image.Rectangle{nil, {image.Rect(5, 5, 40, 30), image.Rect(50, 0, 64, 64)}} {
			t.Run(fmt.Sprintf("%v target, damage %v", f, dmg), func(t *testing.T) {
				glImg, cpuImg := pattern(f, 64, 64, 9), pattern(f, 64, 64, 9)
				runScene(t, g, &render.Target{Key: 100, Image: glImg}, dmg)
				c := render.NewCPU()
				runScene(t, c, &render.Target{Image: cpuImg}, dmg)
				l, _ := layoutOf(f)
				compare(t, "target memory", glImg, cpuImg, l.alpha)
				compare(t, "ReadPixels", readAll(t, g, 64, 64), readAll(t, c, 64, 64), l.alpha)
				g.Forget(100)
			})
		}
	}
	if st := g.Stats(); st.CPUFrames != 0 {
		t.Errorf("Stats = %+v: frames went to the CPU", st)
	}
}

func TestShmDamageUploadsOnlyDamage(t *testing.T) {
	g := openGL(t, "")
	src := pattern(allocator.ARGB8888, 16, 16, 1)
	target := &render.Target{Key: 1, Image: render.NewImage(allocator.ARGB8888, 16, 16)}
	frame := func(damage []image.Rectangle) {
		runOne(t, g, target, &render.Source{Key: 2, Image: src, Damage: damage}, &render.Quad{Dst: image.Rect(0, 0, 16, 16), Opacity: 1, Opaque: true})
	}
	frame(nil)
	before := g.Stats().Uploads
	// Change a pixel outside the declared damage: it must not appear.
	src.Pix[0], src.Pix[1], src.Pix[2] = 1, 2, 3
	src.Pix[15*src.Stride+15*4] = 77
	frame([]image.Rectangle{image.Rect(15, 15, 16, 16)})
	if got := g.Stats().Uploads - before; got != 1 {
		t.Errorf("uploads for one damaged rectangle = %d, want 1", got)
	}
	out := readAll(t, g, 16, 16)
	if out.Pix[15*out.Stride+15*4] != 77 {
		t.Errorf("damaged pixel not uploaded: % x", out.Pix[15*out.Stride+15*4:][:4])
	}
	if out.Pix[0] == 1 {
		t.Errorf("undamaged pixel was uploaded")
	}
}

func runOne(t testing.TB, r render.Renderer, target *render.Target, src *render.Source, q *render.Quad) {
	t.Helper()
	if err := r.Begin(target, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Draw(src, q); err != nil {
		t.Fatal(err)
	}
	s, err := r.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(5e9); err != nil {
		t.Fatal(err)
	}
}

// memfdBuffer makes a linear allocator.Buffer over a memfd with m's
// pixels: CPU-readable through Access, never importable by EGL.
func memfdBuffer(t testing.TB, m *render.Image) *allocator.Buffer {
	t.Helper()
	n, err := unix.MemfdCreate("render-gl-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fd.New(n, "memfd:render-gl-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(n, int64(len(m.Pix))); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Pwrite(n, m.Pix, 0); err != nil {
		t.Fatal(err)
	}
	b, err := allocator.NewBuffer(allocator.Desc{Width: m.Width, Height: m.Height, Format: m.Format, Modifier: allocator.ModifierLinear,
		Planes: []allocator.Plane{{FD: f, Stride: uint32(m.Stride)}}}, allocator.BufferOptions{Memory: allocator.MemoryShm, Route: "test:memfd", Size: uint64(len(m.Pix))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestRefusedImportFallsBackForThatBuffer: a buffer the GPU will not
// import is read by the CPU and the frame is still right.
func TestRefusedImportFallsBackForThatBuffer(t *testing.T) {
	g := openGL(t, "")
	pix := pattern(allocator.ARGB8888, 20, 12, 5)
	buf := memfdBuffer(t, pix)
	g.failImport = func(s *render.Source) bool { return s.Key == 7 }
	q := render.Quad{Dst: image.Rect(2, 2, 42, 26), Opacity: 0.8}
	glT, cpuT := pattern(allocator.XRGB8888, 48, 32, 1), pattern(allocator.XRGB8888, 48, 32, 1)
	runOne(t, g, &render.Target{Key: 1, Image: glT}, &render.Source{Key: 7, DMABuf: buf}, &q)
	runOne(t, render.NewCPU(), &render.Target{Image: cpuT}, &render.Source{Image: pix}, &q)
	compare(t, "frame with a refused buffer", glT, cpuT, false)
	if st := g.Stats(); st.ImportFallbacks != 1 || st.CPUFrames != 0 {
		t.Errorf("Stats = %+v, want 1 import fallback and no CPU frame", st)
	}
}

// TestLostContextReplaysTheFrameOnCPU: the frame that saw the loss and the
// frames after it are drawn by the CPU, right.
func TestLostContextReplaysTheFrameOnCPU(t *testing.T) {
	g := openGL(t, "")
	glT, cpuT := render.NewImage(allocator.ARGB8888, 64, 64), render.NewImage(allocator.ARGB8888, 64, 64)
	g.loseContext = true
	for i := 0; i < 2; i++ {
		runScene(t, g, &render.Target{Key: 1, Image: glT}, nil)
		runScene(t, render.NewCPU(), &render.Target{Image: cpuT}, nil)
		compare(t, fmt.Sprintf("frame %d after context loss", i), glT, cpuT, true)
		compare(t, fmt.Sprintf("ReadPixels %d after context loss", i), readAll(t, g, 64, 64), cpuT, true)
	}
	if st := g.Stats(); st.CPUFrames != 2 {
		t.Errorf("Stats = %+v, want 2 CPU frames", st)
	}
}

// requireImportIfBackports fails when the Mesa 25 environment of
// scripts/mesa-backports is selected but dma-buf import is missing.
func requireImportIfBackports(t *testing.T, g *Renderer) {
	t.Helper()
	if backports() && !g.Caps().DMABufImport {
		t.Fatalf("SCANOUT_MESA=backports but %s has no EGL_EXT_image_dma_buf_import", g.Caps().Renderer)
	}
}

// backports reports whether Mesa 25 (scripts/mesa-backports) is selected:
// its llvmpipe on the surfaceless platform imports memfd buffers. Mesa
// 22.3 on the host imports nothing; in the VM its surfaceless display
// imports real dma-bufs but refuses memfds (EGL_BAD_ALLOC).
func backports() bool { return os.Getenv("SCANOUT_MESA") == "backports" }

// memfdImports says whether a memfd buffer must import (true), cannot
// (false), or either (nil: the renderer may refuse it; the frame must be
// right all the same).
func memfdImports(g *Renderer) *bool {
	yes, no := true, false
	switch {
	case backports():
		return &yes
	case !g.Caps().DMABufImport:
		return &no
	}
	return nil
}

// TestDmaBufTargetRendersRight renders into a buffer given as a dma-buf
// target (memfd memory: Mesa 25's llvmpipe imports it, Mesa 22.3's
// surfaceless EGL cannot import at all, so the frame goes to the CPU);
// either way the buffer holds the right frame. With failTarget the
// refusal is forced.
func TestDmaBufTargetRendersRight(t *testing.T) {
	for _, forced := range []bool{false, true} {
		t.Run(fmt.Sprintf("refusal forced %v", forced), func(t *testing.T) {
			g := openGL(t, "")
			requireImportIfBackports(t, g)
			if forced {
				g.failTarget = func(*render.Target) bool { return true }
			}
			pix := pattern(allocator.ARGB8888, 32, 32, 2)
			buf := memfdBuffer(t, render.NewImage(allocator.XRGB8888, 48, 40))
			src := &render.Source{Key: 3, Image: pix}
			q := render.Quad{Dst: image.Rect(4, 2, 44, 38), Opacity: 0.9, Transform: render.Rotate270}
			runOne(t, g, &render.Target{Key: 9, DMABuf: buf}, src, &q)
			imports := memfdImports(g)
			if st := g.Stats(); imports != nil && (st.CPUFrames == 1) != (forced || !*imports) {
				t.Fatalf("Stats = %+v, want the frame on the CPU: %v", st, forced || !*imports)
			}
			want := render.NewImage(allocator.XRGB8888, 48, 40)
			runOne(t, render.NewCPU(), &render.Target{Image: want}, src, &q)
			got := render.NewImage(allocator.XRGB8888, 48, 40)
			if err := buf.Access(allocator.AccessRead, func(mem []byte) error {
				copy(got.Pix, mem)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			compare(t, "buffer memory", got, want, false)
			compare(t, "ReadPixels", readAll(t, g, 48, 40), readXRGB(want), false)
		})
	}
}

// TestDmaBufSourceImportsOrFallsBack draws a buffer given as a dma-buf
// source: imported as an EGLImage when EGL can (Mesa 25), read by the CPU
// otherwise; the frame is right either way and the import is cached.
func TestDmaBufSourceImportsOrFallsBack(t *testing.T) {
	g := openGL(t, "")
	requireImportIfBackports(t, g)
	pix := pattern(allocator.ABGR8888, 24, 20, 4)
	buf := memfdBuffer(t, pix)
	// Opaque (SRC): drawing twice gives the same frame.
	q := render.Quad{Dst: image.Rect(0, 0, 48, 40), Opacity: 1, Opaque: true}
	glT, cpuT := render.NewImage(allocator.ARGB8888, 48, 40), render.NewImage(allocator.ARGB8888, 48, 40)
	for i := 0; i < 2; i++ {
		runOne(t, g, &render.Target{Key: 1, Image: glT}, &render.Source{Key: 2, DMABuf: buf}, &q)
	}
	runOne(t, render.NewCPU(), &render.Target{Image: cpuT}, &render.Source{Image: pix}, &q)
	compare(t, "frame", glT, cpuT, true)
	st := g.Stats()
	if st.Imports+st.ImportFallbacks != 1 {
		t.Errorf("Stats = %+v, want exactly one (cached) import or fallback", st)
	}
	if imports := memfdImports(g); imports != nil && *imports != (st.Imports == 1) {
		t.Errorf("Stats = %+v, want imported: %v", st, *imports)
	}
}

func TestSelectionPicksGL(t *testing.T) {
	t.Setenv(render.EnvRenderer, "")
	r, sel, err := render.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if sel.Name != "gl" || r.Name() != "gl" {
		if sel.GLError != nil {
			glUnavailable(t, "GL not selected: %v", sel)
		}
		t.Fatalf("New() = %v, want gl", sel)
	}
	t.Logf("%v; %s", sel, r.Caps().Renderer)
}

func TestForcedGLOnBadDeviceFailsWithTheReason(t *testing.T) {
	_, _, err := render.New(&render.Options{Force: "gl", Device: "/dev/dri/none"})
	if err == nil || !strings.Contains(err.Error(), "SCANOUT_RENDERER=gl but GL is unusable") && !strings.Contains(err.Error(), "Options.Force=gl but GL is unusable") || !strings.Contains(err.Error(), "/dev/dri/none") {
		t.Fatalf("New(forced gl, bad device) = %v, want an error naming the device", err)
	}
	t.Log(err)
}

// TestSelectionProbesThePlanTarget: GL is chosen only if the plan's target
// imports and the test draw into it is done by GL (Mesa 25 imports memfd
// buffers; Mesa 22.3's surfaceless EGL imports nothing, so the CPU wins).
func TestSelectionProbesThePlanTarget(t *testing.T) {
	t.Setenv(render.EnvRenderer, "")
	imports := memfdImports(openGL(t, ""))
	buf := memfdBuffer(t, render.NewImage(allocator.XRGB8888, 64, 64))
	r, sel, err := render.New(&render.Options{Probe: &render.Target{Key: 42, DMABuf: buf}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	switch {
	case imports != nil && *imports && sel.Name != "gl":
		t.Fatalf("New(probe importable) = %v, want gl", sel)
	case (imports == nil || !*imports) && sel.Name != "gl" && (sel.Name != "cpu" || !errors.Is(sel.GLError, render.ErrImport)):
		t.Fatalf("New(probe not importable) = %v (GLError %v), want cpu because of render.ErrImport", sel, sel.GLError)
	case imports != nil && !*imports && sel.Name != "cpu":
		t.Fatalf("New(probe not importable) = %v, want cpu", sel)
	}
	t.Log(sel)
}

// nv12 makes a w x h NV12 image (even sizes) with a luma gradient and
// slowly varying chroma, so chroma siting differences stay small.
func nv12(w, h, stride int) *render.Image {
	m := &render.Image{Format: allocator.NV12, Width: w, Height: h, Stride: stride, Pix: make([]byte, stride*h), UVStride: stride, UV: make([]byte, stride*h/2)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Pix[y*stride+x] = byte(16 + (x+y)*219/(w+h-2))
		}
	}
	for cy := 0; cy < h/2; cy++ {
		for cx := 0; cx < w/2; cx++ {
			m.UV[cy*stride+2*cx] = byte(100 + cx)   // Cb
			m.UV[cy*stride+2*cx+1] = byte(150 - cy) // Cr
		}
	}
	return m
}

// nv12Buffer puts both planes of m in one memfd, as a client's
// zwp_linux_buffer_params_v1 would (plane 1 at an offset).
func nv12Buffer(t testing.TB, m *render.Image) *allocator.Buffer {
	t.Helper()
	size := (len(m.Pix) + len(m.UV) + 4095) &^ 4095
	one := &render.Image{Format: allocator.R8, Width: size, Height: 1, Stride: size, Pix: append(append(make([]byte, 0, size), m.Pix...), m.UV...)[:size]}
	b := memfdBuffer(t, one)
	// The NV12 Buffer owns a dup of the memfd, shared by its two planes.
	nb, err := b.Dup()
	if err != nil {
		t.Fatal(err)
	}
	nd := nb.Desc
	nd.Width, nd.Height, nd.Format = m.Width, m.Height, allocator.NV12
	nd.Planes = []allocator.Plane{{FD: nb.Planes[0].FD, Stride: uint32(m.Stride)}, {FD: nb.Planes[0].FD, Offset: uint32(len(m.Pix)), Stride: uint32(m.UVStride)}}
	out, err := allocator.NewBuffer(nd, allocator.BufferOptions{Memory: allocator.MemoryShm, Route: "test:memfd", Size: uint64(len(one.Pix))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

// TestNV12SourcesMatchCPU draws NV12 (two planes) as shm (converted by the
// CPU, uploaded) and as a dma-buf (imported as an external OES texture
// where EGL can, converted by the CPU otherwise), scaled, against the CPU
// renderer's BT.601 conversion.
func TestNV12SourcesMatchCPU(t *testing.T) {
	g := openGL(t, "")
	requireImportIfBackports(t, g)
	pix := nv12(32, 32, 256) // strides of 256 bytes suit every importer
	q := render.Quad{Dst: image.Rect(4, 4, 60, 60), Opacity: 1}
	want := render.NewImage(allocator.XRGB8888, 64, 64)
	runOne(t, render.NewCPU(), &render.Target{Image: want}, &render.Source{Image: pix}, &q)
	for _, tc := range []struct {
		name string
		src  *render.Source
	}{
		{"shm", &render.Source{Key: 5, Image: pix}},
		{"dma-buf", &render.Source{Key: 6, DMABuf: nv12Buffer(t, pix)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render.NewImage(allocator.XRGB8888, 64, 64)
			before := g.Stats()
			runOne(t, g, &render.Target{Key: 1, Image: got}, tc.src, &q)
			compare(t, "NV12 frame", got, want, false)
			after := g.Stats()
			// Mesa 25's llvmpipe lists NV12 but refuses a two-plane
			// memfd with EGL_BAD_ALLOC: then the CPU converts it.
			if tc.src.DMABuf != nil && after.Imports+after.ImportFallbacks != before.Imports+before.ImportFallbacks+1 {
				t.Errorf("NV12 dma-buf neither imported nor converted: %+v -> %+v", before, after)
			}
			t.Logf("stats %+v", after)
		})
	}
}
