package drm_test

import (
	"context"
	"errors"
	"fmt"
	"image"
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

var _ = errors.Is
var _ = image.Rect
