package protocol

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/linuxdmabuf"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/viewporter"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

// hc is a hostile (or well-behaved) scripted client with the usual
// globals bound.
type hc struct {
	*tc.Client
	t                                  testing.TB
	reg, comp, shm, wm, dmabuf, vp, sc uint32
}

func dialHC(t testing.TB, ts *testServer, compVersion uint32) *hc {
	t.Helper()
	c, err := tc.Dial(ts.dir + "/" + ts.name)
	if err != nil {
		t.Fatal(err)
	}
	h := &hc{Client: c, t: t}
	t.Cleanup(func() { c.Close() })
	if h.reg, err = c.Registry(); err != nil {
		t.Fatal(err)
	}
	bind := func(i *core.Interface, v uint32) uint32 {
		id, err := c.Bind(h.reg, i, v)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	h.comp = bind(wl.CompositorInterface, compVersion)
	h.shm = bind(wl.ShmInterface, 1)
	h.wm = bind(xdg.WmBaseInterface, 5)
	h.dmabuf = bind(linuxdmabuf.DmabufInterface, 5)
	h.vp = bind(viewporter.ViewporterInterface, 1)
	h.sc = bind(wl.SubcompositorInterface, 1)
	if err := c.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *hc) newObj(i *core.Interface) (uint32, tc.NewObj) {
	id := h.NewID(i)
	return id, tc.NewObj{ID: id, Iface: i}
}

func (h *hc) surface() uint32 {
	id, n := h.newObj(wl.SurfaceInterface)
	h.Send(h.comp, wl.CompositorRequestCreateSurface, n)
	return id
}

// pointer binds wl_seat and returns a new wl_pointer.
func (h *hc) pointer() uint32 {
	seat, err := h.Bind(h.reg, wl.SeatInterface, 8)
	if err != nil {
		h.t.Fatal(err)
	}
	id, n := h.newObj(wl.PointerInterface)
	h.Send(seat, wl.SeatRequestGetPointer, n)
	return id
}

func (h *hc) region() uint32 {
	id, n := h.newObj(wl.RegionInterface)
	h.Send(h.comp, wl.CompositorRequestCreateRegion, n)
	return id
}

// memfd returns a memfd of size bytes, closed at the end of the test.
func memfd(t testing.TB, size int64) int {
	n, err := unix.MemfdCreate("test-pool", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(n, size); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(n) })
	return n
}

// pool creates a wl_shm_pool over a fresh memfd of size bytes.
func (h *hc) pool(size int32) (pool uint32, fd int) {
	fd = memfd(h.t, int64(size))
	pool, n := h.newObj(wl.ShmPoolInterface)
	h.Send(h.shm, wl.ShmRequestCreatePool, n, tc.FD(fd), size)
	return pool, fd
}

func (h *hc) buffer(pool uint32, offset, w, hh, stride int32, format uint32) uint32 {
	id, n := h.newObj(wl.BufferInterface)
	h.Send(pool, wl.ShmPoolRequestCreateBuffer, n, offset, w, hh, stride, format)
	return id
}

// toplevel makes an xdg toplevel and returns the surface, xdg_surface,
// toplevel ids and the serial of the first configure.
func (h *hc) toplevel() (surf, xs, top, serial uint32) {
	surf = h.surface()
	xs, n := h.newObj(xdg.SurfaceInterface)
	h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, n, surf)
	top, n2 := h.newObj(xdg.ToplevelInterface)
	h.Send(xs, xdg.SurfaceRequestGetToplevel, n2)
	prev := h.OnEvent
	h.OnEvent = func(e tc.Event) {
		if e.Object == xs && e.Name == "configure" {
			serial = e.Args[0].(uint32)
		}
		if prev != nil {
			prev(e)
		}
	}
	h.Send(surf, wl.SurfaceRequestCommit)
	if err := h.Roundtrip(); err != nil {
		h.t.Fatal(err)
	}
	h.OnEvent = prev
	return
}

// params creates zwp_linux_buffer_params_v1.
func (h *hc) params() uint32 {
	id, n := h.newObj(linuxdmabuf.BufferParamsInterface)
	h.Send(h.dmabuf, linuxdmabuf.DmabufRequestCreateParams, n)
	return id
}

func (h *hc) addPlane(params uint32, fd int, idx, offset, stride uint32, mod allocator.Modifier) {
	h.Send(params, linuxdmabuf.BufferParamsRequestAdd, tc.FD(fd), idx, offset, stride, uint32(uint64(mod)>>32), uint32(mod))
}

type hostileCase struct {
	name string
	// script misbehaves; it returns the object the error must name
	// (0: the display, id 1).
	script func(h *hc) uint32
	code   uint32
	iface  string // interface whose error enum code belongs to (for the message)
	limits wire.Limits
}

func hostileCases() []hostileCase {
	const disp = "wl_display"
	xr := uint32(wl.ShmFormatXrgb8888)
	return []hostileCase{
		{name: "unknown object id", code: core.ErrorInvalidObject, iface: disp, script: func(h *hc) uint32 {
			h.SendRaw(tc.Raw(999, 0))
			return 1
		}},
		{name: "opcode beyond the interface", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			h.SendRaw(tc.Raw(h.comp, 7, 99))
			return 1
		}},
		{name: "truncated message", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			h.SendRaw(tc.Raw(h.comp, wl.CompositorRequestCreateSurface)) // new_id missing
			return 1
		}},
		{name: "trailing bytes after the arguments", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			h.SendRaw(tc.Raw(h.comp, wl.CompositorRequestCreateSurface, h.NewID(nil), 0))
			return 1
		}},
		{name: "oversized message", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			b := tc.Raw(h.comp, 0, 1)
			b[6], b[7] = 0x40, 0x1f // size 8000 in the upper 16 bits of word 2
			h.SendRaw(b)
			return 1
		}},
		{name: "size smaller than the header", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			b := tc.Raw(h.comp, 0, 1)
			b[6], b[7] = 4, 0
			h.SendRaw(b)
			return 1
		}},
		{name: "size not a multiple of 4", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			b := tc.Raw(h.comp, 0, 1)
			b[6], b[7] = 10, 0
			h.SendRaw(b)
			return 1
		}},
		{name: "fd argument without a descriptor", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			h.SendRaw(tc.Raw(h.shm, wl.ShmRequestCreatePool, h.NewID(nil), 4096))
			return 1
		}},
		{name: "string without its NUL", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			_, _, top, _ := h.toplevel()
			h.SendRaw(tc.Raw(top, xdg.ToplevelRequestSetTitle, 4, 0x64636261)) // "abcd", no NUL
			return 1
		}},
		{name: "string with an embedded NUL", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			_, _, top, _ := h.toplevel()
			h.SendRaw(tc.Raw(top, xdg.ToplevelRequestSetTitle, 4, 0x00630061)) // "a\0c\0"
			return 1
		}},
		{name: "null string for a non-nullable argument", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			_, _, top, _ := h.toplevel()
			h.Send(top, xdg.ToplevelRequestSetTitle, tc.Null{})
			return 1
		}},
		{name: "string length beyond the message", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			_, _, top, _ := h.toplevel()
			h.SendRaw(tc.Raw(top, xdg.ToplevelRequestSetTitle, 4000, 0x00636261))
			return 1
		}},
		{name: "new_id reuse", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(h.comp, wl.CompositorRequestCreateSurface, s)
			return 1
		}},
		{name: "new_id out of sequence", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			h.Send(h.comp, wl.CompositorRequestCreateSurface, uint32(5000))
			return 1
		}},
		{name: "new_id in the server range", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			h.Send(h.comp, wl.CompositorRequestCreateSurface, uint32(0xff000005))
			return 1
		}},
		{name: "request on a destroyed object", code: core.ErrorInvalidObject, iface: disp, script: func(h *hc) uint32 {
			r := h.region()
			h.Send(r, wl.RegionRequestDestroy)
			h.Send(r, wl.RegionRequestAdd, 0, 0, 1, 1)
			return 1
		}},
		{name: "object argument of the wrong interface", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			s, r := h.surface(), h.region()
			h.Send(s, wl.SurfaceRequestAttach, r, 0, 0)
			return 1
		}},
		{name: "object argument that does not exist", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(s, wl.SurfaceRequestAttach, uint32(777), 0, 0)
			return 1
		}},
		{name: "null for a non-nullable object", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			id, n := h.newObj(xdg.SurfaceInterface)
			_ = id
			h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, n, uint32(0))
			return 1
		}},
		{name: "request newer than the bound version", code: core.ErrorInvalidMethod, iface: disp, script: func(h *hc) uint32 {
			c := h.NewID(wl.CompositorInterface)
			for _, g := range h.Globals {
				if g.Interface == "wl_compositor" {
					h.Send(h.reg, 0, g.Name, "wl_compositor", uint32(1), tc.NewObj{ID: c, Iface: wl.CompositorInterface})
				}
			}
			s, n := h.newObj(wl.SurfaceInterface)
			h.Send(c, wl.CompositorRequestCreateSurface, n)
			h.Send(s, wl.SurfaceRequestSetBufferScale, 2) // since 3
			return 1
		}},
		{name: "bind of an unknown global", code: core.ErrorInvalidObject, iface: disp, script: func(h *hc) uint32 {
			h.Send(h.reg, 0, uint32(4242), "wl_compositor", uint32(1), tc.NewObj{ID: h.NewID(nil)})
			return 1
		}},
		{name: "bind above the advertised version", code: core.ErrorInvalidObject, iface: disp, script: func(h *hc) uint32 {
			h.Send(h.reg, 0, h.Globals[0].Name, h.Globals[0].Interface, h.Globals[0].Version+1, tc.NewObj{ID: h.NewID(nil)})
			return 1
		}},
		{name: "bind with the wrong interface name", code: core.ErrorInvalidObject, iface: disp, script: func(h *hc) uint32 {
			h.Send(h.reg, 0, h.Globals[0].Name, "wl_not_this", uint32(1), tc.NewObj{ID: h.NewID(nil)})
			return 1
		}},
		{name: "shm pool of negative size", code: wl.ShmErrorInvalidStride, iface: "wl_shm", script: func(h *hc) uint32 {
			fd := memfd(h.t, 4096)
			h.Send(h.shm, wl.ShmRequestCreatePool, tc.NewObj{ID: h.NewID(nil)}, tc.FD(fd), int32(-4096))
			return h.shm
		}},
		{name: "shm pool larger than its file", code: wl.ShmErrorInvalidFd, iface: "wl_shm", script: func(h *hc) uint32 {
			fd := memfd(h.t, 4096)
			h.Send(h.shm, wl.ShmRequestCreatePool, tc.NewObj{ID: h.NewID(nil)}, tc.FD(fd), int32(0x7fffffff))
			return h.shm
		}},
		{name: "shm pool on a descriptor that cannot be mapped", code: wl.ShmErrorInvalidFd, iface: "wl_shm", script: func(h *hc) uint32 {
			r, w, _ := os.Pipe()
			defer r.Close()
			defer w.Close()
			h.Send(h.shm, wl.ShmRequestCreatePool, tc.NewObj{ID: h.NewID(nil)}, tc.FD(int(r.Fd())), int32(4096))
			return h.shm
		}},
		{name: "shm buffer of an unadvertised format", code: wl.ShmErrorInvalidFormat, iface: "wl_shm", script: func(h *hc) uint32 {
			p, _ := h.pool(65536)
			h.buffer(p, 0, 16, 16, 64, uint32(allocator.NV12))
			return p
		}},
		{name: "shm buffer beyond its pool", code: wl.ShmErrorInvalidStride, iface: "wl_shm", script: func(h *hc) uint32 {
			p, _ := h.pool(65536)
			h.buffer(p, 4096, 128, 128, 512, xr)
			return p
		}},
		{name: "shm buffer with a stride below its width", code: wl.ShmErrorInvalidStride, iface: "wl_shm", script: func(h *hc) uint32 {
			p, _ := h.pool(65536)
			h.buffer(p, 0, 64, 16, 128, xr)
			return p
		}},
		{name: "shm pool shrunk by resize", code: wl.ShmErrorInvalidStride, iface: "wl_shm", script: func(h *hc) uint32 {
			p, _ := h.pool(65536)
			h.Send(p, wl.ShmPoolRequestResize, int32(4096))
			return p
		}},
		{name: "shm pool file truncated under the compositor", code: wl.ShmErrorInvalidFd, iface: "wl_shm", script: func(h *hc) uint32 {
			p, fd := h.pool(256 * 1024)
			b := h.buffer(p, 0, 256, 256, 1024, xr)
			s, xs, _, serial := h.toplevel()
			h.Send(xs, xdg.SurfaceRequestAckConfigure, serial)
			if err := h.Roundtrip(); err != nil {
				h.t.Fatal(err)
			}
			unix.Ftruncate(fd, 0) // the compositor's mapping of the pool now faults
			h.Send(s, wl.SurfaceRequestAttach, b, 0, 0)
			h.Send(s, wl.SurfaceRequestCommit)
			return b
		}},
		{name: "dmabuf plane index out of bounds", code: linuxdmabuf.BufferParamsErrorPlaneIdx, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 4096), 4, 0, 256, allocator.ModifierLinear)
			return p
		}},
		{name: "dmabuf plane set twice", code: linuxdmabuf.BufferParamsErrorPlaneSet, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			fd := memfd(h.t, 65536)
			h.addPlane(p, fd, 0, 0, 256, allocator.ModifierLinear)
			h.addPlane(p, fd, 0, 0, 256, allocator.ModifierLinear)
			return p
		}},
		{name: "dmabuf planes with different modifiers", code: linuxdmabuf.BufferParamsErrorInvalidFormat, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			fd := memfd(h.t, 65536)
			h.addPlane(p, fd, 0, 0, 256, allocator.ModifierLinear)
			h.addPlane(p, fd, 1, 0, 256, allocator.ModifierInvalid)
			return p
		}},
		{name: "dmabuf create without planes", code: linuxdmabuf.BufferParamsErrorIncomplete, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf planes with a gap", code: linuxdmabuf.BufferParamsErrorIncomplete, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 1, 0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf NV12 with one plane", code: linuxdmabuf.BufferParamsErrorIncomplete, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 64, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.NV12), uint32(0))
			return p
		}},
		{name: "dmabuf zero width", code: linuxdmabuf.BufferParamsErrorInvalidDimensions, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(0), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf unadvertised format", code: linuxdmabuf.BufferParamsErrorInvalidFormat, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.RGB565), uint32(0))
			return p
		}},
		{name: "dmabuf unadvertised modifier", code: linuxdmabuf.BufferParamsErrorInvalidFormat, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 256, allocator.ModifierInvalid)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.ARGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf plane beyond its buffer", code: linuxdmabuf.BufferParamsErrorOutOfBounds, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 4096), 0, 0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf offset overflow", code: linuxdmabuf.BufferParamsErrorOutOfBounds, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0xfffffff0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf stride below the width", code: linuxdmabuf.BufferParamsErrorOutOfBounds, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 16, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf params used twice", code: linuxdmabuf.BufferParamsErrorAlreadyUsed, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			h.Send(p, linuxdmabuf.BufferParamsRequestCreate, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "dmabuf create_immed with a memfd (not a dma-buf)", code: linuxdmabuf.BufferParamsErrorInvalidWlBuffer, iface: "zwp_linux_buffer_params_v1", script: func(h *hc) uint32 {
			p := h.params()
			h.addPlane(p, memfd(h.t, 65536), 0, 0, 256, allocator.ModifierLinear)
			h.Send(p, linuxdmabuf.BufferParamsRequestCreateImmed, tc.NewObj{ID: h.NewID(nil)}, int32(64), int32(64), uint32(allocator.XRGB8888), uint32(0))
			return p
		}},
		{name: "surface transform out of range", code: wl.SurfaceErrorInvalidTransform, iface: "wl_surface", script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(s, wl.SurfaceRequestSetBufferTransform, int32(8))
			return s
		}},
		{name: "surface scale zero", code: wl.SurfaceErrorInvalidScale, iface: "wl_surface", script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(s, wl.SurfaceRequestSetBufferScale, int32(0))
			return s
		}},
		{name: "attach with an offset on version 5", code: wl.SurfaceErrorInvalidOffset, iface: "wl_surface", script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(s, wl.SurfaceRequestAttach, uint32(0), int32(3), int32(0))
			return s
		}},
		{name: "xdg buffer before the first configure", code: xdg.SurfaceErrorUnconfiguredBuffer, iface: "xdg_surface", script: func(h *hc) uint32 {
			p, _ := h.pool(65536)
			b := h.buffer(p, 0, 64, 64, 256, xr)
			s := h.surface()
			xs, n := h.newObj(xdg.SurfaceInterface)
			h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, n, s)
			h.Send(xs, xdg.SurfaceRequestGetToplevel, tc.NewObj{ID: h.NewID(xdg.ToplevelInterface)})
			h.Send(s, wl.SurfaceRequestAttach, b, 0, 0)
			h.Send(s, wl.SurfaceRequestCommit)
			return xs
		}},
		{name: "xdg ack of a serial never sent", code: xdg.SurfaceErrorInvalidSerial, iface: "xdg_surface", script: func(h *hc) uint32 {
			_, xs, _, serial := h.toplevel()
			h.Send(xs, xdg.SurfaceRequestAckConfigure, serial+1000)
			return xs
		}},
		{name: "xdg surface for a surface with a role", code: xdg.WmBaseErrorRole, iface: "xdg_wm_base", script: func(h *hc) uint32 {
			s, _, _, _ := h.toplevel()
			h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, tc.NewObj{ID: h.NewID(nil)}, s)
			return h.wm
		}},
		{name: "xdg commit without a role object", code: xdg.SurfaceErrorNotConstructed, iface: "xdg_surface", script: func(h *hc) uint32 {
			s := h.surface()
			xs, n := h.newObj(xdg.SurfaceInterface)
			h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, n, s)
			h.Send(s, wl.SurfaceRequestCommit)
			return xs
		}},
		{name: "xdg_wm_base destroyed before its surfaces", code: xdg.WmBaseErrorDefunctSurfaces, iface: "xdg_wm_base", script: func(h *hc) uint32 {
			h.toplevel()
			h.Send(h.wm, xdg.WmBaseRequestDestroy)
			return h.wm
		}},
		{name: "xdg window geometry of zero size", code: xdg.SurfaceErrorInvalidSize, iface: "xdg_surface", script: func(h *hc) uint32 {
			_, xs, _, _ := h.toplevel()
			h.Send(xs, xdg.SurfaceRequestSetWindowGeometry, 0, 0, 0, 10)
			return xs
		}},
		{name: "xdg positioner of zero size", code: xdg.PositionerErrorInvalidInput, iface: "xdg_positioner", script: func(h *hc) uint32 {
			p, n := h.newObj(xdg.PositionerInterface)
			h.Send(h.wm, xdg.WmBaseRequestCreatePositioner, n)
			h.Send(p, xdg.PositionerRequestSetSize, 0, 10)
			return p
		}},
		{name: "xdg popup with an incomplete positioner", code: xdg.WmBaseErrorInvalidPositioner, iface: "xdg_wm_base", script: func(h *hc) uint32 {
			_, parent, _, _ := h.toplevel()
			p, n := h.newObj(xdg.PositionerInterface)
			h.Send(h.wm, xdg.WmBaseRequestCreatePositioner, n)
			s := h.surface()
			xs, n2 := h.newObj(xdg.SurfaceInterface)
			h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, n2, s)
			h.Send(xs, xdg.SurfaceRequestGetPopup, tc.NewObj{ID: h.NewID(nil)}, parent, p)
			return h.wm
		}},
		{name: "xdg toplevel min size above max size", code: xdg.ToplevelErrorInvalidSize, iface: "xdg_toplevel", script: func(h *hc) uint32 {
			_, _, top, _ := h.toplevel()
			h.Send(top, xdg.ToplevelRequestSetMaxSize, 100, 100)
			h.Send(top, xdg.ToplevelRequestSetMinSize, 200, 200)
			return top
		}},
		{name: "second viewport for a surface", code: viewporter.ViewporterErrorViewportExists, iface: "wp_viewporter", script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(h.vp, viewporter.ViewporterRequestGetViewport, tc.NewObj{ID: h.NewID(nil)}, s)
			h.Send(h.vp, viewporter.ViewporterRequestGetViewport, tc.NewObj{ID: h.NewID(nil)}, s)
			return h.vp
		}},
		{name: "viewport source with a negative size", code: viewporter.ViewportErrorBadValue, iface: "wp_viewport", script: func(h *hc) uint32 {
			s := h.surface()
			v := h.NewID(nil)
			h.Send(h.vp, viewporter.ViewporterRequestGetViewport, tc.NewObj{ID: v}, s)
			h.Send(v, viewporter.ViewportRequestSetSource, wire.Fixed(0), wire.Fixed(0), wire.FixedFromInt(-5), wire.FixedFromInt(5))
			return v
		}},
		{name: "viewport source outside the buffer", code: viewporter.ViewportErrorOutOfBuffer, iface: "wp_viewport", script: func(h *hc) uint32 {
			p, _ := h.pool(65536)
			b := h.buffer(p, 0, 64, 64, 256, xr)
			s := h.surface()
			v := h.NewID(nil)
			h.Send(h.vp, viewporter.ViewporterRequestGetViewport, tc.NewObj{ID: v}, s)
			h.Send(v, viewporter.ViewportRequestSetSource, wire.Fixed(0), wire.Fixed(0), wire.FixedFromInt(100), wire.FixedFromInt(10))
			h.Send(s, wl.SurfaceRequestAttach, b, 0, 0)
			h.Send(s, wl.SurfaceRequestCommit)
			return v
		}},
		{name: "set_cursor with a subsurface", code: wl.PointerErrorRole, iface: "wl_pointer", script: func(h *hc) uint32 {
			s, parent := h.surface(), h.surface()
			h.Send(h.sc, wl.SubcompositorRequestGetSubsurface, tc.NewObj{ID: h.NewID(nil)}, s, parent)
			p := h.pointer()
			h.Send(p, wl.PointerRequestSetCursor, uint32(0), s, int32(0), int32(0)) // stale serial: the role is checked first
			return p
		}},
		{name: "cursor surface made a subsurface", code: wl.SubcompositorErrorBadSurface, iface: "wl_subcompositor", script: func(h *hc) uint32 {
			s, parent := h.surface(), h.surface()
			h.Send(h.pointer(), wl.PointerRequestSetCursor, uint32(0), s, int32(0), int32(0))
			h.Send(h.sc, wl.SubcompositorRequestGetSubsurface, tc.NewObj{ID: h.NewID(nil)}, s, parent)
			return h.sc
		}},
		{name: "cursor surface given an xdg role", code: xdg.WmBaseErrorRole, iface: "xdg_wm_base", script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(h.pointer(), wl.PointerRequestSetCursor, uint32(0), s, int32(0), int32(0))
			h.Send(h.wm, xdg.WmBaseRequestGetXdgSurface, tc.NewObj{ID: h.NewID(nil)}, s)
			return h.wm
		}},
		{name: "subsurface of itself", code: wl.SubcompositorErrorBadSurface, iface: "wl_subcompositor", script: func(h *hc) uint32 {
			s := h.surface()
			h.Send(h.sc, wl.SubcompositorRequestGetSubsurface, tc.NewObj{ID: h.NewID(nil)}, s, s)
			return h.sc
		}},
		{name: "region with too many rectangles", code: core.ErrorNoMemory, iface: disp, script: func(h *hc) uint32 {
			r := h.region()
			for i := 0; i < 1100; i++ {
				h.Send(r, wl.RegionRequestAdd, i, 0, 1, 1)
			}
			return 1
		}},
		{name: "10000 objects", code: core.ErrorNoMemory, iface: disp, script: func(h *hc) uint32 {
			for i := 0; i < 10000; i++ {
				h.region()
			}
			return 1
		}},
		{name: "commit storm with frame callbacks never waited for", code: core.ErrorNoMemory, iface: disp, limits: wire.Limits{MaxObjects: 2000}, script: func(h *hc) uint32 {
			s := h.surface()
			for i := 0; i < 3000; i++ {
				h.Send(s, wl.SurfaceRequestFrame, tc.NewObj{ID: h.NewID(nil)})
				h.Send(s, wl.SurfaceRequestDamage, 0, 0, 10, 10)
			}
			return 1
		}},
		{name: "descriptors with no message to carry them", code: core.ErrorNoMemory, iface: disp, script: func(h *hc) uint32 {
			fd := memfd(h.t, 16)
			fds := make([]int, 200)
			for i := range fds {
				fds[i] = fd
			}
			sync := tc.Raw(1, 0, h.NewID(nil))
			h.SendRaw(sync, fds...)
			h.SendRaw(tc.Raw(1, 0, h.NewID(nil)), fds...)
			return 1
		}},
	}
}

func TestHostileClients(t *testing.T) {
	baseG := runtime.NumGoroutine()
	baseFD := countFDs(t)
	for _, tt := range hostileCases() {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			var opts *Options
			if tt.limits != (wire.Limits{}) {
				opts = &Options{DMABUF: testFeedback, Limits: tt.limits}
			}
			ts := newTestServer(t, opts)
			good := dialHC(t, ts, 5)
			gs := good.surface()
			bad := dialHC(t, ts, 5)
			want := tt.script(bad)
			checkError(t, bad, want, tt.code, tt.iface)
			// the other client is unaffected
			good.Send(gs, wl.SurfaceRequestDamage, 0, 0, 1, 1)
			good.Send(gs, wl.SurfaceRequestCommit)
			if err := good.Roundtrip(); err != nil {
				t.Fatalf("well-behaved client broken by the hostile one: %v", err)
			}
		})
	}
	// every server goroutine and descriptor is gone
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (runtime.NumGoroutine() > baseG || countFDs(t) > baseFD) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > baseG {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines leaked: %d before, %d after\n%s", baseG, g, buf[:runtime.Stack(buf, true)])
	}
	if n := countFDs(t); n > baseFD {
		t.Errorf("descriptors leaked: %d before, %d after", baseFD, n)
	}
}

func checkError(t *testing.T, c *hc, obj, code uint32, iface string) {
	t.Helper()
	e := c.WaitError()
	if e == nil {
		t.Fatalf("no protocol error; want %s error %d on object %d", iface, code, obj)
	}
	if e.Object != obj || e.Code != code {
		t.Fatalf("got %v; want %s error %d on object %d", e, iface, code, obj)
	}
	t.Logf("%v", e)
}

// A storm of commits without frame callbacks is legal: the client stays,
// and the server's state per surface stays bounded.
func TestCommitStormIsBounded(t *testing.T) {
	ts := newTestServer(t, nil)
	h := dialHC(t, ts, 5)
	s := h.surface()
	for i := 0; i < 20000; i++ {
		h.Send(s, wl.SurfaceRequestDamage, int32(i%100), 0, 1, 1)
		h.Send(s, wl.SurfaceRequestCommit)
	}
	if err := h.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	ts.s.Do(func() {
		x := ts.surfaceByID(s)
		sd, _ := x.CommittedDamage()
		if x.Commits() != 20000 || len(sd) > maxDamageRects || cap(x.frames) > 0 {
			t.Errorf("after the storm: %d commits, %d damage rects, frame list cap %d", x.Commits(), len(sd), cap(x.frames))
		}
	})
}

func countFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// A client that sends but never reads is dropped once its queued events
// pass Limits.MaxOutputBytes; no error can reach it, the others go on.
func TestClientThatNeverReadsIsDropped(t *testing.T) {
	ts := newTestServer(t, &Options{DMABUF: testFeedback, Limits: wire.Limits{MaxOutputBytes: 64 << 10}})
	good := dialHC(t, ts, 5)
	bad := dialHC(t, ts, 5)
	for i := 0; i < 20000; i++ {
		// each sync queues a done and a delete_id (24 bytes)
		if err := bad.SendRaw(tc.Raw(1, 0, bad.NewID(nil))); err != nil {
			break // the server hung up
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	n := 2
	for time.Now().Before(deadline) && n > 1 {
		ts.s.Do(func() { n = len(ts.s.d.Clients()) })
		time.Sleep(10 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("%d clients connected; the one that never reads should be gone", n)
	}
	if err := good.Roundtrip(); err != nil {
		t.Fatalf("well-behaved client broken: %v", err)
	}
}
