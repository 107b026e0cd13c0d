package shm

import (
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
)

func benchAlloc(b *testing.B, touch bool) {
	for _, s := range cbench.Sizes {
		b.Run(s.Name, func(b *testing.B) {
			a := New(nil)
			req := allocator.Request{Width: s.W, Height: s.H, Format: allocator.XRGB8888, Usage: allocator.UsageCPUWrite, Name: "scanout bench"}
			l, _ := allocator.ComputeLayout(s.W, s.H, req.Format, allocator.ShmAlignment)
			b.SetBytes(int64(l.Size))
			b.ReportAllocs()
			cbench.GoAlloc(b, a, req, touch)
			goTime := b.Elapsed()
			cbench.Report(b, goTime, func(n int) (time.Duration, error) { return cbench.ShmLoop(l.Size, n, touch) })
		})
	}
}

// BenchmarkAllocFree: sealed memfd of the buffer's size, closed.
func BenchmarkAllocFree(b *testing.B) { benchAlloc(b, false) }

// BenchmarkAllocMapTouch: as AllocFree plus map and first touch.
func BenchmarkAllocMapTouch(b *testing.B) { benchAlloc(b, true) }
