package fd

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrClosed is returned by operations on an FD after Close or Disown.
var ErrClosed = errors.New("file descriptor already closed")

// FD is an owned file descriptor. The zero value is not usable; create FDs
// with Open or New. See the package documentation for ownership rules.
type FD struct {
	file   *os.File
	raw    syscall.RawConn
	name   string
	closed atomic.Bool
	id     uint64 // trace id, 0 when not traced
}

// Open opens path with flags (O_CLOEXEC is always added) and returns the
// owned descriptor. Errors are *os.PathError values naming the path, so
// errors.Is(err, unix.EACCES) works.
func Open(path string, flags int) (*FD, error) {
	for {
		n, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return New(n, path)
	}
}

// New takes ownership of the raw descriptor n. name describes it in errors.
// On error n has been closed.
func New(n int, name string) (*FD, error) {
	if n < 0 {
		return nil, fmt.Errorf("fd: New(%d, %q): invalid descriptor", n, name)
	}
	f := os.NewFile(uintptr(n), name)
	if f == nil {
		unix.Close(n)
		return nil, fmt.Errorf("fd: New(%d, %q): invalid descriptor", n, name)
	}
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fd: %s: %w", name, err)
	}
	d := &FD{file: f, raw: raw, name: name}
	track(d)
	return d, nil
}

// Name returns the description given at creation.
func (d *FD) Name() string { return d.name }

// String implements fmt.Stringer.
func (d *FD) String() string {
	if d == nil {
		return "<nil fd>"
	}
	return d.name
}

// Control runs fn with the raw descriptor, which stays open until fn
// returns even if Close is called concurrently. It returns ErrClosed after
// Close.
func (d *FD) Control(fn func(fd int) error) error {
	if d == nil || d.closed.Load() {
		return ErrClosed
	}
	var ferr error
	err := d.raw.Control(func(fd uintptr) { ferr = fn(int(fd)) })
	if err != nil {
		if d.closed.Load() || errors.Is(err, os.ErrClosed) {
			return ErrClosed
		}
		return err
	}
	return ferr
}

// Read calls fn with the raw descriptor until fn reports done. When fn
// reports not done (typically after EAGAIN on a non-blocking descriptor),
// Read parks the goroutine on Go's poller until the descriptor is readable.
// Close makes a blocked Read return ErrClosed.
func (d *FD) Read(fn func(fd int) (done bool)) error {
	if d == nil || d.closed.Load() {
		return ErrClosed
	}
	err := d.raw.Read(func(fd uintptr) bool { return fn(int(fd)) })
	if err != nil && (d.closed.Load() || errors.Is(err, os.ErrClosed)) {
		// The poller reports a concurrent Close as "use of closed file".
		return ErrClosed
	}
	return err
}

// SetNonblock switches the descriptor to non-blocking mode and registers it
// with the runtime poller when the kernel supports polling it. Read needs
// this to wait without blocking a thread. Call it right after creating the
// FD, before it is shared between goroutines.
func (d *FD) SetNonblock() error {
	if d.closed.Load() {
		return ErrClosed
	}
	// Re-wrapping through os.NewFile is how a descriptor joins the poller;
	// keep the old *os.File from closing the number.
	var n int
	if err := d.Control(func(fd int) error { n = fd; return unix.SetNonblock(fd, true) }); err != nil {
		return fmt.Errorf("fd: set non-blocking on %s: %w", d.name, err)
	}
	nd, err := unix.FcntlInt(uintptr(n), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("fd: dup %s: %w", d.name, err)
	}
	nf := os.NewFile(uintptr(nd), d.name)
	raw, err := nf.SyscallConn()
	if err != nil {
		nf.Close()
		return err
	}
	old := d.file
	d.file, d.raw = nf, raw
	return old.Close()
}

// Dup returns a new, independently owned descriptor for the same open file
// (F_DUPFD_CLOEXEC). Use it to hand a buffer to another consumer.
func (d *FD) Dup() (*FD, error) {
	var nd int
	err := d.Control(func(fd int) error {
		var err error
		nd, err = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fd: dup %s: %w", d.name, err)
	}
	return New(nd, d.name)
}

// Disown gives up ownership and returns the raw descriptor, which the caller
// must close. The FD is closed afterwards as far as its methods are concerned.
func (d *FD) Disown() (int, error) {
	if d == nil || !d.closed.CompareAndSwap(false, true) {
		return -1, ErrClosed
	}
	untrack(d)
	// Duplicate first so the number handed out stays valid after the
	// *os.File (which must be closed to leave the poller) is closed.
	var nd int
	err := d.raw.Control(func(fd uintptr) {
		var e error
		nd, e = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
		if e != nil {
			nd = -1
		}
	})
	d.file.Close()
	if err != nil || nd < 0 {
		return -1, fmt.Errorf("fd: disown %s: dup failed", d.name)
	}
	return nd, nil
}

// Close closes the descriptor. It is idempotent: calls after the first
// return nil.
func (d *FD) Close() error {
	if d == nil || !d.closed.CompareAndSwap(false, true) {
		return nil
	}
	untrack(d)
	return d.file.Close()
}

// Closed reports whether Close or Disown has been called.
func (d *FD) Closed() bool { return d == nil || d.closed.Load() }

// Stat returns fstat(2) of the descriptor.
func (d *FD) Stat() (unix.Stat_t, error) {
	var st unix.Stat_t
	err := d.Control(func(fd int) error { return unix.Fstat(fd, &st) })
	return st, err
}

// Tracing.

var (
	traceOn  atomic.Bool
	traceMu  sync.Mutex
	traceSeq uint64
	traced   = map[uint64]*traceEntry{}
)

type traceEntry struct {
	fd    *FD
	stack string
}

// Trace turns on creation tracing for FDs created from now on. While
// tracing, open FDs are also kept reachable so that a leak is always
// observed, never hidden by a finalizer.
func Trace() { traceOn.Store(true) }

// Leak describes an FD created while tracing was on and not yet closed.
type Leak struct {
	Num   int    // the raw descriptor number, -1 if unknown
	Name  string // the name given at creation
	Stack string // where it was created
}

// Live returns the traced FDs that are still open.
func Live() []Leak {
	traceMu.Lock()
	defer traceMu.Unlock()
	var out []Leak
	for _, e := range traced {
		n := -1
		e.fd.raw.Control(func(fd uintptr) { n = int(fd) })
		out = append(out, Leak{Num: n, Name: e.fd.name, Stack: e.stack})
	}
	return out
}

func track(d *FD) {
	if !traceOn.Load() {
		return
	}
	buf := make([]byte, 4096)
	buf = buf[:runtime.Stack(buf, false)]
	traceMu.Lock()
	traceSeq++
	d.id = traceSeq
	traced[d.id] = &traceEntry{fd: d, stack: string(buf)}
	traceMu.Unlock()
}

func untrack(d *FD) {
	if d.id == 0 {
		return
	}
	traceMu.Lock()
	delete(traced, d.id)
	traceMu.Unlock()
}
