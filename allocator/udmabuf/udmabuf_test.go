package udmabuf

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/allocator/internal/vkmstest"
	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { cbench.Main(m, nil) }

func open(t *testing.T) *Allocator {
	t.Helper()
	testenv.RequireFile(t, Path)
	a, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestOpenWithoutDeviceSaysSo(t *testing.T) {
	_, err := Open(&Options{Path: t.TempDir() + "/udmabuf"})
	if !errors.Is(err, allocator.ErrNoDevice) || !errors.Is(err, unix.ENOENT) {
		t.Errorf("err = %v", err)
	}
}

func TestAllocatePageAlignedSizes(t *testing.T) {
	a := open(t)
	for _, tt := range []struct {
		w, h int
		f    allocator.Format
		size uint64
	}{
		{1, 1, allocator.R8, 4096},
		{1920, 1080, allocator.XRGB8888, 8294400},
		{641, 479, allocator.NV12, 552960}, // strides 768, chroma plane at 368640
	} {
		b, err := a.Allocate(allocator.Request{Width: tt.w, Height: tt.h, Format: tt.f, Usage: allocator.UsageCPUWrite})
		if err != nil {
			t.Fatal(err)
		}
		var end int64
		b.Planes[0].FD.Control(func(n int) error { end, err = unix.Seek(n, 0, unix.SEEK_END); return err })
		if uint64(end) != tt.size || b.Size != tt.size {
			t.Errorf("%dx%d %v: dma-buf %d bytes, Size %d, want %d", tt.w, tt.h, tt.f, end, b.Size, tt.size)
		}
		b.Close()
	}
}

func TestUdmabufScansOutExactly(t *testing.T) {
	a := open(t)
	b, err := a.Allocate(allocator.Request{Width: 640, Height: 480, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageCPUWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	d := vkmstest.Open(t, 640, 480)
	defer d.Close()
	d.Check(t, b, 0x42)
}
