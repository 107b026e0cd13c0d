package udmabuf

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/internal/testenv"
)

func benchAlloc(b *testing.B, touch bool) {
	testenv.RequireFile(b, Path)
	for _, s := range cbench.Sizes {
		b.Run(s.Name, func(b *testing.B) {
			a, err := Open(nil)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			req := allocator.Request{Width: s.W, Height: s.H, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "scanout bench"}
			l, _ := allocator.ComputeLayout(s.W, s.H, req.Format, allocator.DefaultAlignment)
			b.SetBytes(int64(l.Size))
			b.ReportAllocs()
			cbench.GoAlloc(b, a, req, touch)
			goTime := b.Elapsed()
			raw, err := unix.Open(Path, unix.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(raw)
			cbench.Report(b, goTime, func(n int) (time.Duration, error) { return cbench.UdmabufLoop(raw, l.Size, n, touch) })
		})
	}
}

// BenchmarkAllocFree: memfd, seal, UDMABUF_CREATE, close.
func BenchmarkAllocFree(b *testing.B) { benchAlloc(b, false) }

// BenchmarkAllocMapTouch: as AllocFree plus map and first touch of every
// page inside the SYNC bracket.
func BenchmarkAllocMapTouch(b *testing.B) { benchAlloc(b, true) }
