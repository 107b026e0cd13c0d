package allocator

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Sentinel is an error kind that matches both its meaning and its errno
// under errors.Is: errors.Is(ErrNoMemory, unix.ENOMEM) is true, and so is
// errors.Is(err, ErrNoMemory) for an *Error whose Kind is ErrNoMemory or
// whose cause is a kernel ENOMEM.
type Sentinel struct {
	msg   string
	errno unix.Errno
}

func (s *Sentinel) Error() string { return s.msg }

// Errno returns the errno the sentinel stands for.
func (s *Sentinel) Errno() unix.Errno { return s.errno }

// Is reports whether target is the sentinel's errno.
func (s *Sentinel) Is(target error) bool {
	e, ok := target.(unix.Errno)
	return ok && e == s.errno
}

// Sentinel errors. Every error the allocator packages return matches one
// of them under errors.Is.
var (
	// ErrInvalidRequest: the request itself is wrong (zero or overflowing
	// dimensions, too many planes, a bad name). No allocator can satisfy it.
	ErrInvalidRequest = &Sentinel{"invalid buffer request", unix.EINVAL}
	// ErrUnknownFormat: the format is not in scanout's table.
	ErrUnknownFormat = &Sentinel{"unknown pixel format", unix.EINVAL}
	// ErrUnsupportedFormat: this allocator cannot produce the format.
	ErrUnsupportedFormat = &Sentinel{"pixel format not supported by this allocator", unix.EOPNOTSUPP}
	// ErrUnsupportedModifier: this allocator cannot produce any of the
	// acceptable modifiers.
	ErrUnsupportedModifier = &Sentinel{"format modifier not supported by this allocator", unix.EOPNOTSUPP}
	// ErrUnsupportedUsage: this allocator's buffers cannot be used the way
	// the request asks (e.g. Contiguous from the system heap).
	ErrUnsupportedUsage = &Sentinel{"usage not supported by this allocator", unix.EOPNOTSUPP}
	// ErrNoMemory: the memory pool is exhausted (CMA runs out first).
	ErrNoMemory = &Sentinel{"out of buffer memory", unix.ENOMEM}
	// ErrPermission: the device exists but this process may not open it.
	ErrPermission = &Sentinel{"permission denied", unix.EACCES}
	// ErrNoDevice: the device or heap does not exist on this system.
	ErrNoDevice = &Sentinel{"no such device", unix.ENODEV}
	// ErrNotBuilt: the allocator was compiled out (GBM without -tags gbm).
	ErrNotBuilt = &Sentinel{"allocator not built into this binary", unix.EOPNOTSUPP}
	// ErrClosed: the buffer or allocator was closed.
	ErrClosed = &Sentinel{"buffer or allocator already closed", unix.EBADF}
	// ErrNoRoute: every candidate of a Policy refused the request.
	ErrNoRoute = &Sentinel{"no allocator could satisfy the request", unix.ENOMEM}
)

// Error is the error the allocators return. It names the operation, the
// route (allocator) and device, wraps the cause (often a *uapi.Error with
// the errno) and carries a hint when there is a known fix.
//
// errors.Is matches Kind (a Sentinel) and everything in Err's chain.
type Error struct {
	Op    string // "allocate", "map", "DMA_HEAP_IOCTL_ALLOC", ...
	Route string // "dmaheap:reserved", "udmabuf", ...
	Kind  error  // a Sentinel, or nil
	Err   error  // the cause, or nil
	Hint  string // the fix, when known
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Route != "" {
		b.WriteString(e.Route)
		b.WriteString(": ")
	}
	b.WriteString(e.Op)
	switch {
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	case e.Kind != nil:
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Hint != "" && !strings.Contains(b.String(), e.Hint) {
		b.WriteString("; fix: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Classify returns the Sentinel that matches err's errno (ENOMEM ->
// ErrNoMemory, EACCES/EPERM -> ErrPermission, ENOENT/ENODEV/ENXIO ->
// ErrNoDevice, EBADF -> ErrClosed), or nil.
func Classify(err error) error {
	var s *Sentinel
	if errors.As(err, &s) {
		return s
	}
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return nil
	}
	switch errno {
	case unix.ENOMEM:
		return ErrNoMemory
	case unix.EACCES, unix.EPERM:
		return ErrPermission
	case unix.ENOENT, unix.ENODEV, unix.ENXIO:
		return ErrNoDevice
	case unix.EBADF:
		return ErrClosed
	}
	return nil
}

// Wrap returns an *Error for op on route with cause err, its Kind
// classified from the errno. A nil err gives nil.
func Wrap(route, op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Route: route, Kind: Classify(err), Err: err}
}

// RequestError is a request refused before any system call was made. It
// matches Kind (ErrInvalidRequest, ErrUnknownFormat,
// ErrUnsupportedFormat, ErrUnsupportedModifier or ErrUnsupportedUsage)
// under errors.Is.
type RequestError struct {
	Route  string // the allocator that refused it, "" for the request itself
	Field  string // "width", "format", "modifiers", ...
	Reason string
	Kind   *Sentinel
}

func (e *RequestError) Error() string {
	s := ""
	if e.Route != "" {
		s = e.Route + ": "
	}
	return fmt.Sprintf("%s%s: %s: %s", s, e.Kind.msg, e.Field, e.Reason)
}

// Unwrap returns the kind.
func (e *RequestError) Unwrap() error { return e.Kind }
