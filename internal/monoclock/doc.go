// Package monoclock reads CLOCK_MONOTONIC, the clock Wayland's
// presentation-time and frame callbacks use and the clock of the kernel's
// input and page-flip timestamps, without a system call.
//
// unix.ClockGettime is a real system call (x/sys does not use the vDSO),
// and every system call wakes the Go runtime's monitor thread when the
// process was idle; a compositor reads the clock on every frame. Go's own
// monotonic clock is CLOCK_MONOTONIC read through the vDSO, but it is
// exposed only as differences (time.Since). Now adds such a difference to
// one CLOCK_MONOTONIC reading taken at start-up, bracketed by two Go
// readings so the error is at most half their gap (well under a
// microsecond).
//
// Timer is a CLOCK_MONOTONIC deadline on a timerfd, waited for on Go's
// poller, for frame clocks (see its documentation for why not a Go timer).
package monoclock
