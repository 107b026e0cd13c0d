package dmaheap

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/allocator/internal/vkmstest"
	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { cbench.Main(m, nil) }

func TestKindOf(t *testing.T) {
	tests := []struct {
		name       string
		contiguous bool
		cached     bool
		variant    string
		known      bool
	}{
		{"system", false, true, "", true},
		{"system-uncached", false, false, "system", true},
		{"linux,cma", true, true, "", true},
		{"reserved", true, true, "", true},
		{"default_cma_region", true, true, "", true},
		{"vidbuf_cached", true, true, "", true},
		{"vendor_cma_uncached", true, false, "vendor_cma", false},
		{"carveout_display", true, true, "", false},
		{"something", false, true, "", false},
	}
	for _, tt := range tests {
		k, known := KindOf(tt.name, nil)
		if k.Contiguous != tt.contiguous || k.Cached != tt.cached || k.CachedVariant != tt.variant || known != tt.known {
			t.Errorf("KindOf(%q) = %+v known=%v", tt.name, k, known)
		}
	}
	k, known := KindOf("something", map[string]Kind{"something": {Contiguous: true}})
	if !known || !k.Contiguous || k.Cached {
		t.Errorf("configured kind ignored: %+v", k)
	}
}

func TestUdevRule(t *testing.T) {
	if got, want := UdevRule("linux,cma", "video"), `SUBSYSTEM=="dma_heap", KERNEL=="linux,cma", GROUP="video", MODE="0660"`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestOpenMissingHeapSaysSo(t *testing.T) {
	_, err := Open("no-such-heap", &Options{Dir: t.TempDir()})
	if !errors.Is(err, allocator.ErrNoDevice) || !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), `this kernel has no heap named "no-such-heap"`) {
		t.Errorf("err = %v", err)
	}
}

func TestEnumerateFindsVMHeaps(t *testing.T) {
	testenv.RequireHeap(t, "system")
	cma := testenv.RequireHeap(t, testenv.CMAHeapNames...)
	heaps, err := Enumerate(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, h := range heaps {
			h.Close()
		}
	}()
	var names []string
	for _, h := range heaps {
		names = append(names, h.Name())
	}
	cmaName := cma[len(Dir)+1:]
	if len(heaps) < 2 || heaps[0].HeapName() != cmaName || !heaps[0].Caps().Usage.Has(allocator.UsageContiguous) {
		t.Errorf("heaps %v: want the contiguous %s first", names, cmaName)
	}
	for _, h := range heaps {
		if h.HeapName() == "system" && h.Caps().Usage.Has(allocator.UsageContiguous) {
			t.Error("system heap claims contiguous memory")
		}
	}
}

func TestAllocateLaysOutAndNamesBuffer(t *testing.T) {
	testenv.RequireHeap(t, "system")
	h, err := Open("system", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	tests := []struct {
		w, h    int
		f       allocator.Format
		strides []uint32
		offsets []uint32
		size    uint64
	}{
		{1920, 1080, allocator.XRGB8888, []uint32{7680}, []uint32{0}, 8294400},
		{641, 480, allocator.RGB565, []uint32{1536}, []uint32{0}, 737280},
		{1920, 1080, allocator.NV12, []uint32{2048, 2048}, []uint32{0, 2211840}, 3317760},
	}
	for _, tt := range tests {
		b, err := h.Allocate(allocator.Request{Width: tt.w, Height: tt.h, Format: tt.f, Usage: allocator.UsageCPUWrite, Name: "layout-test"})
		if err != nil {
			t.Fatal(err)
		}
		if b.Size != tt.size || len(b.Planes) != len(tt.strides) || b.Modifier != allocator.ModifierLinear || b.Memory != allocator.MemoryDMABuf {
			t.Errorf("%v: %v size %d planes %d", tt.f, b, b.Size, len(b.Planes))
		}
		for i, p := range b.Planes {
			if p.Stride != tt.strides[i] || p.Offset != tt.offsets[i] || p.FD != b.Planes[0].FD {
				t.Errorf("%v plane %d: stride %d offset %d", tt.f, i, p.Stride, p.Offset)
			}
		}
		var end int64
		b.Planes[0].FD.Control(func(n int) error { end, err = unix.Seek(n, 0, unix.SEEK_END); return err })
		if uint64(end) != tt.size {
			t.Errorf("dma-buf is %d bytes, want %d", end, tt.size)
		}
		b.Close()
	}
}

func TestAllocateRefusesBeforeAnyIoctl(t *testing.T) {
	// A heap whose node is a regular file: any ioctl on it would fail
	// with ENOTTY, so a RequestError proves no ioctl was made.
	dir := t.TempDir()
	if err := writeFile(dir+"/system", ""); err != nil {
		t.Fatal(err)
	}
	h, err := Open("system", &Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	tests := []struct {
		r    allocator.Request
		kind error
	}{
		{allocator.Request{Width: 0, Height: 1, Format: allocator.XRGB8888}, allocator.ErrInvalidRequest},
		{allocator.Request{Width: 1, Height: allocator.MaxDimension + 1, Format: allocator.XRGB8888}, allocator.ErrInvalidRequest},
		{allocator.Request{Width: 1, Height: 1, Format: 0x3f3f3f3f}, allocator.ErrUnknownFormat},
		{allocator.Request{Width: 1, Height: 1, Format: allocator.XRGB8888, Modifiers: []allocator.Modifier{allocator.ModifierIntelXTiled}}, allocator.ErrUnsupportedModifier},
		{allocator.Request{Width: 1, Height: 1, Format: allocator.XRGB8888, Usage: allocator.UsageContiguous}, allocator.ErrUnsupportedUsage},
		{allocator.Request{Width: 1, Height: 1, Format: allocator.XRGB8888, Usage: allocator.UsageRender}, allocator.ErrUnsupportedUsage},
	}
	for _, tt := range tests {
		_, err := h.Allocate(tt.r)
		var re *allocator.RequestError
		if !errors.As(err, &re) || !errors.Is(err, tt.kind) || re.Route != "dmaheap:system" {
			t.Errorf("%v: err = %v, want a RequestError %v from dmaheap:system", tt.r, err, tt.kind)
		}
	}
}

func TestSystemAndCMABuffersScanOutExactly(t *testing.T) {
	for _, names := range [][]string{{"system"}, testenv.CMAHeapNames} {
		p := testenv.RequireHeap(t, names...)
		name := p[len(Dir)+1:]
		t.Run(name, func(t *testing.T) {
			h, err := Open(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			b, err := h.Allocate(allocator.Request{Width: 640, Height: 480, Format: allocator.XRGB8888,
				Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "scanout-test"})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			d := vkmstest.Open(t, 640, 480)
			defer d.Close()
			d.Check(t, b, 0x21)
			// A second pattern through the cached mapping: the SYNC bracket
			// must make the new contents visible to the device.
			d.Check(t, b, 0x9c)
		})
	}
}

// The frame path allocates nothing: Access on a mapped dma-buf (two
// DMA_BUF_IOCTL_SYNC calls) must not allocate.
func TestAccessOnDMABufDoesNotAllocate(t *testing.T) {
	testenv.RequireHeap(t, "system")
	h, err := Open("system", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	b, err := h.Allocate(allocator.Request{Width: 256, Height: 256, Format: allocator.ARGB8888, Usage: allocator.UsageCPU})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	touch := func(mem []byte) error { mem[0]++; return nil }
	if err := b.Access(allocator.AccessReadWrite, touch); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() { b.Access(allocator.AccessReadWrite, touch) }); n != 0 {
		t.Errorf("Access on a dma-buf allocates %v times per call", n)
	}
}
