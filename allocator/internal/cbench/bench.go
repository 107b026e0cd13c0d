package cbench

import (
	"flag"
	"os"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/testenv"
)

// Sizes are the benchmark resolutions.
var Sizes = []struct {
	Name string
	W, H int
}{{"1080p", 1920, 1080}, {"4K", 3840, 2160}}

// Touch writes one byte per page of mem: the first touch that faults the
// pages in.
func Touch(mem []byte) error {
	for o := 0; o < len(mem); o += 4096 {
		mem[o] = 1
	}
	return nil
}

// GoAlloc runs the Go side of an allocate+free (touch false) or
// allocate+map+first-touch+free (touch true) benchmark.
func GoAlloc(b *testing.B, a allocator.Allocator, req allocator.Request, touch bool) {
	b.Helper()
	for b.Loop() {
		buf, err := a.Allocate(req)
		if err != nil {
			b.Fatal(err)
		}
		if touch {
			if err := buf.Access(allocator.AccessWrite, Touch); err != nil {
				b.Fatal(err)
			}
		}
		if err := buf.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// Main is testenv.Main for packages with benchmarks: when benchmarks are
// requested (-test.bench) it runs without the descriptor tracing of the
// leak check, whose stack capture per descriptor would dominate the
// allocation benchmarks; tests always run with it.
func Main(m *testing.M, opts *testenv.Options) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	testenv.Main(m, opts)
}
