package monoclock

import (
	"time"

	"golang.org/x/sys/unix"
)

var (
	anchor time.Time     // a Go reading with a monotonic part
	base   time.Duration // CLOCK_MONOTONIC at anchor
)

func init() {
	best := time.Duration(-1)
	for range 5 { // keep the tightest bracket
		t1 := time.Now()
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			panic("monoclock: clock_gettime(CLOCK_MONOTONIC): " + err.Error())
		}
		t2 := time.Now()
		gap := t2.Sub(t1)
		if best < 0 || gap < best {
			best = gap
			anchor = t1
			base = time.Duration(ts.Nano()) - gap/2
		}
	}
}

// Now returns the current CLOCK_MONOTONIC time. It makes no system call
// and allocates nothing.
func Now() time.Duration { return base + time.Since(anchor) }
