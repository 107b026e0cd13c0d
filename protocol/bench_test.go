package protocol

import (
	"testing"
	"time"

	"github.com/go-scanout/scanout/protocol/core"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

// serverClient returns the server side of the only client of ts.
func serverClient(tb testing.TB, ts *testServer) *core.Client {
	var c *core.Client
	ts.s.Do(func() {
		for _, x := range ts.s.d.Clients() {
			c = x
		}
	})
	if c == nil {
		tb.Fatal("no client")
	}
	return c
}

func msgs(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// BenchmarkDispatch measures decode and dispatch of typical frame-path
// requests, without the socket: the cost per message and its allocations
// (0 in steady state).
func BenchmarkDispatch(b *testing.B) {
	ts := newTestServer(b, nil)
	h := dialHC(b, ts, 5)
	p, _ := h.pool(64 * 64 * 4)
	buf := h.buffer(p, 0, 64, 64, 256, wl.ShmFormatXrgb8888)
	s, xs, _, serial := h.toplevel()
	h.Send(xs, xdg.SurfaceRequestAckConfigure, serial)
	h.Send(s, wl.SurfaceRequestAttach, buf, 0, 0)
	h.Send(s, wl.SurfaceRequestCommit)
	if err := h.Roundtrip(); err != nil {
		b.Fatal(err)
	}
	close(ts.stop) // no frame driver: measure dispatch alone
	ts.done.Wait()
	ts.stop = make(chan struct{})
	ts.done.Add(1)
	go func() { defer ts.done.Done(); <-ts.stop }()
	ts.s.Do(func() { ts.s.opts.Hooks = Hooks{} }) // no test hooks on the measured path
	c := serverClient(b, ts)
	cases := []struct {
		name string
		msgs []byte
		n    int
	}{
		{"damage+commit", msgs(tc.Raw(s, wl.SurfaceRequestDamage, 0, 0, 64, 64), tc.Raw(s, wl.SurfaceRequestCommit)), 2},
		{"attach+damage_buffer+commit", msgs(tc.Raw(s, wl.SurfaceRequestAttach, buf, 0, 0),
			tc.Raw(s, wl.SurfaceRequestDamageBuffer, 0, 0, 64, 64), tc.Raw(s, wl.SurfaceRequestCommit)), 3},
		{"set_opaque_region(null)+commit", msgs(tc.Raw(s, wl.SurfaceRequestSetOpaqueRegion, 0), tc.Raw(s, wl.SurfaceRequestCommit)), 2},
	}
	for _, cs := range cases {
		b.Run(cs.name, func(b *testing.B) {
			ts.s.d.Lock()
			defer ts.s.d.Unlock()
			c.Inject(cs.msgs) // warm up
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.Inject(cs.msgs)
			}
			b.StopTimer()
			if !c.Alive() {
				b.Fatalf("client died: %v", c.Err())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cs.n), "ns/msg")
		})
	}
}

// BenchmarkSyncRoundtrip measures wl_display.sync round trips over the
// socket: client send, server dispatch, callback done, client receive.
func BenchmarkSyncRoundtrip(b *testing.B) {
	ts := newTestServer(b, nil)
	h := dialHC(b, ts, 5)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := h.Roundtrip(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/roundtrip")
}

// BenchmarkFrameCycle is one client frame as a toolkit sends it (attach,
// damage_buffer, frame, commit) followed by the backend's FrameDone. The
// wl_callback object the client creates is the one allocation per frame.
func BenchmarkFrameCycle(b *testing.B) {
	ts := newTestServer(b, nil)
	h := dialHC(b, ts, 5)
	p, _ := h.pool(64 * 64 * 4)
	buf := h.buffer(p, 0, 64, 64, 256, wl.ShmFormatXrgb8888)
	s := h.surface()
	if err := h.Roundtrip(); err != nil {
		b.Fatal(err)
	}
	close(ts.stop)
	ts.done.Wait()
	ts.stop = make(chan struct{})
	ts.done.Add(1)
	go func() { defer ts.done.Done(); <-ts.stop }()
	ts.s.Do(func() { ts.s.opts.Hooks = Hooks{} })
	c := serverClient(b, ts)
	// The callback takes the next free id; FrameDone destroys it, so the
	// same id is valid again in the next iteration (as in libwayland).
	cb := h.NewID(nil)
	frame := msgs(tc.Raw(s, wl.SurfaceRequestAttach, buf, 0, 0), tc.Raw(s, wl.SurfaceRequestDamageBuffer, 0, 0, 64, 64),
		tc.Raw(s, wl.SurfaceRequestFrame, cb), tc.Raw(s, wl.SurfaceRequestCommit))
	ts.s.d.Lock()
	defer ts.s.d.Unlock()
	x := ts.surfaceByID(s)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Inject(frame)
		x.Latch()
		x.FrameDone(uint32(i))
		if i%256 == 0 {
			ts.s.d.Unlock() // let the client side drain the events
			ts.s.d.Lock()
		}
	}
	b.StopTimer()
	if !c.Alive() {
		b.Fatalf("client died: %v", c.Err())
	}
}
