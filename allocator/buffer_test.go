package allocator

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// memfd returns a memfd of size bytes; shm buffers are what a host
// without DMA heaps can test Buffer's ownership and mapping logic with.
// The dma-buf paths (SYNC bracket) are tested in the VM by the allocator
// packages.
func memfd(t *testing.T, size int) *fd.FD {
	t.Helper()
	n, err := unix.MemfdCreate("test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(n, int64(size)); err != nil {
		t.Fatal(err)
	}
	d, err := fd.New(n, "memfd:test")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newShm(t *testing.T, w, h int, f Format) *Buffer {
	t.Helper()
	l, err := ComputeLayout(w, h, f, ShmAlignment)
	if err != nil {
		t.Fatal(err)
	}
	m := memfd(t, int(l.Size))
	d := Desc{Width: w, Height: h, Format: f, Modifier: ModifierLinear}
	for _, p := range l.Planes {
		d.Planes = append(d.Planes, Plane{FD: m, Offset: uint32(p.Offset), Stride: p.Stride})
	}
	b, err := NewBuffer(d, BufferOptions{Memory: MemoryShm, Route: "test", Size: l.Size})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAccessMapsOnceAndSharesMemory(t *testing.T) {
	b := newShm(t, 64, 4, XRGB8888)
	defer b.Close()
	var first *byte
	err := b.Access(AccessWrite, func(mem []byte) error {
		if len(mem) != 4096 {
			t.Errorf("mapping is %d bytes, want 4096", len(mem))
		}
		first = &mem[0]
		mem[0], mem[1] = 0xaa, 0x55
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Access(AccessRead, func(mem []byte) error {
		if &mem[0] != first {
			t.Error("second Access mapped again instead of reusing the mapping")
		}
		if mem[0] != 0xaa || mem[1] != 0x55 {
			t.Errorf("read back %x %x", mem[0], mem[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A duplicate sees the same memory through its own mapping.
	d, err := b.Dup()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Access(AccessRead, func(mem []byte) error {
		if mem[0] != 0xaa {
			t.Error("Dup does not share memory")
		}
		return nil
	})
}

func TestAccessPlanesStartAtOffsets(t *testing.T) {
	b := newShm(t, 8, 8, NV12)
	defer b.Close()
	err := b.AccessPlanes(AccessReadWrite, func(planes [][]byte) error {
		if len(planes) != 2 {
			t.Fatalf("%d planes", len(planes))
		}
		planes[1][0] = 7
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Access(AccessRead, func(mem []byte) error {
		if mem[b.Planes[1].Offset] != 7 {
			t.Error("plane 1 slice does not start at its offset")
		}
		return nil
	})
}

func TestAccessReturnsCallbackErrorAndSurvivesPanic(t *testing.T) {
	b := newShm(t, 16, 16, ARGB8888)
	defer b.Close()
	sentinel := errors.New("callback failed")
	if err := b.Access(AccessWrite, func([]byte) error { return sentinel }); err != sentinel {
		t.Errorf("err = %v, want the callback's error", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		b.Access(AccessWrite, func([]byte) error { panic("boom") })
	}()
	// The buffer is still usable: the lock was released.
	if err := b.Access(AccessRead, func([]byte) error { return nil }); err != nil {
		t.Error(err)
	}
}

func TestCloseIsIdempotentAndAccessAfterCloseFails(t *testing.T) {
	b := newShm(t, 16, 16, XRGB8888)
	b.Access(AccessRead, func([]byte) error { return nil })
	fdp := b.Planes[0].FD
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if !fdp.Closed() {
		t.Error("descriptor left open")
	}
	err := b.Access(AccessRead, func([]byte) error { t.Error("callback ran"); return nil })
	if !errors.Is(err, ErrClosed) || !errors.Is(err, unix.EBADF) {
		t.Errorf("Access after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Dup(); !errors.Is(err, ErrClosed) {
		t.Errorf("Dup after Close = %v", err)
	}
}

func TestAccessRejectsInvalidMode(t *testing.T) {
	b := newShm(t, 4, 4, XRGB8888)
	defer b.Close()
	err := b.Access(0, func([]byte) error { return nil })
	if !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("err = %v", err)
	}
}

func TestNewBufferValidatesAndClosesOnError(t *testing.T) {
	tests := []struct {
		name   string
		planes int
		f      Format
		mem    Memory
		reason string
	}{
		{"no planes", 0, XRGB8888, MemoryShm, "0 planes"},
		{"too many planes", 5, XRGB8888, MemoryShm, "5 planes"},
		{"plane count mismatch", 1, NV12, MemoryShm, "NV12 has 2 planes, got 1"},
		{"no memory kind", 1, XRGB8888, 0, "Memory must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := memfd(t, 4096)
			d := Desc{Width: 4, Height: 4, Format: tt.f}
			for range tt.planes {
				d.Planes = append(d.Planes, Plane{FD: m, Stride: 16})
			}
			_, err := NewBuffer(d, BufferOptions{Memory: tt.mem})
			var re *RequestError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(re.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", re.Reason, tt.reason)
			}
			if tt.planes > 0 && !m.Closed() {
				t.Error("descriptor not closed on error")
			}
			m.Close()
		})
	}
}

func TestPlaneFileHandsOutIndependentDescriptor(t *testing.T) {
	b := newShm(t, 4, 4, XRGB8888)
	f, err := b.PlaneFile(0)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Size != 4096 {
		t.Errorf("handed-out file unusable after Close: %v size %d", err, st.Size)
	}
	f.Close()
}

// The frame path allocates nothing: a repeated Access on a mapped buffer
// must not allocate.
func TestAccessDoesNotAllocate(t *testing.T) {
	b := newShm(t, 64, 64, XRGB8888)
	defer b.Close()
	noop := func([]byte) error { return nil }
	b.Access(AccessReadWrite, noop)
	if n := testing.AllocsPerRun(100, func() { b.Access(AccessReadWrite, noop) }); n != 0 {
		t.Errorf("Access allocates %v times per call", n)
	}
	nop := func([][]byte) error { return nil }
	if n := testing.AllocsPerRun(100, func() { b.AccessPlanes(AccessRead, nop) }); n != 0 {
		t.Errorf("AccessPlanes allocates %v times per call", n)
	}
}

func TestConcurrentAccessAndClose(t *testing.T) {
	b := newShm(t, 256, 256, XRGB8888)
	done := make(chan error, 8)
	for i := range 8 {
		go func() {
			var err error
			for range 200 {
				err = b.Access(AccessReadWrite, func(mem []byte) error { mem[i]++; return nil })
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	closed := false
	for range 8 {
		err := <-done
		if !closed {
			b.Close()
			closed = true
		}
		if err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("Access: %v", err)
		}
	}
}
