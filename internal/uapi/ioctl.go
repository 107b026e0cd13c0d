package uapi

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// maxRetries bounds EINTR/EAGAIN retries so a wedged driver cannot spin a
// thread forever. libdrm retries without bound; a million attempts is
// seconds of spinning, far beyond any real transient condition.
const maxRetries = 1 << 20

// Ioctl issues request req with argument arg on d, retrying EINTR and EAGAIN.
// op names the request in errors. It is the only place scanout enters the
// ioctl system call.
//
// arg must point to memory the garbage collector keeps alive for the call;
// memory referenced from inside *arg through integers must be pinned by the
// caller (see runtime.Pinner).
func Ioctl(d *fd.FD, op string, req uintptr, arg unsafe.Pointer) error {
	_, err := IoctlRet(d, op, req, arg)
	return err
}

// IoctlRet is Ioctl for the few requests whose result is the system call's
// return value (UDMABUF_CREATE returns the new descriptor).
func IoctlRet(d *fd.FD, op string, req uintptr, arg unsafe.Pointer) (int, error) {
	var errno unix.Errno
	var r uintptr
	err := d.Control(func(n int) error {
		for range maxRetries {
			// The conversion to uintptr must stay inside the call
			// expression: that is what keeps arg alive and unmoved.
			r1, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(n), req, uintptr(arg))
			if e != unix.EINTR && e != unix.EAGAIN {
				errno, r = e, r1
				return nil
			}
		}
		errno = unix.EAGAIN
		return nil
	})
	return int(r), ioctlResult(d, op, err, errno)
}

// IoctlInt issues a request whose argument is an integer value rather than
// a pointer.
func IoctlInt(d *fd.FD, op string, req uintptr, arg uintptr) error {
	var errno unix.Errno
	err := d.Control(func(n int) error {
		for range maxRetries {
			_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(n), req, arg)
			if e != unix.EINTR && e != unix.EAGAIN {
				errno = e
				return nil
			}
		}
		errno = unix.EAGAIN
		return nil
	})
	return ioctlResult(d, op, err, errno)
}

func ioctlResult(d *fd.FD, op string, err error, errno unix.Errno) error {
	if err != nil {
		return &Error{Op: op, Device: d.Name(), Errno: unix.EBADF, Hint: "the file descriptor was already closed"}
	}
	if errno != 0 {
		return &Error{Op: op, Device: d.Name(), Errno: errno, Hint: defaultHint(op, errno)}
	}
	return nil
}

func defaultHint(op string, e unix.Errno) string {
	switch e {
	case unix.ENOTTY:
		return "the device does not implement this ioctl (wrong kind of device, or a kernel without the feature)"
	}
	return ""
}
