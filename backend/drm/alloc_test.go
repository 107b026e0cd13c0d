package drm

import (
	"context"
	"testing"
	"time"

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
	deadline := time.Now().Add(time.Minute)
	for {
		c.Lock()
		b.frame()
		tl := c.Toplevel()
		ready := tl != nil && tl.Commits() >= 4 && !b.loop.pending.valid
		c.Unlock()
		if ready {
			break
		}
		select {
		case ev := <-b.loop.events:
			c.Lock()
			b.event(ev)
			c.Unlock()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the client did not draw 3 frames")
		}
	}
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
