package dumb

import (
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/internal/testenv"
)

func benchAlloc(b *testing.B, touch bool) {
	path := testenv.RequireDRMCard(b, "vkms")
	for _, s := range cbench.Sizes {
		b.Run(s.Name, func(b *testing.B) {
			a, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			req := allocator.Request{Width: s.W, Height: s.H, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageCPUWrite}
			b.SetBytes(int64(s.W * s.H * 4))
			b.ReportAllocs()
			cbench.GoAlloc(b, a, req, touch)
			goTime := b.Elapsed()
			var raw int
			a.Device().FD().Control(func(n int) error { raw = n; return nil })
			cbench.Report(b, goTime, func(n int) (time.Duration, error) {
				return cbench.DumbLoop(raw, uint32(s.W), uint32(s.H), 32, n, touch)
			})
		})
	}
}

// BenchmarkAllocFree: CREATE_DUMB, PRIME export, DESTROY_DUMB, close.
func BenchmarkAllocFree(b *testing.B) { benchAlloc(b, false) }

// BenchmarkAllocMapTouch: as AllocFree plus map and first touch of every
// page inside the SYNC bracket.
func BenchmarkAllocMapTouch(b *testing.B) { benchAlloc(b, true) }
