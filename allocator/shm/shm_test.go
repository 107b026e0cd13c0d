package shm

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
)

func TestMain(m *testing.M) { cbench.Main(m, nil) }

func TestAllocateSealedMemfd(t *testing.T) {
	a := New(nil)
	b, err := a.Allocate(allocator.Request{Width: 100, Height: 10, Format: allocator.ARGB8888, Usage: allocator.UsageCPU, Name: "wl_shm pool"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Planes[0].Stride != 448 || b.Size != 8192 || b.Memory != allocator.MemoryShm || b.Route != "shm" {
		t.Errorf("got %v stride %d size %d", b, b.Planes[0].Stride, b.Size)
	}
	var seals int
	b.Planes[0].FD.Control(func(n int) error { seals, err = unix.FcntlInt(uintptr(n), unix.F_GET_SEALS, 0); return err })
	if seals&unix.F_SEAL_SHRINK == 0 {
		t.Errorf("seals = %#x, want F_SEAL_SHRINK", seals)
	}
	// Shrinking is refused, so a client sharing the pool cannot SIGBUS us.
	b.Planes[0].FD.Control(func(n int) error { err = unix.Ftruncate(n, 0); return nil })
	if !errors.Is(err, unix.EPERM) {
		t.Errorf("ftruncate on sealed memfd = %v, want EPERM", err)
	}
	err = b.Access(allocator.AccessReadWrite, func(mem []byte) error {
		if len(mem) != 8192 {
			t.Errorf("mapping %d bytes", len(mem))
		}
		mem[8191] = 1
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCapsAreCPUOnly(t *testing.T) {
	a := New(nil)
	_, err := a.Allocate(allocator.Request{Width: 1, Height: 1, Format: allocator.XRGB8888, Usage: allocator.UsageScanout})
	var re *allocator.RequestError
	if !errors.As(err, &re) || !errors.Is(err, allocator.ErrUnsupportedUsage) || re.Route != "shm" {
		t.Errorf("err = %v", err)
	}
}
