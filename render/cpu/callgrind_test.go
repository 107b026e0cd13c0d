package cpu

import (
	"image"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

// TestCallgrindDriver runs one 1080p operation CALLGRIND_N times when
// CALLGRIND_OP is set (over, rgb565, copy, bilinear, nearest, rotate90), for
// scripts/bench.d/40-render-cpu to count instructions per pixel under
// valgrind --tool=callgrind (two runs with different N; the difference
// divided by the extra pixels cancels set-up). Skipped otherwise.
func TestCallgrindDriver(t *testing.T) {
	op := os.Getenv("CALLGRIND_OP")
	if op == "" {
		t.Skip("CALLGRIND_OP not set")
	}
	n, _ := strconv.Atoi(os.Getenv("CALLGRIND_N"))
	var src, dst *Image
	blit := &Blit{Op: Src, Alpha: Opaque}
	switch op {
	case "over":
		src, dst = benchImage(allocator.ARGB8888, 1920, 1080), benchImage(allocator.XRGB8888, 1920, 1080)
		blit.Op = Over
	case "rgb565":
		src, dst = benchImage(allocator.RGB565, 1920, 1080), benchImage(allocator.XRGB8888, 1920, 1080)
	case "bilinear", "nearest":
		// 1280x720 scaled to the 1080p destination.
		src, dst = benchImage(allocator.ARGB8888, 1280, 720), benchImage(allocator.XRGB8888, 1920, 1080)
		blit.Dst = dst.Bounds()
		blit.Filter = Bilinear
		if op == "nearest" {
			blit.Filter = Nearest
		}
	case "rotate90":
		// A 1080x1920 portrait frame rotated into the 1080p destination.
		src, dst = benchImage(allocator.XRGB8888, 1080, 1920), benchImage(allocator.XRGB8888, 1920, 1080)
		blit.Transform = Rotate90
		blit.Filter = Nearest
	case "copy":
		src, dst = benchImage(allocator.XRGB8888, 1920, 1080), benchImage(allocator.XRGB8888, 1920, 1080)
	default:
		t.Fatalf("CALLGRIND_OP=%q: want over, rgb565, copy, bilinear, nearest or rotate90", op)
	}
	// No collection may run while Composite is measured: callgrind
	// would count the GC's background workers as Composite's. And the
	// goroutine stack must already be deep enough: a stack copy in the
	// middle confuses --toggle-collect, which then stops counting part of
	// the run. One call on an 8x8 damage rectangle (about 0.002% of the
	// count) grows it.
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	// One OS thread throughout: when a preempted goroutine resumes on
	// another thread, callgrind attributes some of its work elsewhere.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := Composite(dst, src, blit, []image.Rectangle{image.Rect(0, 0, 8, 8)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := Composite(dst, src, blit, nil); err != nil {
			t.Fatal(err)
		}
	}
}
