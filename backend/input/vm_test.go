package input_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/backend/input"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/input/evdev"
	"github.com/go-scanout/scanout/input/uinput"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

// client is a scripted Wayland client with a full-output toplevel.
type client struct {
	t *testing.T
	*testclient.Client
	reg, comp, shm, wm, seat uint32
	surf, xs                 uint32
	events                   []testclient.Event
	configure                uint32
	fds                      []int
}

func dial(t *testing.T, path string) *client {
	tc, err := testclient.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, Client: tc}
	t.Cleanup(func() {
		tc.Close()
		for _, fd := range c.fds {
			unix.Close(fd)
		}
	})
	tc.OnEvent = func(e testclient.Event) {
		for _, a := range e.Args {
			if fd, ok := a.(int); ok {
				c.fds = append(c.fds, fd)
			}
		}
		c.events = append(c.events, e)
		if e.Name == "configure" && e.Interface == xdg.SurfaceInterface {
			c.configure = e.Args[0].(uint32)
		}
		if e.Name == "ping" {
			c.Send(c.wm, xdg.WmBaseRequestPong, e.Args[0].(uint32))
		}
	}
	if c.reg, err = tc.Registry(); err != nil {
		t.Fatal(err)
	}
	c.comp = c.bind(wl.CompositorInterface, 5)
	c.shm = c.bind(wl.ShmInterface, 1)
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

// toplevel maps a w x h XRGB toplevel.
func (c *client) toplevel(w, h int) {
	c.surf = c.NewID(wl.SurfaceInterface)
	c.send(c.comp, wl.CompositorRequestCreateSurface, testclient.NewObj{ID: c.surf, Iface: wl.SurfaceInterface})
	c.xs = c.NewID(xdg.SurfaceInterface)
	c.send(c.wm, xdg.WmBaseRequestGetXdgSurface, testclient.NewObj{ID: c.xs, Iface: xdg.SurfaceInterface}, c.surf)
	top := c.NewID(xdg.ToplevelInterface)
	c.send(c.xs, xdg.SurfaceRequestGetToplevel, testclient.NewObj{ID: top, Iface: xdg.ToplevelInterface})
	c.send(c.surf, wl.SurfaceRequestCommit)
	c.roundtrip()
	c.send(c.xs, xdg.SurfaceRequestAckConfigure, c.configure)
	fd, err := unix.MemfdCreate("t", unix.MFD_CLOEXEC)
	if err != nil {
		c.t.Fatal(err)
	}
	defer unix.Close(fd)
	size := w * h * 4
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		c.t.Fatal(err)
	}
	pool := c.NewID(wl.ShmPoolInterface)
	c.send(c.shm, wl.ShmRequestCreatePool, testclient.NewObj{ID: pool, Iface: wl.ShmPoolInterface}, testclient.FD(fd), int32(size))
	buf := c.NewID(wl.BufferInterface)
	c.send(pool, wl.ShmPoolRequestCreateBuffer, testclient.NewObj{ID: buf, Iface: wl.BufferInterface}, int32(0), int32(w), int32(h), int32(w*4), wl.ShmFormatXrgb8888)
	c.send(pool, wl.ShmPoolRequestDestroy)
	c.send(c.surf, wl.SurfaceRequestAttach, buf, int32(0), int32(0))
	c.send(c.surf, wl.SurfaceRequestDamageBuffer, int32(0), int32(0), int32(w), int32(h))
	c.send(c.surf, wl.SurfaceRequestCommit)
	c.roundtrip()
}

func (c *client) get(op uint16, iface *core.Interface) uint32 {
	id := c.NewID(iface)
	c.send(c.seat, op, testclient.NewObj{ID: id, Iface: iface})
	c.roundtrip()
	return id
}

// waitFor round-trips until an event of iface called name for which ok
// holds arrives, and returns it; it fails after 10 s.
func (c *client) waitFor(iface *core.Interface, name string, ok func(testclient.Event) bool) testclient.Event {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.roundtrip()
		for i, e := range c.events {
			if e.Interface == iface && e.Name == name && (ok == nil || ok(e)) {
				c.events = c.events[i+1:]
				return e
			}
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, e := range c.events {
				seen = append(seen, fmt.Sprintf("%s.%s%v", e.Interface.Name, e.Name, e.Args))
			}
			c.t.Fatalf("no %s.%s within 10s; saw %s", iface.Name, name, strings.Join(seen, " "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fixedIs(a any, v float64) bool { return a.(wire.Fixed) == wire.FixedFromFloat(v) }

// TestUinputDevicesDriveARealClient plugs a virtual mouse, keyboard and
// multitouch screen into a running seat (hotplug), and checks what a
// Wayland client receives: capabilities, pointer motion and button, key,
// touch down/motion/up, and the capability going away on unplug.
func TestUinputDevicesDriveARealClient(t *testing.T) {
	testenv.RequireFile(t, uinput.Path)
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Do(func() { c.AddOutput(compositor.OutputConfig{Name: "T-1", Width: 1280, Height: 800}) })
	path, err := c.Listen(filepath.Join(t.TempDir(), "wayland-t"))
	if err != nil {
		t.Fatal(err)
	}
	var logMu sync.Mutex
	var logs []string
	seat, err := input.Start(c, &input.Options{
		// Only this test's devices: the VM also has an AT keyboard and a PS/2 mouse.
		Match: func(i *evdev.Info) bool { return strings.HasPrefix(i.Name, "scanout glue ") },
		Log: func(f string, a ...any) {
			logMu.Lock()
			logs = append(logs, fmt.Sprintf(f, a...))
			logMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer seat.Close()
	if caps := seat.Capabilities(); caps != 0 {
		t.Fatalf("capabilities %#x before any test device exists", caps)
	}
	cl := dial(t, path)
	cl.toplevel(1280, 800)

	mouse, err := uinput.Create(uinput.Mouse("scanout glue mouse"))
	if err != nil {
		t.Fatal(err)
	}
	defer mouse.Close()
	kbd, err := uinput.Create(uinput.Keyboard("scanout glue keyboard"))
	if err != nil {
		t.Fatal(err)
	}
	defer kbd.Close()
	touch, err := uinput.Create(uinput.Touchscreen("scanout glue touch", 1280, 800, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer touch.Close()
	all := uint32(protocol.SeatPointer | protocol.SeatKeyboard | protocol.SeatTouch)
	cl.waitFor(wl.SeatInterface, "capabilities", func(e testclient.Event) bool { return e.Args[0].(uint32) == all })
	t.Logf("devices:\n%s", seat.Report())

	ptr := cl.get(wl.SeatRequestGetPointer, wl.PointerInterface)
	key := cl.get(wl.SeatRequestGetKeyboard, wl.KeyboardInterface)
	tch := cl.get(wl.SeatRequestGetTouch, wl.TouchInterface)
	_, _, _ = ptr, key, tch

	// The pointer starts in the middle (640,400); the mouse moves it by 10,5.
	mouse.Emit(uapi.EV_REL, uapi.REL_X, 10)
	mouse.Emit(uapi.EV_REL, uapi.REL_Y, 5)
	mouse.Sync()
	cl.waitFor(wl.PointerInterface, "enter", func(e testclient.Event) bool {
		return e.Args[1].(uint32) == cl.surf && fixedIs(e.Args[2], 650) && fixedIs(e.Args[3], 405)
	})
	mouse.Emit(uapi.EV_REL, uapi.REL_X, -50)
	mouse.Sync()
	cl.waitFor(wl.PointerInterface, "motion", func(e testclient.Event) bool { return fixedIs(e.Args[1], 600) && fixedIs(e.Args[2], 405) })
	mouse.Emit(uapi.EV_KEY, uapi.BTN_LEFT, 1)
	mouse.Sync()
	cl.waitFor(wl.PointerInterface, "button", func(e testclient.Event) bool {
		return e.Args[2].(uint32) == uapi.BTN_LEFT && e.Args[3].(uint32) == 1
	})
	mouse.Emit(uapi.EV_KEY, uapi.BTN_LEFT, 0)
	mouse.Emit(uapi.EV_REL, uapi.REL_WHEEL, 1)
	mouse.Sync()
	cl.waitFor(wl.PointerInterface, "button", func(e testclient.Event) bool { return e.Args[3].(uint32) == 0 })
	cl.waitFor(wl.PointerInterface, "axis", func(e testclient.Event) bool { return fixedIs(e.Args[2], -15) })
	var x, y float64
	c.Do(func() { _, x, y = c.Pointer() })
	if x != 600 || y != 405 {
		t.Errorf("compositor pointer at %g,%g, want 600,405", x, y)
	}

	// The keyboard focus is the toplevel; KEY_A (30) reaches it.
	kbd.Emit(uapi.EV_KEY, uapi.KEY_A, 1)
	kbd.Sync()
	cl.waitFor(wl.KeyboardInterface, "key", func(e testclient.Event) bool { return e.Args[2].(uint32) == uapi.KEY_A && e.Args[3].(uint32) == 1 })
	kbd.Emit(uapi.EV_KEY, uapi.KEY_A, 0)
	kbd.Sync()
	cl.waitFor(wl.KeyboardInterface, "key", func(e testclient.Event) bool { return e.Args[2].(uint32) == uapi.KEY_A && e.Args[3].(uint32) == 0 })

	// A touch: the axis range 0..1279 x 0..799 maps 1:1 onto the output.
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_SLOT, 0)
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, 1)
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, 100)
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, 200)
	touch.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 1)
	touch.Sync()
	down := cl.waitFor(wl.TouchInterface, "down", func(e testclient.Event) bool {
		return e.Args[2].(uint32) == cl.surf && fixedIs(e.Args[4], 100) && fixedIs(e.Args[5], 200)
	})
	id := down.Args[3].(int32)
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, 110)
	touch.Sync()
	cl.waitFor(wl.TouchInterface, "motion", func(e testclient.Event) bool {
		return e.Args[1].(int32) == id && fixedIs(e.Args[2], 110) && fixedIs(e.Args[3], 200)
	})
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, -1)
	touch.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 0)
	touch.Sync()
	cl.waitFor(wl.TouchInterface, "up", func(e testclient.Event) bool { return e.Args[2].(int32) == id })

	// A contact held while the screen is unplugged is cancelled, and the
	// touch capability goes away.
	touch.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, 2)
	touch.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 1)
	touch.Sync()
	cl.waitFor(wl.TouchInterface, "down", nil)
	touch.Close()
	cl.waitFor(wl.TouchInterface, "cancel", nil)
	cl.waitFor(wl.SeatInterface, "capabilities", func(e testclient.Event) bool {
		return e.Args[0].(uint32) == protocol.SeatPointer|protocol.SeatKeyboard
	})
	logMu.Lock()
	t.Logf("log:\n%s", strings.Join(logs, "\n"))
	logMu.Unlock()
}
