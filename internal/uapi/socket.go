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
	setMsg(&msg, &iov, p, oob)
	r, _, e := sockcall(unix.SYS_RECVMSG, fd, &msg, flags)
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
	setMsg(&msg, &iov, p, oob)
	r, _, e := sockcall(unix.SYS_SENDMSG, fd, &msg, flags)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// setMsg points msg at the data p (through iov) and the control bytes oob.
func setMsg(msg *unix.Msghdr, iov *unix.Iovec, p, oob []byte) {
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
		msg.Iov = iov
		msg.Iovlen = 1
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
}

// sockcall makes a recvmsg or sendmsg call. With MSG_DONTWAIT the call
// cannot block, so it is made as a raw system call: the runtime's
// blocking-syscall bookkeeping is skipped, and with it the wake-up of the
// runtime's monitor thread (sysmon) that every ordinary system call
// causes when the process was idle. For a compositor that wakes up once
// per frame, that monitor then polls every 20 µs while the frame is
// processed; measured on the headless frame loop it was about a fifth of
// the process's CPU time.
func sockcall(trap uintptr, fd int, msg *unix.Msghdr, flags int) (uintptr, uintptr, unix.Errno) {
	if flags&unix.MSG_DONTWAIT != 0 {
		return unix.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(msg)), uintptr(flags))
	}
	return unix.Syscall(trap, uintptr(fd), uintptr(unsafe.Pointer(msg)), uintptr(flags))
}

// ReadNonblock is read(2) on a descriptor in non-blocking mode (O_NONBLOCK
// set, so the call cannot block), made as a raw system call for the same
// reason as sockcall: the poller-driven readers of timerfds and evdev
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
