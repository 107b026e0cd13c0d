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
//
// Control holds a read lock for the duration of its callback and Close
// takes the write lock, so the number is never closed (and reused) under an
// ioctl in flight; neither allocates. Descriptors that are waited on
// (SetNonblock, Read) are also wrapped in an *os.File to use Go's poller.
type FD struct {
	mu     sync.RWMutex
	num    int // the descriptor; valid while !closed
	closed atomic.Bool
	name   string

	file *os.File        // set by SetNonblock; owns num from then on
	raw  syscall.RawConn // file's RawConn, for Read

	// Read hands raw.Read one adapter made in SetNonblock, so waiting for
	// events allocates nothing; readMu lets one reader use it at a time.
	readMu  sync.Mutex
	readFn  func(fd int) bool
	adapter func(fd uintptr) bool

	cleanup runtime.Cleanup // closes num if the FD is dropped unclosed
	id      uint64          // trace id, 0 when not traced
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
func New(n int, name string) (*FD, error) {
	if n < 0 {
		return nil, fmt.Errorf("fd: New(%d, %q): invalid descriptor", n, name)
	}
	d := &FD{num: n, name: name}
	// A backstop, not a way of managing descriptors: an FD dropped without
	// Close still gives its number back. Tracing keeps FDs reachable, so
	// the leak check sees every leak.
	d.cleanup = runtime.AddCleanup(d, closeRaw, n)
	track(d)
	return d, nil
}

func closeRaw(n int) { unix.Close(n) }

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
// returns even if Close is called concurrently (Close waits). It returns
// ErrClosed after Close. It does not allocate.
func (d *FD) Control(fn func(fd int) error) error {
	if d == nil {
		return ErrClosed
	}
	d.mu.RLock()
	if d.closed.Load() {
		d.mu.RUnlock()
		return ErrClosed
	}
	err := fn(d.num)
	d.mu.RUnlock()
	return err
}

// Read calls fn with the raw descriptor until fn reports done. When fn
// reports not done (typically after EAGAIN), Read parks the goroutine on
// Go's poller until the descriptor is readable. SetNonblock must have been
// called. Close makes a blocked Read return ErrClosed. Concurrent Reads
// take turns. Read allocates nothing when fn is a func value made once
// (not a new closure per call).
func (d *FD) Read(fn func(fd int) (done bool)) error {
	if d == nil || d.closed.Load() {
		return ErrClosed
	}
	d.mu.RLock()
	raw, adapter := d.raw, d.adapter
	d.mu.RUnlock()
	if raw == nil {
		return fmt.Errorf("fd: Read on %s: not set up for polling (call SetNonblock first)", d.name)
	}
	d.readMu.Lock()
	d.readFn = fn
	err := raw.Read(adapter)
	d.readFn = nil
	d.readMu.Unlock()
	if err != nil && (d.closed.Load() || errors.Is(err, os.ErrClosed)) {
		// The poller reports a concurrent Close as "use of closed file".
		return ErrClosed
	}
	return err
}

// SetNonblock switches the descriptor to non-blocking mode and registers it
// with the runtime poller when the kernel supports polling it. Read needs
// this to wait without blocking a thread.
func (d *FD) SetNonblock() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed.Load() {
		return ErrClosed
	}
	if d.file != nil {
		return nil
	}
	if err := unix.SetNonblock(d.num, true); err != nil {
		return fmt.Errorf("fd: set non-blocking on %s: %w", d.name, err)
	}
	// From here the *os.File owns the number; the cleanup must not close
	// it a second time.
	f := os.NewFile(uintptr(d.num), d.name)
	raw, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("fd: %s: %w", d.name, err)
	}
	d.cleanup.Stop()
	d.file, d.raw = f, raw
	d.adapter = func(fd uintptr) bool { return d.readFn(int(fd)) }
	return nil
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
	if d == nil {
		return -1, ErrClosed
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed.CompareAndSwap(false, true) {
		return -1, ErrClosed
	}
	untrack(d)
	if d.file == nil {
		d.cleanup.Stop()
		return d.num, nil
	}
	// An *os.File cannot give its number away: hand out a duplicate and
	// close the file, which also takes it out of the poller.
	nd, err := unix.FcntlInt(uintptr(d.num), unix.F_DUPFD_CLOEXEC, 0)
	d.file.Close()
	if err != nil {
		return -1, fmt.Errorf("fd: disown %s: %w", d.name, err)
	}
	return nd, nil
}

// Close closes the descriptor. It is idempotent: calls after the first
// return nil. It waits for Control callbacks in flight and unblocks Read.
func (d *FD) Close() error {
	if d == nil || d.closed.Load() {
		return nil
	}
	// Closing a polled file first unblocks readers, which do not hold the
	// lock while they wait.
	d.mu.RLock()
	f := d.file
	d.mu.RUnlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed.CompareAndSwap(false, true) {
		return nil
	}
	untrack(d)
	if f != nil {
		return f.Close()
	}
	d.cleanup.Stop()
	return unix.Close(d.num)
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
		e.fd.Control(func(fd int) error { n = fd; return nil })
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
