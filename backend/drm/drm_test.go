package drm_test

import (
	"context"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/backend/drm"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/compositor/democlient"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/protocol"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// session is a compositor on the DRM backend with its frame loop running.
type session struct {
	b      *drm.Backend
	c      *compositor.Compositor
	sock   string
	cancel context.CancelFunc
	done   chan error
}

func open(t *testing.T, driver string, opts drm.Options) *session {
	t.Helper()
	opts.Device = testenv.RequireDRMCard(t, driver)
	opts.Log = t.Logf
	opts.NegotiationBudget = 60 * time.Second
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	b, err := drm.Open(context.Background(), &opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compositor.New(&compositor.Options{Protocol: &protocol.Options{DMABUF: b.Feedback(), Log: t.Logf}})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	if err := b.Attach(c); err != nil {
		c.Close()
		b.Close()
		t.Fatal(err)
	}
	t.Log(b.Report().String())
	s := &session{b: b, c: c, sock: "wayland-drm", done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-s.done; err != nil {
			t.Errorf("Run: %v", err)
		}
		c.Close()
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if _, err := c.Listen(s.sock); err != nil {
		t.Fatal(err)
	}
	return s
}

// client runs the Go demo client for frames frames and keeps its window.
func (s *session) client(t *testing.T, opts democlient.Options) {
	t.Helper()
	opts.Socket, opts.Hold = s.sock, true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := democlient.Run(ctx, opts); done <- err }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("client: %v", err)
		}
	})
}

// waitFor polls cond (lock held) until it holds.
func (s *session) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ok bool
		s.c.Do(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (counters %v)", what, s.c.Stats().Snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shown waits until the client's frame n is on screen (its n+2-th commit
// presented and nothing pending) and reads the display back.
func (s *session) shown(t *testing.T, frames int) *kms.Capture {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d client frames", frames), func() bool {
		tl := s.c.Toplevel()
		return tl != nil && tl.Commits() >= uint64(frames+1) && !s.c.Outputs()[0].NeedsFrame()
	})
	time.Sleep(100 * time.Millisecond) // the last flip event
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp, err := s.b.CaptureWriteback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// samePattern compares a writeback capture with the demo client's frame n.
func samePattern(t *testing.T, cp *kms.Capture, n int) {
	t.Helper()
	want := democlient.Pattern(cp.Width, cp.Height, n)
	bad := 0
	first := ""
	for y := 0; y < cp.Height; y++ {
		for x := 0; x < cp.Width; x++ {
			got := cp.At(x, y) & 0xffffff
			o := y*want.Stride + x*4
			w := uint32(want.Pix[o])<<16 | uint32(want.Pix[o+1])<<8 | uint32(want.Pix[o+2])
			if got != w {
				if bad == 0 {
					first = fmt.Sprintf("(%d,%d) = %06x, want %06x", x, y, got, w)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("writeback readback differs from the client's frame %d in %d pixels; first %s", n, bad, first)
	}
}

// TestCompositedClientFrameReachesTheDisplay: an shm client is composited
// into the swapchain and the writeback connector reads back its exact
// pixels.
func TestCompositedClientFrameReachesTheDisplay(t *testing.T) {
	s := open(t, "vkms", drm.Options{})
	s.client(t, democlient.Options{Frames: 4})
	cp := s.shown(t, 4)
	samePattern(t, cp, 3)
	st := s.c.Stats().Snapshot()
	t.Logf("counters: %v", st)
	if st.Composited < 4 || st.DirectScanout != 0 || st.BytesCopied == 0 {
		t.Errorf("counters %v: want >= 4 composited frames, no direct scanout, bytes copied", st)
	}
}

// heapClient allocates the client's buffers from a DMA heap, as the
// scanout tranche of the feedback says.
func heapClient(t *testing.T, heap string) func(w, h int) (*allocator.Buffer, error) {
	hp, err := dmaheap.Open(heap, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hp.Close() })
	return func(w, h int) (*allocator.Buffer, error) {
		return hp.Allocate(allocator.Request{Width: w, Height: h, Format: allocator.XRGB8888,
			Modifiers: []allocator.Modifier{allocator.ModifierLinear}, Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "democlient"})
	}
}

// TestScanoutTrancheBufferIsScannedOutDirectly: a full-screen client
// dma-buf from the heap the scanout tranche names goes to the primary
// plane with no copy.
func TestScanoutTrancheBufferIsScannedOutDirectly(t *testing.T) {
	testenv.RequireHeap(t, "system")
	s := open(t, "vkms", drm.Options{})
	s.client(t, democlient.Options{Frames: 4, DMABuf: heapClient(t, "system")})
	cp := s.shown(t, 4)
	samePattern(t, cp, 3)
	st := s.c.Stats().Snapshot()
	t.Logf("counters: %v", st)
	if st.DirectScanout < 4 || st.BytesCopied != 0 {
		t.Errorf("counters %v: want >= 4 direct-scanout frames and 0 bytes copied", st)
	}
}

// TestFaultsStillShowTheFrame injects a failure on each fallback path;
// the client's latest frame must still reach the display.
func TestFaultsStillShowTheFrame(t *testing.T) {
	testenv.RequireHeap(t, "system")
	cases := []struct {
		name   string
		faults drm.Faults
		dmabuf bool
		check  func(t *testing.T, s *session, st compositor.Counters)
	}{
		{name: "commit fails with EBUSY twice", faults: drm.Faults{Commit: func(n int) error {
			if n == 2 || n == 3 {
				return fmt.Errorf("injected: %w", unix.EBUSY)
			}
			return nil
		}}, check: func(t *testing.T, s *session, st compositor.Counters) {
			var ds drm.Stats
			s.c.Do(func() { ds = s.b.Stats() })
			if ds.FailedCommits != 2 {
				t.Errorf("failed commits %d, want 2", ds.FailedCommits)
			}
		}},
		{name: "import refused", dmabuf: true, faults: drm.Faults{Import: func() error { return fmt.Errorf("injected: %w", unix.EINVAL) }},
			check: func(t *testing.T, s *session, st compositor.Counters) {
				if st.DirectScanout != 0 || st.Composited < 4 {
					t.Errorf("counters %v: want composition only", st)
				}
			}},
		{name: "ENOMEM while the swapchain grows", faults: drm.Faults{Allocate: func(i int) error {
			if i == 1 {
				return &allocator.Error{Op: "allocate", Route: "injected", Kind: allocator.ErrNoMemory, Err: unix.ENOMEM}
			}
			return nil
		}}, check: func(t *testing.T, s *session, st compositor.Counters) {
			var ds drm.Stats
			s.c.Do(func() { ds = s.b.Stats() })
			if ds.SwapchainBuffer != 1 {
				t.Errorf("swapchain has %d buffers, want 1 after ENOMEM", ds.SwapchainBuffer)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, "vkms", drm.Options{Faults: &tc.faults})
			co := democlient.Options{Frames: 4}
			if tc.dmabuf {
				co.DMABuf = heapClient(t, "system")
			}
			s.client(t, co)
			cp := s.shown(t, 4)
			samePattern(t, cp, 3)
			st := s.c.Stats().Snapshot()
			t.Logf("counters: %v", st)
			tc.check(t, s, st)
		})
	}
}

// TestVirtioGPUComposesForeignBuffers: virtio-gpu cannot import heap
// memory (PRIME import fails with ENODEV), so a client's heap dma-buf is
// composited, every frame presented.
func TestVirtioGPUComposesForeignBuffers(t *testing.T) {
	if !testenv.VMHasGPU() && testenv.InVM() {
		t.Skip("the VM runs without --gpu")
	}
	testenv.RequireHeap(t, "system")
	s := open(t, "virtio_gpu", drm.Options{})
	s.client(t, democlient.Options{Frames: 6, DMABuf: heapClient(t, "system")})
	s.waitFor(t, "6 client frames", func() bool {
		tl := s.c.Toplevel()
		return tl != nil && tl.Commits() >= 7 && !s.c.Outputs()[0].NeedsFrame()
	})
	st := s.c.Stats().Snapshot()
	t.Logf("counters: %v", st)
	if st.DirectScanout != 0 || st.Composited < 6 || st.Frames < 7 {
		t.Errorf("counters %v: want every frame composited and presented", st)
	}
}

// capture waits until cond holds (lock held), no frame is needed and
// the last flip happened, then reads the display back.
func (s *session) capture(t *testing.T, what string, cond func() bool) *kms.Capture {
	t.Helper()
	s.waitFor(t, what, func() bool { return cond() && !s.c.Outputs()[0].NeedsFrame() })
	time.Sleep(100 * time.Millisecond) // the last flip event
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cp, err := s.b.CaptureWriteback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func (s *session) stats() (compositor.Counters, drm.Stats) {
	var ds drm.Stats
	s.c.Do(func() { ds = s.b.Stats() })
	return s.c.Stats().Snapshot(), ds
}

// hasCursor reports whether the output's scene shows a cursor (lock held).
func (s *session) hasCursor() bool {
	sc := s.c.Outputs()[0].Scene(nil)
	return len(sc) > 0 && sc[len(sc)-1].Cursor
}

// pointerTo moves the pointer to p on the output.
func (s *session) pointerTo(p image.Point) {
	s.c.Do(func() {
		s.c.PointerMotionAbsolute(s.c.Outputs()[0], float64(p.X), float64(p.Y), time.Duration(protocol.MonotonicNow()))
	})
}

// checkRect asserts that every pixel of r in cp is want (0xRRGGBB).
func checkRect(t *testing.T, cp *kms.Capture, what string, r image.Rectangle, want uint32) {
	t.Helper()
	bad, first := 0, ""
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if got := cp.At(x, y) & 0xffffff; got != want {
				if bad == 0 {
					first = fmt.Sprintf("(%d,%d) = %06x", x, y, got)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s %v: %d pixels differ from %06x; first %s", what, r, bad, want, first)
	}
}

// window is where the kiosk placement centres a w x h window.
func window(cp *kms.Capture, w, h int) image.Rectangle {
	return centred(cp.Width, cp.Height, w, h)
}

// window is where the kiosk placement centres a w x h window on the
// session's first output.
func (s *session) window(w, h int) image.Rectangle {
	var r image.Rectangle
	s.c.Do(func() {
		b := s.c.Outputs()[0].Bounds()
		r = centred(b.Dx(), b.Dy(), w, h)
	})
	return r
}

// centred is a w x h rectangle centred in an ow x oh one.
func centred(ow, oh, w, h int) image.Rectangle {
	return image.Rect((ow-w)/2, (oh-h)/2, (ow-w)/2+w, (oh-h)/2+h)
}

// checkWindow asserts the window shows colour col and the background
// (black) is around it.
func checkWindow(t *testing.T, cp *kms.Capture, win image.Rectangle, col uint32) {
	t.Helper()
	checkRect(t, cp, "window", win, col)
	checkRect(t, cp, "background above the window", image.Rect(0, 0, cp.Width, win.Min.Y), 0)
	checkRect(t, cp, "background left of the window", image.Rect(0, win.Min.Y, win.Min.X, win.Max.Y), 0)
}

// cursorAt asserts the plane client's cursor square is drawn with the
// pointer at p, over a window of colour under.
func cursorAt(t *testing.T, cp *kms.Capture, p image.Point, under uint32) {
	t.Helper()
	sq := image.Rect(2, 2, 14, 14).Add(p.Sub(image.Pt(drm.CursorHotX, drm.CursorHotY)))
	checkRect(t, cp, "cursor square", sq, drm.CursorColor&0xffffff)
	// the transparent rest of the 32x32 cursor image shows the window
	checkRect(t, cp, "window under the cursor's transparent part", image.Rect(16, 16, 30, 30).Add(p.Sub(image.Pt(drm.CursorHotX, drm.CursorHotY))), under)
}

const (
	smallW, smallH = 320, 240
	smallFrames    = 6
)

// TestOverlayScansOutASmallClientBuffer: a client dma-buf smaller than
// the output, centred by the kiosk placement, goes to an overlay plane;
// the background under it is composited once (a clear: no client pixels
// copied), and the client's commits copy nothing.
func TestOverlayScansOutASmallClientBuffer(t *testing.T) {
	testenv.RequireHeap(t, "system")
	s := open(t, "vkms", drm.Options{})
	pc := &drm.PlaneClient{Width: smallW, Height: smallH, Frames: smallFrames, DMABuf: heapClient(t, "system")}
	pc.Start(t, s.sock)
	cp := s.capture(t, "the plane client's frames", func() bool {
		tl := s.c.Toplevel()
		return pc.Drawn.Load() == smallFrames && tl != nil && tl.Commits() >= smallFrames+1
	})
	checkWindow(t, cp, window(cp, smallW, smallH), drm.FrameColor(smallFrames-1))
	st, ds := s.stats()
	t.Logf("counters: %v; drm: %+v", st, ds)
	if st.BytesCopied != 0 || ds.OverlayFrames < smallFrames-1 || st.DirectScanout < smallFrames-1 || st.Composited > 3 {
		t.Errorf("want the window on an overlay for >= %d frames, 0 bytes copied, at most 3 composited frames (modeset, background)", smallFrames-1)
	}
}

// TestCursorPlaneShowsAndMovesTheClientCursor: the cursor a client sets
// appears at the pointer on vkms's cursor plane (over the window on its
// overlay), and moving it copies nothing and renders nothing.
func TestCursorPlaneShowsAndMovesTheClientCursor(t *testing.T) {
	testenv.RequireHeap(t, "system")
	s := open(t, "vkms", drm.Options{})
	s.c.Do(func() { s.c.SetInputCapabilities(protocol.SeatPointer) })
	pc := &drm.PlaneClient{Width: smallW, Height: smallH, Frames: 2, DMABuf: heapClient(t, "system"), Cursor: true}
	pc.Start(t, s.sock)
	s.waitFor(t, "the window", func() bool { return pc.Drawn.Load() == 2 && !s.c.Outputs()[0].NeedsFrame() })
	win := s.window(smallW, smallH)
	p1 := win.Min.Add(image.Pt(40, 30))
	s.pointerTo(p1)
	cp := s.capture(t, "the cursor", s.hasCursor)
	checkWindow(t, cp, image.Rect(win.Min.X, win.Min.Y, win.Max.X, p1.Y-2), drm.FrameColor(1))
	cursorAt(t, cp, p1, drm.FrameColor(1))
	st1, ds1 := s.stats()
	t.Logf("after the cursor appeared: %v; drm: %+v", st1, ds1)
	if ds1.CursorPlaneFrames == 0 || ds1.CursorCopies != 1 || ds1.OverlayFrames == 0 {
		t.Errorf("want the cursor on the cursor plane (copied once) over the window on an overlay")
	}
	for i, d := range []image.Point{{60, 25}, {-30, 50}, {5, -20}} {
		p := p1.Add(d)
		s.pointerTo(p)
		cp = s.capture(t, fmt.Sprintf("move %d", i), func() bool { x, y := 0.0, 0.0; _, x, y = s.c.Pointer(); return image.Pt(int(x), int(y)) == p })
		cursorAt(t, cp, p, drm.FrameColor(1))
	}
	checkRect(t, cp, "window where the cursor was first", image.Rect(2, 2, 14, 14).Add(p1.Sub(image.Pt(drm.CursorHotX, drm.CursorHotY))), drm.FrameColor(1))
	st2, ds2 := s.stats()
	t.Logf("after 3 moves: %v; drm: %+v", st2, ds2)
	if st2.BytesCopied != st1.BytesCopied || ds2.CursorCopies != 1 || st2.Composited != st1.Composited {
		t.Errorf("moving the cursor copied %d bytes, %d cursor images, composited %d frames; want none",
			st2.BytesCopied-st1.BytesCopied, ds2.CursorCopies-1, st2.Composited-st1.Composited)
	}
	if ds2.CursorPlaneFrames < ds1.CursorPlaneFrames+3 {
		t.Errorf("cursor plane frames %d -> %d: want one per move", ds1.CursorPlaneFrames, ds2.CursorPlaneFrames)
	}
}

// TestPlaneRefusalsAreComposited: a TEST_ONLY refusal of the overlay or
// of the cursor plane composites what was refused, and the frame still
// reaches the display.
func TestPlaneRefusalsAreComposited(t *testing.T) {
	testenv.RequireHeap(t, "system")
	cases := []struct {
		name   string
		refuse func(drm.PlaneUse) bool
		check  func(t *testing.T, st compositor.Counters, ds drm.Stats)
	}{
		{"overlay refused", func(u drm.PlaneUse) bool { return u.Overlays > 0 }, func(t *testing.T, st compositor.Counters, ds drm.Stats) {
			if ds.OverlayFrames != 0 || ds.TestRefusals == 0 || ds.RefusedBuffers == 0 || st.BytesCopied == 0 || ds.CursorPlaneFrames == 0 {
				t.Errorf("want the window composited (refusals counted) and the cursor on its plane")
			}
		}},
		{"cursor plane refused", func(u drm.PlaneUse) bool { return u.Cursor }, func(t *testing.T, st compositor.Counters, ds drm.Stats) {
			if ds.CursorPlaneFrames != 0 || ds.TestRefusals == 0 || ds.RefusedBuffers == 0 {
				t.Errorf("want the cursor composited (refusals counted)")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			faults := drm.Faults{TestOnly: func(u drm.PlaneUse) error {
				if tc.refuse(u) {
					return fmt.Errorf("injected: %w", unix.EINVAL)
				}
				return nil
			}}
			s := open(t, "vkms", drm.Options{Faults: &faults})
			s.c.Do(func() { s.c.SetInputCapabilities(protocol.SeatPointer) })
			pc := &drm.PlaneClient{Width: smallW, Height: smallH, Frames: 4, DMABuf: heapClient(t, "system"), Cursor: true}
			pc.Start(t, s.sock)
			s.waitFor(t, "the window", func() bool { return pc.Drawn.Load() == 4 && !s.c.Outputs()[0].NeedsFrame() })
			cp := s.capture(t, "the window", func() bool { return true })
			win := window(cp, smallW, smallH)
			checkWindow(t, cp, win, drm.FrameColor(3))
			p := win.Min.Add(image.Pt(100, 60))
			s.pointerTo(p)
			cp = s.capture(t, "the cursor", s.hasCursor)
			cursorAt(t, cp, p, drm.FrameColor(3))
			p = p.Add(image.Pt(-50, 40))
			s.pointerTo(p)
			cp = s.capture(t, "the moved cursor", func() bool { _, x, y := s.c.Pointer(); return image.Pt(int(x), int(y)) == p })
			cursorAt(t, cp, p, drm.FrameColor(3))
			st, ds := s.stats()
			t.Logf("counters: %v; drm: %+v", st, ds)
			if ds.FailedCommits != 0 {
				t.Errorf("%d failed commits: a refused configuration was committed", ds.FailedCommits)
			}
			tc.check(t, st, ds)
		})
	}
}

// TestVirtioGPUCursor: virtio-gpu's cursor plane is visible only with
// CURSOR_PLANE_HOTSPOT; either it shows the cursor (hotspot set) or the
// cursor is composited. Every frame is presented either way.
func TestVirtioGPUCursor(t *testing.T) {
	if !testenv.VMHasGPU() && testenv.InVM() {
		t.Skip("the VM runs without --gpu")
	}
	s := open(t, "virtio_gpu", drm.Options{})
	s.c.Do(func() { s.c.SetInputCapabilities(protocol.SeatPointer) })
	pc := &drm.PlaneClient{Width: smallW, Height: smallH, Frames: 2, Cursor: true}
	pc.Start(t, s.sock)
	s.waitFor(t, "the window", func() bool { return pc.Drawn.Load() == 2 && !s.c.Outputs()[0].NeedsFrame() })
	win := s.window(smallW, smallH)
	p := win.Min.Add(image.Pt(40, 30))
	s.pointerTo(p)
	s.waitFor(t, "the cursor", func() bool { return s.hasCursor() && !s.c.Outputs()[0].NeedsFrame() })
	st0, _ := s.stats()
	for i := range 5 {
		p = p.Add(image.Pt(7, 3))
		s.pointerTo(p)
		s.waitFor(t, fmt.Sprintf("move %d", i), func() bool {
			_, x, y := s.c.Pointer()
			return image.Pt(int(x), int(y)) == p && !s.c.Outputs()[0].NeedsFrame()
		})
	}
	st, ds := s.stats()
	t.Logf("counters: %v; drm: %+v", st, ds)
	for _, l := range s.b.Report().Notes {
		if strings.Contains(l, "cursor") {
			t.Log(l)
		}
	}
	if ds.FailedCommits != 0 || st.Frames < st0.Frames+5 {
		t.Errorf("want every move presented without failed commits")
	}
	if ds.CursorPlaneFrames == 0 && st.Composited < st0.Composited+5 {
		t.Errorf("the cursor is neither on the cursor plane nor composited at every move")
	}
}

// TestFullScreenClientOnPrimaryWithCursorPlane: a full-screen opaque
// client dma-buf goes to the primary plane itself and the cursor to the
// cursor plane: nothing is rendered after the modeset, not even when the
// cursor appears or moves.
func TestFullScreenClientOnPrimaryWithCursorPlane(t *testing.T) {
	testenv.RequireHeap(t, "system")
	s := open(t, "vkms", drm.Options{})
	s.c.Do(func() { s.c.SetInputCapabilities(protocol.SeatPointer) })
	var full image.Rectangle
	s.c.Do(func() { full = s.c.Outputs()[0].Bounds() })
	pc := &drm.PlaneClient{Width: full.Dx(), Height: full.Dy(), Frames: 3, DMABuf: heapClient(t, "system"), Cursor: true}
	pc.Start(t, s.sock)
	s.waitFor(t, "the window", func() bool { return pc.Drawn.Load() == 3 && !s.c.Outputs()[0].NeedsFrame() })
	p := image.Pt(300, 200)
	s.pointerTo(p)
	s.waitFor(t, "the cursor", func() bool { return s.hasCursor() && !s.c.Outputs()[0].NeedsFrame() })
	p = p.Add(image.Pt(33, 17))
	s.pointerTo(p)
	cp := s.capture(t, "the moved cursor", func() bool { _, x, y := s.c.Pointer(); return image.Pt(int(x), int(y)) == p })
	checkRect(t, cp, "window", image.Rect(0, 0, full.Dx(), p.Y-2), drm.FrameColor(2))
	cursorAt(t, cp, p, drm.FrameColor(2))
	st, ds := s.stats()
	t.Logf("counters: %v; drm: %+v", st, ds)
	if st.Composited != 1 || ds.PrimaryDirectFrames < 3 || ds.CursorPlaneFrames < 2 || st.BytesCopied != ds.CursorBytes {
		t.Errorf("want only the modeset composited, the window on the primary plane, the cursor on its plane, only cursor bytes copied")
	}
}
