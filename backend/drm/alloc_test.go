package drm

import (
	"context"
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/compositor/democlient"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/protocol"
)

// TestSteadyStateFlipAllocatesNothing measures one composited frame on
// vkms: render the damage into a swapchain buffer, commit the page flip,
// wait for its event, complete the frame.
func TestSteadyStateFlipAllocatesNothing(t *testing.T) {
	card := testenv.RequireDRMCard(t, "vkms")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	b, err := Open(context.Background(), &Options{Device: card, Log: t.Logf, NoHotplug: true, NegotiationBudget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := compositor.New(&compositor.Options{Protocol: &protocol.Options{DMABUF: b.Feedback()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := b.Attach(c); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listen("wayland-alloc"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if err := b.dev.ReadEvents(b.loop.onEvent); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		democlient.Run(ctx, democlient.Options{Socket: "wayland-alloc", Frames: 3, Hold: true})
		close(done)
	}()
	defer func() { cancel(); <-done }()
	// drive frames until the client holds
	drive(t, b, c, "the client to draw 3 frames", func() bool {
		tl := c.Toplevel()
		return tl != nil && tl.Commits() >= 4
	})
	time.Sleep(100 * time.Millisecond)
	c.Lock()
	defer c.Unlock()
	frame := func() {
		b.out.DamageAll()
		b.frame()
		if !b.loop.pending.valid {
			panic("no flip pending after a damaged frame")
		}
		b.event(<-b.loop.events)
	}
	for range 3 {
		frame()
	}
	if n := testing.AllocsPerRun(20, frame); n != 0 {
		t.Errorf("a steady-state composited frame with its page flip allocates %v times, want 0", n)
	}
}

// TestSteadyStatePlanesAllocateNothing measures frames with a client
// dma-buf on an overlay plane and the cursor on the cursor plane: a
// pointer motion (assignment, TEST_ONLY, a commit that moves the cursor,
// its page-flip event) and a frame that also re-renders the composited
// background.
func TestSteadyStatePlanesAllocateNothing(t *testing.T) {
	card := testenv.RequireDRMCard(t, "vkms")
	testenv.RequireHeap(t, "system")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	b, err := Open(context.Background(), &Options{Device: card, Log: t.Logf, NoHotplug: true, NegotiationBudget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	c, err := compositor.New(&compositor.Options{Protocol: &protocol.Options{DMABUF: b.Feedback()}})
	if err != nil {
		t.Fatal(err)
	}
	// cleanups run last-registered first: the client stops before the
	// compositor and the backend close
	t.Cleanup(func() { c.Close() })
	if err := b.Attach(c); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listen("wayland-alloc"); err != nil {
		t.Fatal(err)
	}
	c.Do(func() { c.SetInputCapabilities(protocol.SeatPointer) })
	heap, err := dmaheap.Open("system", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer heap.Close()
	go func() {
		for {
			if err := b.dev.ReadEvents(b.loop.onEvent); err != nil {
				return
			}
		}
	}()
	pc := &PlaneClient{Width: 320, Height: 240, Frames: 2, Cursor: true, DMABuf: func(w, h int) (*allocator.Buffer, error) {
		return heap.Allocate(allocator.Request{Width: w, Height: h, Format: allocator.XRGB8888,
			Modifiers: []allocator.Modifier{allocator.ModifierLinear}, Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "planeclient"})
	}}
	pc.Start(t, "wayland-alloc")
	drive(t, b, c, "the window", func() bool { return pc.Drawn.Load() == 2 && b.loop.shown.ovl != [maxOverlays]planeUse{} })
	x, y := 0.0, 0.0
	c.Do(func() {
		bo := b.out.Bounds()
		x, y = float64(bo.Dx()/2), float64(bo.Dy()/2)
		c.PointerMotionAbsolute(b.out, x, y, 0)
	})
	drive(t, b, c, "the cursor plane", func() bool { return b.loop.shown.cur.on() })
	time.Sleep(100 * time.Millisecond)
	c.Lock()
	defer c.Unlock()
	step := 1.0
	flip := func() {
		b.frame()
		if !b.loop.pending.valid {
			panic("no flip pending after a change")
		}
		b.event(<-b.loop.events)
	}
	move := func() {
		x += step
		step = -step
		c.PointerMotionAbsolute(b.out, x, y, 0)
		flip()
	}
	redraw := func() {
		b.out.DamageAll()
		move()
	}
	for range 3 {
		move()
		redraw()
	}
	overlays, cursors := b.loop.overlayFrms, b.loop.cursorFrms
	if n := testing.AllocsPerRun(20, move); n != 0 {
		t.Errorf("a pointer motion with the window on an overlay and the cursor on its plane allocates %v times per frame, want 0", n)
	}
	if n := testing.AllocsPerRun(20, redraw); n != 0 {
		t.Errorf("a frame re-rendering the background under the overlay allocates %v times, want 0", n)
	}
	if b.loop.overlayFrms-overlays < 40 || b.loop.cursorFrms-cursors < 40 {
		t.Errorf("overlay frames %d, cursor plane frames %d during the measurement: want every frame to use both planes",
			b.loop.overlayFrms-overlays, b.loop.cursorFrms-cursors)
	}
}

// drive renders frames and feeds page-flip events to b until ready
// (called with c locked) holds and no flip is pending, or a minute passes.
func drive(t *testing.T, b *Backend, c *compositor.Compositor, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		c.Lock()
		b.frame()
		ok := ready() && !b.loop.pending.valid
		c.Unlock()
		if ok {
			return
		}
		select {
		case ev := <-b.loop.events:
			c.Lock()
			b.event(ev)
			c.Unlock()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
