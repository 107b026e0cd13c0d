package protocol

import (
	"runtime"
	"testing"
	"time"

	"github.com/go-scanout/scanout/internal/testenv"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wl"
)

// TestSoakConnectCommitDisconnect runs 10000 (1000 with -short) cycles of
// connect, create a surface and an shm buffer, attach, commit, disconnect,
// and asserts that descriptors, goroutines and heap return to their
// baseline.
func TestSoakConnectCommitDisconnect(t *testing.T) {
	cycles := 10000
	if testing.Short() || testenv.InVM() { // TCG emulation is ~10x slower
		cycles = 1000
	}
	ts := newTestServer(t, nil)
	fd := memfd(t, 64*64*4)
	cycle := func() {
		c, err := tc.Dial(ts.dir + "/" + ts.name)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		reg, err := c.Registry()
		if err != nil {
			t.Fatal(err)
		}
		comp, _ := c.Bind(reg, wl.CompositorInterface, 5)
		shm, _ := c.Bind(reg, wl.ShmInterface, 1)
		pool := c.NewID(nil)
		c.Send(shm, wl.ShmRequestCreatePool, tc.NewObj{ID: pool}, tc.FD(fd), int32(64*64*4))
		buf := c.NewID(nil)
		c.Send(pool, wl.ShmPoolRequestCreateBuffer, tc.NewObj{ID: buf}, int32(0), int32(64), int32(64), int32(256), wl.ShmFormatXrgb8888)
		surf := c.NewID(nil)
		c.Send(comp, wl.CompositorRequestCreateSurface, tc.NewObj{ID: surf})
		c.Send(surf, wl.SurfaceRequestAttach, buf, int32(0), int32(0))
		c.Send(surf, wl.SurfaceRequestDamageBuffer, int32(0), int32(0), int32(64), int32(64))
		c.Send(surf, wl.SurfaceRequestFrame, tc.NewObj{ID: c.NewID(nil)})
		c.Send(surf, wl.SurfaceRequestCommit)
		if err := c.Roundtrip(); err != nil {
			t.Fatal(err)
		}
	}
	settle := func() {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			n := 0
			ts.s.Do(func() { n = len(ts.s.d.Clients()) })
			if n == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		runtime.GC()
	}
	for i := 0; i < 100; i++ { // warm up caches and pools
		cycle()
	}
	settle()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	g0, f0 := runtime.NumGoroutine(), countFDs(t)
	start := time.Now()
	for i := 0; i < cycles; i++ {
		cycle()
	}
	elapsed := time.Since(start)
	settle()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	g1, f1 := runtime.NumGoroutine(), countFDs(t)
	t.Logf("%d cycles in %v (%v each); goroutines %d -> %d; fds %d -> %d; heap %d KiB -> %d KiB",
		cycles, elapsed, elapsed/time.Duration(cycles), g0, g1, f0, f1, m0.HeapAlloc>>10, m1.HeapAlloc>>10)
	if f1 > f0 {
		t.Errorf("descriptors grew from %d to %d over %d cycles", f0, f1, cycles)
	}
	if g1 > g0+2 {
		t.Errorf("goroutines grew from %d to %d over %d cycles", g0, g1, cycles)
	}
	if grow := int64(m1.HeapAlloc) - int64(m0.HeapAlloc); grow > 4<<20 {
		t.Errorf("heap grew by %d KiB over %d cycles", grow>>10, cycles)
	}
	ts.s.Do(func() {
		if n := len(ts.s.surfaces); n != 0 {
			t.Errorf("%d surfaces survive their clients", n)
		}
	})
}
