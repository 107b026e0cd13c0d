package allocator

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSentinelsMatchTheirErrno(t *testing.T) {
	tests := []struct {
		s     *Sentinel
		errno unix.Errno
	}{
		{ErrNoMemory, unix.ENOMEM}, {ErrPermission, unix.EACCES}, {ErrNoDevice, unix.ENODEV},
		{ErrInvalidRequest, unix.EINVAL}, {ErrClosed, unix.EBADF}, {ErrNotBuilt, unix.EOPNOTSUPP},
	}
	for _, tt := range tests {
		if !errors.Is(tt.s, tt.errno) {
			t.Errorf("errors.Is(%v, %v) = false", tt.s, tt.errno)
		}
		if errors.Is(tt.s, unix.EIO) {
			t.Errorf("%v matches EIO", tt.s)
		}
	}
}

func TestWrapClassifiesKernelErrors(t *testing.T) {
	tests := []struct {
		errno unix.Errno
		kind  error
	}{
		{unix.ENOMEM, ErrNoMemory}, {unix.EACCES, ErrPermission}, {unix.EPERM, ErrPermission},
		{unix.ENOENT, ErrNoDevice}, {unix.ENODEV, ErrNoDevice}, {unix.EBADF, ErrClosed},
	}
	for _, tt := range tests {
		cause := fmt.Errorf("DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/reserved: %w", tt.errno)
		err := Wrap("dmaheap:reserved", "allocate", cause)
		if !errors.Is(err, tt.kind) || !errors.Is(err, tt.errno) {
			t.Errorf("Wrap(%v): errors.Is kind=%v errno=%v", tt.errno, errors.Is(err, tt.kind), errors.Is(err, tt.errno))
		}
		if got := err.Error(); got != "dmaheap:reserved: allocate: "+cause.Error() {
			t.Errorf("message %q", got)
		}
	}
	if Wrap("r", "op", nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
	if err := Wrap("r", "op", unix.EIO); errors.Is(err, ErrNoMemory) || !errors.Is(err, unix.EIO) {
		t.Error("EIO misclassified")
	}
}

func TestErrorMessageCarriesHint(t *testing.T) {
	err := &Error{Op: "open /dev/dma_heap/system", Route: "dmaheap:system", Kind: ErrPermission, Err: unix.EACCES, Hint: "add a udev rule"}
	if got, want := err.Error(), "dmaheap:system: open /dev/dma_heap/system: permission denied; fix: add a udev rule"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
