package uapi

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// The Wayland server's socket I/O and the poller-driven readers run on
// every frame: they must allocate nothing, whichever way the call is made
// (raw with MSG_DONTWAIT or O_NONBLOCK, ordinary otherwise). A helper that
// took &msg once moved the iovec to the heap, one allocation per message.
func TestSocketCallsAllocateNothing(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	out := []byte("wayland message")
	in := make([]byte, 64)
	oob := make([]byte, unix.CmsgSpace(4*4))
	rights := unix.UnixRights(fds[0])
	for _, flags := range []int{unix.MSG_DONTWAIT, 0} {
		if a := testing.AllocsPerRun(200, func() {
			if n, err := Sendmsg(fds[0], out, nil, flags|unix.MSG_NOSIGNAL); err != nil || n != len(out) {
				t.Fatalf("Sendmsg = %d, %v", n, err)
			}
			n, _, _, err := Recvmsg(fds[1], in, oob, flags)
			if err != nil || !bytes.Equal(in[:n], out) {
				t.Fatalf("Recvmsg = %q, %v", in[:n], err)
			}
		}); a != 0 {
			t.Errorf("Sendmsg+Recvmsg (flags %#x): %v allocations, want 0", flags, a)
		}
	}
	// descriptors travel in the control bytes
	if _, err := Sendmsg(fds[0], out, rights, unix.MSG_DONTWAIT); err != nil {
		t.Fatal(err)
	}
	n, oobn, _, err := Recvmsg(fds[1], in, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil || n != len(out) || oobn == 0 {
		t.Fatalf("Recvmsg with rights = %d, %d, %v", n, oobn, err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages %v, %v", msgs, err)
	}
	got, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(got) != 1 {
		t.Fatalf("rights %v, %v", got, err)
	}
	unix.Close(got[0])
	// an empty non-blocking socket says EAGAIN, and ReadNonblock too
	if _, _, _, err := Recvmsg(fds[1], in, oob, unix.MSG_DONTWAIT); err != unix.EAGAIN {
		t.Fatalf("Recvmsg on an empty socket: %v, want EAGAIN", err)
	}
	if _, err := ReadNonblock(fds[1], in); err != unix.EAGAIN {
		t.Fatalf("ReadNonblock on an empty socket: %v, want EAGAIN", err)
	}
	if a := testing.AllocsPerRun(200, func() {
		if _, err := Sendmsg(fds[0], out, nil, unix.MSG_DONTWAIT); err != nil {
			t.Fatal(err)
		}
		if n, err := ReadNonblock(fds[1], in); err != nil || n != len(out) {
			t.Fatalf("ReadNonblock = %d, %v", n, err)
		}
	}); a != 0 {
		t.Errorf("ReadNonblock: %v allocations, want 0", a)
	}
}
