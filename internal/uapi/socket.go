package uapi

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Recvmsg is recvmsg(2) on a connected socket without a source address:
// unlike unix.Recvmsg it allocates nothing (no sockaddr buffer), so a
// Wayland server's receive path stays allocation-free. It returns the
// bytes read into p, the control bytes read into oob and the msg_flags.
func Recvmsg(fd int, p, oob []byte, flags int) (n, oobn, recvflags int, err error) {
	var iov unix.Iovec
	var msg unix.Msghdr
	// filled here, not by a helper: passing &iov to a function made the
	// compiler move it to the heap (one allocation per message)
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
		msg.Iov = &iov
		msg.Iovlen = 1
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	// see sockcall; the call is spelled out here (not made through a
	// helper taking &msg) so that msg and iov stay on the stack
	var r uintptr
	var e unix.Errno
	if flags&unix.MSG_DONTWAIT != 0 {
		r, _, e = unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	} else {
		r, _, e = unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	}
	if e != 0 {
		return 0, 0, 0, e
	}
	return int(r), int(msg.Controllen), int(msg.Flags), nil
}

// Sendmsg is sendmsg(2) of p and the control bytes oob on a connected
// socket, allocation-free. It returns the bytes of p sent.
func Sendmsg(fd int, p, oob []byte, flags int) (n int, err error) {
	var iov unix.Iovec
	var msg unix.Msghdr
	// filled here, not by a helper: passing &iov to a function made the
	// compiler move it to the heap (one allocation per message)
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
		msg.Iov = &iov
		msg.Iovlen = 1
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	var r uintptr
	var e unix.Errno
	if flags&unix.MSG_DONTWAIT != 0 {
		r, _, e = unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	} else {
		r, _, e = unix.Syscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	}
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// sockcall: with MSG_DONTWAIT the call cannot block, so Recvmsg and
// Sendmsg make it as a raw system call: the runtime's blocking-syscall
// bookkeeping is skipped, and with it the wake-up of the runtime's monitor
// thread (sysmon) that every ordinary system call causes when the process
// was idle. For a compositor that wakes up once per frame, that monitor
// then polls every 20 us while the frame is processed; measured on the
// headless frame loop it was about a fifth of the process's CPU time.

// ReadNonblock is read(2) on a descriptor in non-blocking mode (O_NONBLOCK
// set, so the call cannot block), made as a raw system call for the same
// reason as Recvmsg and Sendmsg (see sockcall above): the poller-driven readers of timerfds and evdev
// nodes run on every frame or input event, and an ordinary system call
// would wake the runtime's monitor thread each time.
func ReadNonblock(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
