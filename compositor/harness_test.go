package compositor_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
	"github.com/go-scanout/scanout/render"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// rig is a compositor with one output and no backend: tests drive frames
// themselves with frame().
type rig struct {
	t      *testing.T
	c      *compositor.Compositor
	out    *compositor.Output
	path   string
	r      render.Renderer
	target *render.Target
}

func newRig(t *testing.T, w, h int) *rig {
	t.Helper()
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &rig{t: t, c: c, r: render.NewCPU()}
	g.target = &render.Target{Key: 1, Image: render.NewImage(allocator.XRGB8888, w, h)}
	c.Do(func() { g.out = c.AddOutput(compositor.OutputConfig{Name: "T-1", Width: w, Height: h}) })
	g.path, err = c.Listen(filepath.Join(t.TempDir(), "wayland-t"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return g
}

// frame renders the whole output and completes the frame.
func (g *rig) frame() {
	g.t.Helper()
	g.c.Do(func() {
		if _, err := g.out.Render(g.r, g.target, 0); err != nil {
			g.t.Error(err)
		}
		g.out.Presented(protocol.Presentation{Time: protocol.MonotonicNow()}, false)
	})
}

// scene returns the output's scene.
func (g *rig) scene() []compositor.Element {
	var s []compositor.Element
	g.c.Do(func() { s = g.out.Scene(nil) })
	return s
}

// pixel returns the target's pixel at x, y as 0xRRGGBB.
func (g *rig) pixel(x, y int) uint32 {
	var v uint32
	g.c.Do(func() {
		img := g.target.Image
		p := img.Pix[y*img.Stride+x*4:]
		v = uint32(p[2])<<16 | uint32(p[1])<<8 | uint32(p[0])
	})
	return v
}

// client is a scripted Wayland client (protocol/testclient) that keeps
// track of the objects a test needs.
type client struct {
	t *testing.T
	*testclient.Client
	reg, comp, shm, sub, wm, seat uint32
	events                        []testclient.Event
	configures                    map[uint32]uint32 // xdg_surface -> last configure serial
}

func (g *rig) dial() *client {
	g.t.Helper()
	tc, err := testclient.Dial(g.path)
	if err != nil {
		g.t.Fatal(err)
	}
	c := &client{t: g.t, Client: tc, configures: map[uint32]uint32{}}
	g.t.Cleanup(func() { tc.Close() })
	var fds []int
	g.t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	tc.OnEvent = func(e testclient.Event) {
		for _, a := range e.Args {
			if fd, ok := a.(int); ok {
				fds = append(fds, fd) // received descriptors: closed after the test
			}
		}
		c.events = append(c.events, e)
		if e.Name == "configure" && e.Interface == xdg.SurfaceInterface {
			c.configures[e.Object] = e.Args[0].(uint32)
		}
		if e.Name == "ping" {
			c.Send(c.wm, xdg.WmBaseRequestPong, e.Args[0].(uint32))
		}
	}
	if c.reg, err = tc.Registry(); err != nil {
		g.t.Fatal(err)
	}
	c.comp = c.bind(wl.CompositorInterface, 5)
	c.shm = c.bind(wl.ShmInterface, 1)
	c.sub = c.bind(wl.SubcompositorInterface, 1)
	c.wm = c.bind(xdg.WmBaseInterface, 5)
	c.seat = c.bind(wl.SeatInterface, 8)
	c.roundtrip()
	return c
}

func (c *client) bind(iface *core.Interface, v uint32) uint32 {
	id, err := c.Bind(c.reg, iface, v)
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

func (c *client) roundtrip() {
	c.t.Helper()
	if err := c.Roundtrip(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) send(obj uint32, op uint16, args ...any) {
	c.t.Helper()
	if err := c.Send(obj, op, args...); err != nil {
		c.t.Fatal(err)
	}
}

// take returns and forgets the events received so far.
func (c *client) take() []testclient.Event {
	e := c.events
	c.events = nil
	return e
}

// named returns the events of interface iface called name.
func named(evs []testclient.Event, iface *core.Interface, name string) []testclient.Event {
	var out []testclient.Event
	for _, e := range evs {
		if e.Interface == iface && e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func (c *client) surface() uint32 {
	id := c.NewID(wl.SurfaceInterface)
	c.send(c.comp, wl.CompositorRequestCreateSurface, testclient.NewObj{ID: id, Iface: wl.SurfaceInterface})
	return id
}

// buffer returns a w x h wl_buffer of one colour (0xAARRGGBB; format
// ARGB8888 when alpha is wanted, else XRGB8888).
func (c *client) buffer(w, h int, argb uint32, alpha bool) uint32 {
	c.t.Helper()
	fd, err := unix.MemfdCreate("t", unix.MFD_CLOEXEC)
	if err != nil {
		c.t.Fatal(err)
	}
	defer unix.Close(fd)
	size := w * h * 4
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		c.t.Fatal(err)
	}
	m, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i < size; i += 4 {
		m[i], m[i+1], m[i+2], m[i+3] = byte(argb), byte(argb>>8), byte(argb>>16), byte(argb>>24)
	}
	unix.Munmap(m)
	pool := c.NewID(wl.ShmPoolInterface)
	c.send(c.shm, wl.ShmRequestCreatePool, testclient.NewObj{ID: pool, Iface: wl.ShmPoolInterface}, testclient.FD(fd), int32(size))
	buf := c.NewID(wl.BufferInterface)
	format := wl.ShmFormatXrgb8888
	if alpha {
		format = wl.ShmFormatArgb8888
	}
	c.send(pool, wl.ShmPoolRequestCreateBuffer, testclient.NewObj{ID: buf, Iface: wl.BufferInterface}, int32(0), int32(w), int32(h), int32(w*4), format)
	c.send(pool, wl.ShmPoolRequestDestroy)
	return buf
}

// attach attaches buf to surf, damages everything and commits.
func (c *client) attach(surf, buf uint32) {
	c.send(surf, wl.SurfaceRequestAttach, buf, int32(0), int32(0))
	c.send(surf, wl.SurfaceRequestDamageBuffer, int32(0), int32(0), int32(1<<20), int32(1<<20))
	c.send(surf, wl.SurfaceRequestCommit)
}

// toplevel maps a w x h toplevel of colour argb and returns its
// wl_surface, xdg_surface and xdg_toplevel.
func (c *client) toplevel(w, h int, argb uint32) (surf, xs, top uint32) {
	c.t.Helper()
	surf = c.surface()
	xs = c.NewID(xdg.SurfaceInterface)
	c.send(c.wm, xdg.WmBaseRequestGetXdgSurface, testclient.NewObj{ID: xs, Iface: xdg.SurfaceInterface}, surf)
	top = c.NewID(xdg.ToplevelInterface)
	c.send(xs, xdg.SurfaceRequestGetToplevel, testclient.NewObj{ID: top, Iface: xdg.ToplevelInterface})
	c.send(surf, wl.SurfaceRequestCommit)
	c.roundtrip()
	serial, ok := c.configures[xs]
	if !ok {
		c.t.Fatal("no xdg_surface.configure after the initial commit")
	}
	c.send(xs, xdg.SurfaceRequestAckConfigure, serial)
	c.attach(surf, c.buffer(w, h, argb, false))
	c.roundtrip()
	return surf, xs, top
}

// subsurface adds a w x h child of parent at x, y (desynchronized).
func (c *client) subsurface(parent uint32, x, y, w, h int, argb uint32) (surf, sub uint32) {
	surf = c.surface()
	sub = c.NewID(wl.SubsurfaceInterface)
	c.send(c.sub, wl.SubcompositorRequestGetSubsurface, testclient.NewObj{ID: sub, Iface: wl.SubsurfaceInterface}, surf, parent)
	c.send(sub, wl.SubsurfaceRequestSetPosition, int32(x), int32(y))
	c.send(sub, wl.SubsurfaceRequestSetDesync)
	c.attach(surf, c.buffer(w, h, argb, argb>>24 != 0xff))
	c.send(parent, wl.SurfaceRequestCommit)
	c.roundtrip()
	return surf, sub
}

// surfaceByID finds the server side of the client's wl_surface id.
func (g *rig) surfaceByID(id uint32) *protocol.Surface {
	var found *protocol.Surface
	g.c.Do(func() {
		for _, s := range g.c.Server().Surfaces() {
			if s.ID() == id {
				found = s
			}
		}
	})
	if found == nil {
		g.t.Fatalf("no wl_surface@%d on the server", id)
	}
	return found
}

func fixed(v float64) wire.Fixed { return wire.FixedFromFloat(v) }

func describe(s []compositor.Element) string {
	out := ""
	for _, e := range s {
		out += fmt.Sprintf("[wl_surface@%d %v cursor=%v] ", e.Surface.ID(), e.Dst, e.Cursor)
	}
	return out
}

var _ = os.Getenv
