package headless_test

import (
	"context"
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
