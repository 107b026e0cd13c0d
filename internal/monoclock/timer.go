package monoclock

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Timer is a one-shot CLOCK_MONOTONIC deadline on a timerfd, waited for
// on Go's network poller. A frame clock uses it instead of a Go timer:
// while any Go timer is pending, the runtime's poller sleeps in
// epoll_wait with a timeout, and every wake-up before that timeout (a
// client's message) arms and cancels a kernel hrtimer; measured on the
// headless frame loop that was about a fifth of the compositor's CPU
// time. A timerfd is one more descriptor in the same epoll set, armed
// once per frame, and deadlines are absolute, so a frame grid does not
// drift.
type Timer struct {
	f      *fd.FD
	buf    [8]byte
	spec   unix.ItimerSpec
	rerr   error
	armFn  func(int) error // method values made once: calls allocate nothing
	readFn func(int) bool
}

// NewTimer creates a disarmed timer.
func NewTimer() (*Timer, error) {
	n, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("monoclock: timerfd_create(CLOCK_MONOTONIC): %w", err)
	}
	f, err := fd.New(n, "frame timer (timerfd)")
	if err != nil {
		unix.Close(n)
		return nil, err
	}
	if err := f.SetNonblock(); err != nil {
		f.Close()
		return nil, err
	}
	t := &Timer{f: f}
	t.armFn, t.readFn = t.arm, t.read
	return t, nil
}

// ArmAt sets the timer to expire at the CLOCK_MONOTONIC time at (Now's
// clock); a time in the past expires at once. It allocates nothing.
func (t *Timer) ArmAt(at time.Duration) error {
	if at <= 0 {
		at = 1 // 0 would disarm
	}
	t.spec = unix.ItimerSpec{Value: unix.NsecToTimespec(int64(at))}
	return t.f.Control(t.armFn)
}

// arm is ArmAt's callback (x/sys makes timerfd_settime a raw system call:
// it cannot block).
func (t *Timer) arm(n int) error { return unix.TimerfdSettime(n, unix.TFD_TIMER_ABSTIME, &t.spec, nil) }

// Wait blocks until the armed deadline has passed. After Close it returns
// an error wrapping fd.ErrClosed (Close from another goroutine unblocks
// it). It allocates nothing.
func (t *Timer) Wait() error {
	t.rerr = nil
	if err := t.f.Read(t.readFn); err != nil {
		return err
	}
	if t.rerr != nil {
		return fmt.Errorf("monoclock: read timerfd: %w", t.rerr)
	}
	return nil
}

func (t *Timer) read(n int) bool {
	_, t.rerr = uapi.ReadNonblock(n, t.buf[:])
	return t.rerr != unix.EAGAIN
}

// Close releases the timer and unblocks a Wait.
func (t *Timer) Close() error { return t.f.Close() }
