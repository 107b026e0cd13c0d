package uapi

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// DMABufSyncer issues DMA_BUF_IOCTL_SYNC on one dma-buf without
// allocating. allocator.Buffer.Access brackets every CPU access with two
// of these, on the frame path, where the general Ioctl (whose closures
// through fd.Control escape to the heap) would allocate about five objects
// per call.
//
// The syncer resolves the descriptor number once. The caller must keep d
// open for as long as it uses the syncer and must not call Sync
// concurrently with d.Close (allocator.Buffer holds a lock that excludes
// Close during Access). Sync still checks d.Closed first, so use after a
// Close in the same goroutine fails with EBADF instead of reaching a
// reused number.
type DMABufSyncer struct {
	d   *fd.FD
	raw uintptr
}

// NewDMABufSyncer prepares a syncer for the dma-buf d.
func NewDMABufSyncer(d *fd.FD) (*DMABufSyncer, error) {
	s := &DMABufSyncer{d: d}
	if err := d.Control(func(n int) error { s.raw = uintptr(n); return nil }); err != nil {
		return nil, &Error{Op: "DMA_BUF_IOCTL_SYNC", Device: d.Name(), Errno: unix.EBADF, Hint: "the file descriptor was already closed"}
	}
	return s, nil
}

// Sync issues DMA_BUF_IOCTL_SYNC with flags (DMA_BUF_SYNC_START or _END,
// with _READ and/or _WRITE), retrying EINTR and EAGAIN like Ioctl. It
// allocates only when it returns an error.
func (s *DMABufSyncer) Sync(flags uint64) error {
	if s.d.Closed() {
		return &Error{Op: "DMA_BUF_IOCTL_SYNC", Device: s.d.Name(), Errno: unix.EBADF, Hint: "the file descriptor was already closed"}
	}
	arg := DMABufSync{Flags: flags}
	for range maxRetries {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, s.raw, reqDMABufSync, uintptr(unsafe.Pointer(&arg)))
		switch e {
		case 0:
			return nil
		case unix.EINTR, unix.EAGAIN:
			continue
		}
		return &Error{Op: "DMA_BUF_IOCTL_SYNC", Device: s.d.Name(), Errno: e, Hint: defaultHint("DMA_BUF_IOCTL_SYNC", e)}
	}
	return &Error{Op: "DMA_BUF_IOCTL_SYNC", Device: s.d.Name(), Errno: unix.EAGAIN}
}
