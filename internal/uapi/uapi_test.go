package uapi

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

func TestIOCEncodingMatchesKernelMacros(t *testing.T) {
	if iocSizeBits != 14 {
		t.Skip("the literal values below are the asm-generic encoding")
	}
	// Values printed by the C preprocessor from the kernel headers on
	// x86_64 (the abicheck test repeats this for every registered ioctl).
	tests := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"DRM_IOCTL_VERSION", reqDRMVersion, 0xc0406400},
		{"DRM_IOCTL_GET_CAP", reqDRMGetCap, 0xc010640c},
		{"DRM_IOCTL_SET_CLIENT_CAP", reqDRMSetClientCap, 0x4010640d},
		{"DMA_HEAP_IOCTL_ALLOC", reqDMAHeapAlloc, 0xc0184800},
		{"DMA_BUF_IOCTL_SYNC", reqDMABufSync, 0x40086200},
		{"UDMABUF_CREATE", reqUdmabufCreate, 0x40187542},
		{"_IO('d', 0x1e)", IO('d', 0x1e), 0x641e},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

func TestIOCRejectsOversizedArgument(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("IOC accepted a size that does not fit the size field")
		}
	}()
	IOC(iocRead, 'd', 0, 1<<iocSizeBits)
}

func TestErrorNamesOpDeviceErrnoAndUnwraps(t *testing.T) {
	// A pipe is not a DRM device: the kernel answers ENOTTY.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	n, _ := unix.Dup(int(r.Fd()))
	r.Close()
	d, err := fd.New(n, "pipe:[test]")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = GetCap(d, DRM_CAP_DUMB_BUFFER)
	if !errors.Is(err, unix.ENOTTY) {
		t.Fatalf("GetCap on a pipe: %v, want ENOTTY", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != "DRM_IOCTL_GET_CAP" || e.Device != "pipe:[test]" {
		t.Fatalf("error %#v does not name the ioctl and the device", err)
	}
	for _, want := range []string{"DRM_IOCTL_GET_CAP", "pipe:[test]", "ENOTTY", "does not implement"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	err = WithObjects(WithHint(err, "fix it"), "plane %d", 31)
	if !strings.Contains(err.Error(), "(plane 31)") || !errors.Is(err, unix.ENOTTY) {
		t.Errorf("decorated error %q lost objects or errno", err)
	}
}

func TestIoctlOnClosedFD(t *testing.T) {
	r, w, _ := os.Pipe()
	w.Close()
	n, _ := unix.Dup(int(r.Fd()))
	r.Close()
	d, _ := fd.New(n, "pipe")
	d.Close()
	var v DRMGetCap
	err := Ioctl(d, "DRM_IOCTL_GET_CAP", reqDRMGetCap, unsafe.Pointer(&v))
	if !errors.Is(err, unix.EBADF) {
		t.Fatalf("ioctl on closed fd: %v, want EBADF", err)
	}
}

func TestRegistryHasNoDuplicates(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Requests() {
		if seen[r.Name] {
			t.Errorf("%s registered twice", r.Name)
		}
		seen[r.Name] = true
	}
}

// TestIoctlDoesNotAllocate guards the frame path: atomic commits and
// DMA_BUF_IOCTL_SYNC go through Ioctl every frame.
func TestIoctlDoesNotAllocate(t *testing.T) {
	if iocSizeBits != 14 {
		t.Skip("FIONREAD has another number on this architecture")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	n, _ := unix.Dup(int(r.Fd()))
	r.Close()
	d, _ := fd.New(n, "pipe")
	defer d.Close()
	var pending int32
	allocs := testing.AllocsPerRun(100, func() {
		if err := Ioctl(d, "FIONREAD", 0x541b /* FIONREAD, asm-generic */, unsafe.Pointer(&pending)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Ioctl allocated %.1f objects per call, want 0", allocs)
	}
}
