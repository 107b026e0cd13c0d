package headless_test

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/go-scanout/scanout/backend/headless"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/compositor/democlient"
)

// start runs a compositor with one headless output and returns it.
func start(t *testing.T, oc headless.OutputConfig, det bool) (*compositor.Compositor, *headless.Backend, string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b, err := headless.New(c, &headless.Options{Outputs: []headless.OutputConfig{oc}, Deterministic: det, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	if _, err := c.Listen("wayland-test"); err != nil {
		t.Fatal(err)
	}
	return c, b, "wayland-test"
}

func TestGoClientFrameMatchesItsPattern(t *testing.T) {
	c, b, sock := start(t, headless.OutputConfig{Width: 320, Height: 240}, true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { _, err := democlient.Run(ctx, democlient.Options{Socket: sock, Frames: 10}); errc <- err }()
	img, err := b.Outputs()[0].CaptureWhen(ctx, func() bool {
		t := c.Toplevel()
		return t != nil && t.Commits() >= 6 // initial commit + 5 buffers: frame 4
	})
	if err != nil {
		t.Fatal(err)
	}
	want := democlient.Pattern(320, 240, 4)
	if d := compare(img, want, 0); d != "" {
		t.Fatal(d)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	st := c.Stats().Snapshot()
	t.Logf("%v", st)
	if st.Composited == 0 || st.BytesCopied == 0 {
		t.Errorf("counters %v: want composited frames and copied bytes", st)
	}
}

// TestSteadyStateFrameAllocatesNothing measures one frame of an output
// showing a client's shm buffer (full repaint, presentation, frame
// completion) once the caches are warm.
func TestSteadyStateFrameAllocatesNothing(t *testing.T) {
	c, b, sock := startIdle(t, headless.OutputConfig{Width: 320, Height: 240})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { democlient.Run(ctx, democlient.Options{Socket: sock, Frames: 3, Hold: true}); close(done) }()
	defer func() { cancel(); <-done }()
	o := b.Outputs()[0]
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.Lock()
		o.Frame()
		t := c.Toplevel()
		ready := t != nil && t.Commits() >= 4
		c.Unlock()
		if ready {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			panic("the client did not draw 3 frames in 10s")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the client settle into Hold
	c.Lock()
	defer c.Unlock()
	out := o.Compositor()
	frame := func() {
		out.DamageAll()
		if !o.Frame() {
			panic("no frame")
		}
	}
	for range 5 {
		frame()
	}
	if n := testing.AllocsPerRun(100, frame); n != 0 {
		t.Errorf("a steady-state frame allocates %v times, want 0", n)
	}
}

// startIdle is start without the frame loop: the test drives frames.
func startIdle(t *testing.T, oc headless.OutputConfig) (*compositor.Compositor, *headless.Backend, string) {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b, err := headless.New(c, &headless.Options{Outputs: []headless.OutputConfig{oc}, Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Listen("wayland-idle"); err != nil {
		t.Fatal(err)
	}
	return c, b, "wayland-idle"
}

// BenchmarkFrame measures one frame of a 640x480 output showing a
// 640x480 shm client: full repaint (the client's whole buffer copied) or
// the client's usual damage (its moving square), presentation included.
func BenchmarkFrame(b *testing.B) {
	for _, bc := range []struct {
		name string
		full bool
	}{{"full-640x480", true}, {"square-damage", false}} {
		b.Run(bc.name, func(b *testing.B) {
			c, hb, sock := startIdleB(b, headless.OutputConfig{Width: 640, Height: 480})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { democlient.Run(ctx, democlient.Options{Socket: sock, Frames: 3, Hold: true}); close(done) }()
			defer func() { cancel(); <-done }()
			o := hb.Outputs()[0]
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
				c.Lock()
				o.Frame()
				tl := c.Toplevel()
				ready := tl != nil && tl.Commits() >= 4
				c.Unlock()
				if ready {
					break
				}
				if time.Now().After(deadline) {
					b.Fatal("the client did not draw 3 frames in 10s")
				}
			}
			time.Sleep(50 * time.Millisecond)
			c.Lock()
			defer c.Unlock()
			out := o.Compositor()
			sq := image.Rect(100, 200, 204, 296)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if bc.full {
					out.DamageAll()
				} else {
					out.AddDamage(sq)
				}
				o.Frame()
			}
			b.StopTimer()
			px := 640 * 480
			if !bc.full {
				px = sq.Dx() * sq.Dy() * 2 // two buffers of age 2
			}
			b.SetBytes(int64(px * 4))
		})
	}
}

func startIdleB(b *testing.B, oc headless.OutputConfig) (*compositor.Compositor, *headless.Backend, string) {
	b.Helper()
	dir := b.TempDir()
	b.Setenv("XDG_RUNTIME_DIR", dir)
	c, err := compositor.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	hb, err := headless.New(c, &headless.Options{Outputs: []headless.OutputConfig{oc}, Deterministic: true})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Listen("wayland-bench"); err != nil {
		b.Fatal(err)
	}
	return c, hb, "wayland-bench"
}
