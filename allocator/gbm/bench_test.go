//go:build gbm && cgo

package gbm

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/internal/testenv"
)

func benchAlloc(b *testing.B, touch bool) {
	path := testenv.RequireDRMCard(b, "vkms")
	for _, s := range cbench.Sizes {
		b.Run(s.Name, func(b *testing.B) {
			a, err := Open(path, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			req := allocator.Request{Width: s.W, Height: s.H, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageRender | allocator.UsageCPUWrite}
			b.SetBytes(int64(s.W * s.H * 4))
			b.ReportAllocs()
			cbench.GoAlloc(b, a, req, touch)
			goTime := b.Elapsed()
			raw, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer unix.Close(raw)
			flags := uint32(usageFlags(req.Usage))
			cbench.Report(b, goTime, func(n int) (time.Duration, error) {
				return cbench.GBMLoop(raw, uint32(s.W), uint32(s.H), uint32(req.Format), flags, n, touch)
			})
		})
	}
}

// BenchmarkAllocFree: gbm_bo_create, export, destroy, close.
func BenchmarkAllocFree(b *testing.B) { benchAlloc(b, false) }

// BenchmarkAllocMapTouch: as AllocFree plus map and first touch inside
// the SYNC bracket.
func BenchmarkAllocMapTouch(b *testing.B) { benchAlloc(b, true) }
