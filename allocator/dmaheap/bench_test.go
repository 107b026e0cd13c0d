package dmaheap

import (
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/internal/testenv"
)

func benchHeaps(b *testing.B) []string {
	sys := testenv.RequireHeap(b, "system")
	cma := testenv.RequireHeap(b, testenv.CMAHeapNames...)
	return []string{filepath.Base(sys), filepath.Base(cma)}
}

func benchAlloc(b *testing.B, touch bool) {
	for _, name := range benchHeaps(b) {
		for _, s := range cbench.Sizes {
			b.Run(name+"/"+s.Name, func(b *testing.B) {
				h, err := Open(name, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer h.Close()
				req := allocator.Request{Width: s.W, Height: s.H, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "scanout bench"}
				l, _ := allocator.ComputeLayout(s.W, s.H, req.Format, allocator.DefaultAlignment)
				b.SetBytes(int64(l.Size))
				b.ReportAllocs()
				cbench.GoAlloc(b, h, req, touch)
				goTime := b.Elapsed()
				raw, err := unix.Open(Dir+"/"+name, unix.O_RDWR|unix.O_CLOEXEC, 0)
				if err != nil {
					b.Fatal(err)
				}
				defer unix.Close(raw)
				cbench.Report(b, goTime, func(n int) (time.Duration, error) { return cbench.HeapLoop(raw, l.Size, n, touch) })
			})
		}
	}
}

// BenchmarkAllocFree: allocate one XRGB8888 buffer and close it.
func BenchmarkAllocFree(b *testing.B) { benchAlloc(b, false) }

// BenchmarkAllocMapTouch: allocate, map, write one byte per page inside
// the SYNC bracket, unmap and close.
func BenchmarkAllocMapTouch(b *testing.B) { benchAlloc(b, true) }

// BenchmarkAccessBracket: one Access on a mapped buffer: the
// DMA_BUF_IOCTL_SYNC START/END pair and the bookkeeping around it.
func BenchmarkAccessBracket(b *testing.B) {
	testenv.RequireHeap(b, "system")
	h, err := Open("system", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	buf, err := h.Allocate(allocator.Request{Width: 1920, Height: 1080, Format: allocator.XRGB8888, Usage: allocator.UsageCPU})
	if err != nil {
		b.Fatal(err)
	}
	defer buf.Close()
	noop := func([]byte) error { return nil }
	buf.Access(allocator.AccessReadWrite, noop) // map once
	b.ReportAllocs()
	for b.Loop() {
		if err := buf.Access(allocator.AccessReadWrite, noop); err != nil {
			b.Fatal(err)
		}
	}
	goTime := b.Elapsed()
	var raw int
	buf.Planes[0].FD.Control(func(n int) error { raw = n; return nil })
	cbench.Report(b, goTime, func(n int) (time.Duration, error) { return cbench.SyncLoop(raw, n) })
}
