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
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if e != 0 {
		return 0, 0, 0, e
	}
	return int(r), int(msg.Controllen), int(msg.Flags), nil
}
