package protocol

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/linuxdmabuf"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

// socketClient adds a client over a socketpair and returns the server
// side (found under the lock) and the client's end.
func socketClient(tb testing.TB, s *Server) (*core.Client, *net.UnixConn) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	conn := func(n int) *net.UnixConn {
		f := fileFromFD(n)
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
		return c.(*net.UnixConn)
	}
	srv, cli := conn(fds[0]), conn(fds[1])
	c, err := s.d.AddClient(srv)
	if err != nil {
		tb.Fatal(err)
	}
	return c, cli
}

// FuzzDispatch feeds arbitrary requests to a fresh client of a real
// server, through every generated decoder and every handler: the server
// must never panic, and must stay usable.
func FuzzDispatch(f *testing.F) {
	// Seeds: a valid session prefix (registry, bind every global) and
	// typical requests.
	var seed []byte
	add := func(b []byte) { seed = append(seed, b...) }
	add(tc.Raw(1, 1, 2)) // get_registry -> 2
	globals := []*core.Interface{wl.CompositorInterface, wl.SubcompositorInterface, wl.ShmInterface, wl.SeatInterface,
		wl.DataDeviceManagerInterface, xdg.WmBaseInterface}
	id := uint32(3)
	for i, g := range globals {
		e := tc.Raw(2, 0)
		_ = e
		seed = append(seed, bindMsg(uint32(i+1), g.Name, g.Version, id)...)
		id++
	}
	add(tc.Raw(3, wl.CompositorRequestCreateSurface, 9))
	add(tc.Raw(3, wl.CompositorRequestCreateRegion, 10))
	add(tc.Raw(10, wl.RegionRequestAdd, 0, 0, 10, 10))
	add(tc.Raw(9, wl.SurfaceRequestSetOpaqueRegion, 10))
	add(tc.Raw(8, xdg.WmBaseRequestGetXdgSurface, 11, 9))
	add(tc.Raw(11, xdg.SurfaceRequestGetToplevel, 12))
	add(tc.Raw(9, wl.SurfaceRequestCommit))
	add(tc.Raw(9, wl.SurfaceRequestFrame, 13))
	add(tc.Raw(9, wl.SurfaceRequestDamage, 0, 0, 5, 5))
	add(tc.Raw(9, wl.SurfaceRequestCommit))
	f.Add(seed)
	f.Add(tc.Raw(1, 0, 2))

	s, err := NewServer(&Options{DMABUF: testFeedback})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	s.Do(func() { s.AddOutput(OutputConfig{Width: 320, Height: 240}) })
	f.Fuzz(func(t *testing.T, data []byte) {
		c, cli := socketClient(t, s)
		defer cli.Close()
		s.Do(func() {
			c.Inject(data)
			s.Latch(s.outputs[0])
			s.FrameDone(s.outputs[0], 0)
			s.Presented(s.outputs[0], Presentation{})
		})
	})
}

func bindMsg(name uint32, iface string, version, id uint32) []byte {
	e := wireEncoder()
	e.Begin(2, 0)
	e.Uint(name)
	e.String(iface)
	e.Uint(version)
	e.Uint(id)
	return e.End()
}

// FuzzDMABUFParams checks the create-time validation of
// zwp_linux_buffer_params_v1 against its invariants.
func FuzzDMABUFParams(f *testing.F) {
	f.Add(uint8(1), uint32(0), uint32(256), int32(64), int32(64), uint32(allocator.XRGB8888), uint64(0), int64(65536), false)
	f.Add(uint8(3), uint32(4096), uint32(64), int32(64), int32(64), uint32(allocator.NV12), uint64(0), int64(65536), false)
	f.Add(uint8(5), uint32(0xfffffff0), uint32(0xffffffff), int32(1<<30), int32(7), uint32(allocator.NV12), uint64(allocator.ModifierInvalid), int64(-1), true)
	supported := map[FormatModifier]bool{}
	for _, t := range testFeedback.Tranches {
		for _, fm := range t.Formats {
			supported[fm] = true
		}
	}
	f.Fuzz(func(t *testing.T, mask uint8, offset, stride uint32, w, h int32, format uint32, mod uint64, size int64, used bool) {
		var planes [allocator.MaxPlanes]paramPlane
		for i := range planes {
			if mask&(1<<i) != 0 {
				planes[i] = paramPlane{set: true, offset: offset * uint32(i+1) / 2, stride: stride, modifier: allocator.Modifier(mod)}
			}
		}
		code, msg := validateParams(&planes, used, w, h, format,
			func(fm FormatModifier) bool { return supported[fm] }, func(int) int64 { return size })
		if msg == "" {
			// accepted: the invariants the spec demands
			if used || w <= 0 || h <= 0 || !supported[FormatModifier{allocator.Format(format), allocator.Modifier(mod)}] {
				t.Fatalf("accepted invalid params: used=%v %dx%d %v", used, w, h, allocator.Format(format))
			}
			fi, _ := allocator.Format(format).Info()
			n := 0
			for n < len(planes) && planes[n].set {
				n++
			}
			if n < fi.Planes {
				t.Fatalf("accepted %d planes for %v", n, allocator.Format(format))
			}
			for i := 0; i < n; i++ {
				_, ph := fi.PlaneSize(min(i, fi.Planes-1), int(w), int(h))
				if size >= 0 && uint64(planes[i].offset)+uint64(planes[i].stride)*uint64(ph) > uint64(size) {
					t.Fatalf("accepted plane %d beyond the buffer", i)
				}
			}
			return
		}
		if code > linuxdmabuf.BufferParamsErrorInvalidWlBuffer {
			t.Fatalf("error code %d not in the enum", code)
		}
	})
}
