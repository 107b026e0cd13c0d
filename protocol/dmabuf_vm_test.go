package protocol

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
	"github.com/go-scanout/scanout/protocol/linuxdmabuf"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wl"
)

// udmabuf returns a real dma-buf of size bytes (a sealed memfd turned into
// a dma-buf by /dev/udmabuf). It needs the test VM.
func udmabuf(t *testing.T, size int) int {
	dev := testenv.RequireFile(t, "/dev/udmabuf")
	d, err := fd.Open(dev, unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := unix.MemfdCreate("protocol-udmabuf", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	m, err := fd.New(n, "memfd")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Control(func(n int) error {
		if err := unix.Ftruncate(n, int64(size)); err != nil {
			return err
		}
		_, err := unix.FcntlInt(uintptr(n), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	buf, err := uapi.UdmabufCreateIoctl(d, m, 0, uint64(size), "udmabuf")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := buf.Disown()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(raw) })
	return raw
}

// A real dma-buf is accepted by create (created event) and create_immed,
// and reaches the backend with its plane.
func TestDMABUFFromUdmabufIsImported(t *testing.T) {
	ts := quietServer(t)
	h := dialHC(t, ts, 5)
	rec := &recorder{}
	rec.on(h)
	dmabuf := udmabuf(t, 64*64*4)

	p := h.params()
	h.addPlane(p, dmabuf, 0, 0, 256, allocator.ModifierLinear)
	h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	created := rec.named(p, "created")
	if len(created) != 1 {
		t.Fatalf("no created event: %v", rec.events)
	}
	buf := created[0].Args[0].(uint32)

	p2 := h.params()
	h.addPlane(p2, dmabuf, 0, 0, 256, allocator.ModifierLinear)
	immed := h.NewID(wl.BufferInterface)
	h.Send(p2, linuxdmabuf.BufferParamsRequestCreateImmed, tc.NewObj{ID: immed, Iface: wl.BufferInterface}, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))

	for _, b := range []uint32{buf, immed} {
		s := h.surface()
		h.Send(s, wl.SurfaceRequestAttach, b, 0, 0)
		h.Send(s, wl.SurfaceRequestCommit)
		if err := h.Roundtrip(); err != nil {
			t.Fatal(err)
		}
		ts.s.Do(func() {
			x := ts.surfaceByID(s).Buffer()
			if x == nil || x.Kind() != DMABUFBuffer {
				t.Fatalf("buffer %v", x)
			}
			a := x.DMABUF()
			if len(a.Planes) != 1 || a.Planes[0].Stride != 256 || a.Format != allocator.XRGB8888 || a.Modifier != allocator.ModifierLinear {
				t.Errorf("attributes %+v", a)
			}
		})
	}
}
