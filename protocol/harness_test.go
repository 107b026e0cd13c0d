package protocol

import (
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// testServer is a server on a private XDG_RUNTIME_DIR with a headless
// output driver: every period it completes a frame (frame callbacks,
// presentation feedback), as a real backend's page flip would.
type testServer struct {
	t    testing.TB
	s    *Server
	dir  string
	name string
	out  *Output
	stop chan struct{}
	done sync.WaitGroup

	mu    sync.Mutex // guards the counters (written under the server lock)
	stats map[int32]*clientStats
}

// clientStats is what one client (by pid) did.
type clientStats struct {
	commits       int
	bufferCommits int
	shmCommits    int
	mapped        int
	framesDone    int
	presented     int
	titles        []string
	pixelSum      int // keeps the pixel reads from being optimised away
}

var testFeedback = &DMABUFFeedback{
	MainDevice: unix.Mkdev(226, 128),
	Tranches: []DMABUFTranche{
		{TargetDevice: unix.Mkdev(226, 0), Scanout: true, Formats: []FormatModifier{{allocator.XRGB8888, allocator.ModifierLinear}}},
		{TargetDevice: unix.Mkdev(226, 128), Formats: []FormatModifier{
			{allocator.XRGB8888, allocator.ModifierLinear}, {allocator.ARGB8888, allocator.ModifierLinear},
			{allocator.NV12, allocator.ModifierLinear}, {allocator.XRGB8888, allocator.ModifierInvalid}}},
	},
}

func newTestServer(t testing.TB, opts *Options) *testServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "wl")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, dir: dir, name: "wayland-test", stop: make(chan struct{}), stats: map[int32]*clientStats{}}
	if opts == nil {
		opts = &Options{DMABUF: testFeedback, SHMFormats: []allocator.Format{allocator.RGB565, allocator.XBGR8888, allocator.ABGR8888}}
	}
	o := *opts
	o.Hooks.SurfaceCommitted = func(x *Surface) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		st := ts.client(x)
		st.commits++
		if b := x.Buffer(); b != nil {
			st.bufferCommits++
			if b.Kind() == SHMBuffer {
				// read the pixels as a renderer would: exercises the fault guard
				b.AccessSHM(func(p []byte, stride int) {
					var sum byte
					for i := 0; i < len(p); i += 4096 {
						sum += p[i]
					}
					st.pixelSum += int(sum)
				})
				st.shmCommits++
			}
		}
	}
	o.Hooks.SurfaceMapped = func(x *Surface) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		st := ts.client(x)
		st.mapped++
		st.titles = append(st.titles, x.Title())
	}
	if testing.Verbose() && os.Getenv("WL_LOG") != "" {
		o.Log = t.Logf
	}
	s, err := NewServer(&o)
	if err != nil {
		t.Fatal(err)
	}
	ts.s = s
	s.Do(func() {
		ts.out = s.AddOutput(OutputConfig{Name: "HEADLESS-1", Description: "scanout test output", Width: 640, Height: 480, RefreshMilliHz: 60000})
	})
	if _, err := s.Listen(dir + "/" + ts.name); err != nil {
		t.Fatal(err)
	}
	ts.done.Add(1)
	go ts.drive(16 * time.Millisecond)
	t.Cleanup(ts.close)
	return ts
}

// client returns the counters of x's client; ts.mu must be held.
func (ts *testServer) client(x *Surface) *clientStats {
	pid, _, _ := x.Client().Credentials()
	st := ts.stats[pid]
	if st == nil {
		st = &clientStats{}
		ts.stats[pid] = st
	}
	return st
}

// drive is the headless output: a frame every period.
func (ts *testServer) drive(period time.Duration) {
	defer ts.done.Done()
	tick := time.NewTicker(period)
	defer tick.Stop()
	var seq uint64
	for {
		select {
		case <-ts.stop:
			return
		case <-tick.C:
		}
		seq++
		now := MonotonicNow()
		ts.s.Do(func() {
			ts.s.Latch(ts.out)
			ts.mu.Lock()
			for x := range ts.s.surfaces {
				st := ts.client(x)
				st.framesDone += x.PendingFrames()
				st.presented += len(x.latchedFeedbacks)
			}
			ts.mu.Unlock()
			ts.s.FrameDone(ts.out, now)
			ts.s.Presented(ts.out, Presentation{Time: now, Refresh: period, Seq: seq, Flags: PresentVSync})
			ts.s.PingClients(30 * time.Second) // generous: Mesa under TCG starts slowly
		})
	}
}

func (ts *testServer) close() {
	close(ts.stop)
	ts.done.Wait()
	ts.s.Close()
	os.RemoveAll(ts.dir)
}

func (ts *testServer) env() []string {
	return append(os.Environ(), "XDG_RUNTIME_DIR="+ts.dir, "WAYLAND_DISPLAY="+ts.name)
}

// statsFor returns a copy of the counters of pid.
func (ts *testServer) statsFor(pid int) clientStats {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if st := ts.stats[int32(pid)]; st != nil {
		return *st
	}
	return clientStats{}
}
