package uapi

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Error is the error returned by every ioctl in scanout. It names the
// operation, the device (or object) and the errno, and carries a hint when
// the cause has a common fix. Unwrap returns the errno, so
// errors.Is(err, unix.ENOMEM) works.
type Error struct {
	Op      string     // the ioctl, e.g. "DRM_IOCTL_MODE_ADDFB2"
	Device  string     // the device path or object description
	Objects string     // optional: the object ids involved, e.g. "plane 31, fb 40"
	Errno   unix.Errno // the kernel's answer
	Hint    string     // optional: what usually fixes it
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(" on ")
	b.WriteString(e.Device)
	if e.Objects != "" {
		b.WriteString(" (")
		b.WriteString(e.Objects)
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ": %s (%s)", e.Errno.Error(), errnoName(e.Errno))
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the errno.
func (e *Error) Unwrap() error { return e.Errno }

// WithHint returns err with hint set when err is an *Error without a hint;
// other errors are returned unchanged.
func WithHint(err error, hint string) error {
	var e *Error
	if errors.As(err, &e) && e.Hint == "" {
		c := *e
		c.Hint = hint
		return &c
	}
	return err
}

// WithObjects returns a copy of err (an *Error) naming the objects involved.
func WithObjects(err error, format string, args ...any) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Objects = fmt.Sprintf(format, args...)
		return &c
	}
	return err
}

func errnoName(e unix.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}
