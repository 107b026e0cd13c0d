package evdev_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/go-scanout/scanout/input/evdev"
	"github.com/go-scanout/scanout/input/uinput"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
)

// create makes a uinput device, or ends t when /dev/uinput is missing (a
// skip on a plain host, a failure in the VM).
func create(t *testing.T, s uinput.Setup) *uinput.Device {
	t.Helper()
	testenv.RequireFile(t, uinput.Path)
	d, err := uinput.Create(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// reader runs a device and forwards copies of its frames.
type reader struct {
	dev    *evdev.Device
	frames chan evdev.Frame
	done   chan error
}

func open(t *testing.T, node string) *reader {
	t.Helper()
	d, err := evdev.Open(node, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{dev: d, frames: make(chan evdev.Frame, 1024), done: make(chan error, 1)}
	t.Cleanup(func() { d.Close() })
	return r
}

func (r *reader) start() {
	go func() {
		r.done <- r.dev.Run(func(f *evdev.Frame) {
			c := *f
			c.Keys = append([]evdev.Key(nil), f.Keys...)
			c.Touches = append([]evdev.Touch(nil), f.Touches...)
			r.frames <- c
		})
	}()
}

func (r *reader) next(t *testing.T) evdev.Frame {
	t.Helper()
	select {
	case f := <-r.frames:
		return f
	case err := <-r.done:
		t.Fatalf("Run returned %v while a frame was expected", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no frame within 10s")
	}
	return evdev.Frame{}
}

func TestUinputDevicesAreClassified(t *testing.T) {
	tests := []struct {
		setup uinput.Setup
		class evdev.Class
		slots int
	}{
		{uinput.Mouse("scanout test mouse"), evdev.Pointer, 0},
		{uinput.Keyboard("scanout test keyboard"), evdev.Keyboard, 0},
		{uinput.Touchscreen("scanout test touch", 1280, 800, 10), evdev.Touchscreen, 10},
		{singleTouch("scanout test resistive"), evdev.Touchscreen, 1},
		{uinput.Setup{Name: "scanout test tablet", Bus: uapi.BUS_VIRTUAL, Keys: []uint16{uapi.BTN_LEFT, uapi.BTN_RIGHT},
			Abs: []uinput.AbsAxis{{Code: uapi.ABS_X, Max: 32767}, {Code: uapi.ABS_Y, Max: 32767}}}, evdev.AbsPointer, 0},
	}
	for _, tc := range tests {
		t.Run(tc.setup.Name, func(t *testing.T) {
			u := create(t, tc.setup)
			r := open(t, u.Node())
			info := r.dev.Info()
			if info.Class != tc.class || info.Name != tc.setup.Name || info.Slots != tc.slots || info.Path != u.Node() {
				t.Errorf("Info = %s (slots %d), want %q %s with %d slots", info, info.Slots, tc.setup.Name, tc.class, tc.slots)
			}
			if info.ID != (evdev.ID{Bus: tc.setup.Bus, Vendor: tc.setup.Vendor, Product: tc.setup.Product}) {
				t.Errorf("ID = %+v", info.ID)
			}
			if tc.slots == 10 && (info.X != evdev.Axis{Max: 1279} || info.Y != evdev.Axis{Max: 799}) {
				t.Errorf("axes X %+v Y %+v, want 0..1279 and 0..799", info.X, info.Y)
			}
			t.Log(info)
		})
	}
}

func TestScanFindsTheNodes(t *testing.T) {
	u := create(t, uinput.Mouse("scanout scan mouse"))
	paths, err := evdev.Scan("")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if p == u.Node() {
			return
		}
	}
	t.Errorf("Scan = %v, missing %s", paths, u.Node())
}

func TestHotplugReportsAddAndRemove(t *testing.T) {
	testenv.RequireFile(t, uinput.Path)
	m, err := evdev.NewMonitor("")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	events := make(chan evdev.Hotplug, 16)
	go func() {
		for {
			h, err := m.Next()
			if err != nil {
				close(events)
				return
			}
			events <- h
		}
	}()
	u, err := uinput.Create(uinput.Mouse("scanout hotplug mouse"))
	if err != nil {
		t.Fatal(err)
	}
	node := u.Node()
	wait := func(want evdev.Hotplug) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case h := <-events:
				if h == want {
					return
				}
			case <-deadline:
				t.Fatalf("no hotplug event %+v within 10s", want)
			}
		}
	}
	wait(evdev.Hotplug{Added: true, Path: node})
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	wait(evdev.Hotplug{Added: false, Path: node})
	m.Close()
	for range events {
	}
}

func TestDecodesMouse(t *testing.T) {
	u := create(t, uinput.Mouse("scanout decode mouse"))
	r := open(t, u.Node())
	r.start()
	u.Emit(uapi.EV_REL, uapi.REL_X, 7)
	u.Emit(uapi.EV_REL, uapi.REL_Y, -3)
	u.Sync()
	u.Emit(uapi.EV_KEY, uapi.BTN_LEFT, 1)
	u.Sync()
	u.Emit(uapi.EV_REL, uapi.REL_WHEEL, -2)
	u.Emit(uapi.EV_KEY, uapi.BTN_LEFT, 0)
	u.Sync()
	before := time.Duration(0)
	for i, want := range []evdev.Frame{
		{DX: 7, DY: -3},
		{Keys: []evdev.Key{{Code: evdev.BtnLeft, Pressed: true}}},
		{Wheel: -2, Keys: []evdev.Key{{Code: evdev.BtnLeft, Pressed: false}}},
	} {
		f := r.next(t)
		if f.Time <= 0 || f.Time < before {
			t.Errorf("frame %d: time %v (previous %v): want monotonic timestamps", i, f.Time, before)
		}
		before = f.Time
		if f.DX != want.DX || f.DY != want.DY || f.Wheel != want.Wheel || fmt.Sprint(f.Keys) != fmt.Sprint(want.Keys) {
			t.Errorf("frame %d = %+v, want %+v", i, f, want)
		}
	}
	// The timestamps are CLOCK_MONOTONIC: close to Go's monotonic clock
	// expressed as time since boot, not wall-clock time (decades).
	if before > 100*24*time.Hour {
		t.Errorf("timestamp %v looks like CLOCK_REALTIME", before)
	}
}

func TestDecodesKeyboard(t *testing.T) {
	u := create(t, uinput.Keyboard("scanout decode keyboard"))
	r := open(t, u.Node())
	r.start()
	u.Emit(uapi.EV_KEY, uapi.KEY_LEFTSHIFT, 1)
	u.Emit(uapi.EV_KEY, uapi.KEY_A, 1)
	u.Sync()
	u.Emit(uapi.EV_KEY, uapi.KEY_A, 2) // autorepeat
	u.Sync()
	u.Emit(uapi.EV_KEY, uapi.KEY_A, 0)
	u.Emit(uapi.EV_KEY, uapi.KEY_LEFTSHIFT, 0)
	u.Sync()
	f := r.next(t)
	if fmt.Sprint(f.Keys) != fmt.Sprint([]evdev.Key{{uapi.KEY_LEFTSHIFT, true}, {uapi.KEY_A, true}}) {
		t.Errorf("first frame keys %v", f.Keys)
	}
	f = r.next(t)
	if fmt.Sprint(f.Keys) != fmt.Sprint([]evdev.Key{{uapi.KEY_A, false}, {uapi.KEY_LEFTSHIFT, false}}) {
		t.Errorf("second frame keys %v (the autorepeat must not show)", f.Keys)
	}
}

func TestDecodesMultitouch(t *testing.T) {
	u := create(t, uinput.Touchscreen("scanout decode touch", 1280, 800, 10))
	r := open(t, u.Node())
	r.start()
	slot := func(s, id, x, y int32) {
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_SLOT, s)
		if id != 0 {
			u.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, id)
		}
		if x >= 0 {
			u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, x)
			u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, y)
		}
	}
	slot(0, 1, 100, 200)
	slot(1, 2, 300, 400)
	u.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 1)
	u.Sync()
	slot(1, 0, 310, 420)
	u.Sync()
	slot(0, -1, -1, 0)
	u.Sync()
	slot(1, -1, -1, 0)
	u.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 0)
	u.Sync()
	want := [][]evdev.Touch{
		{{Slot: 0, X: 100, Y: 200, Down: true}, {Slot: 1, X: 300, Y: 400, Down: true}},
		{{Slot: 1, X: 310, Y: 420}},
		{{Slot: 0, X: 100, Y: 200, Up: true}},
		{{Slot: 1, X: 310, Y: 420, Up: true}},
	}
	for i, w := range want {
		f := r.next(t)
		if fmt.Sprint(f.Touches) != fmt.Sprint(w) || len(f.Keys) != 0 {
			t.Errorf("frame %d: touches %+v keys %v, want %+v and no keys", i, f.Touches, f.Keys, w)
		}
	}
}

// The kernel's per-reader buffer holds 64 events for these devices. Writing
// far more than that before reading overflows it; the reader must see a
// frame marked Resync whose key and contact state matches the kernel's.
func TestResyncAfterKernelBufferOverflow(t *testing.T) {
	t.Run("keyboard", func(t *testing.T) {
		u := create(t, uinput.Keyboard("scanout overflow keyboard"))
		r := open(t, u.Node()) // opened, not read yet
		u.Emit(uapi.EV_KEY, uapi.KEY_Z, 1)
		u.Sync()
		for i := 0; i < 300; i++ {
			u.Emit(uapi.EV_KEY, uapi.KEY_Q, int32(1-i%2)) // press, release, ...
			u.Sync()
		}
		u.Emit(uapi.EV_KEY, uapi.KEY_Z, 0)
		u.Emit(uapi.EV_KEY, uapi.KEY_A, 1) // held at the end
		u.Sync()
		r.start()
		held := map[uint16]bool{}
		resynced := false
		deadline := time.After(10 * time.Second)
		for !resynced || !held[uapi.KEY_A] {
			select {
			case f := <-r.frames:
				resynced = resynced || f.Resync
				for _, k := range f.Keys {
					held[k.Code] = k.Pressed
				}
			case <-deadline:
				t.Fatalf("after the overflow: resync seen %v, held %v; want a resync and KEY_A held", resynced, held)
			}
		}
		if held[uapi.KEY_Q] || held[uapi.KEY_Z] {
			t.Errorf("keys stuck after the resync: %v", held)
		}
	})
	t.Run("touchscreen", func(t *testing.T) {
		u := create(t, uinput.Touchscreen("scanout overflow touch", 1000, 1000, 4))
		r := open(t, u.Node())
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_SLOT, 0)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, 5)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, 1)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, 1)
		u.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 1)
		u.Sync()
		for i := int32(2); i < 400; i++ {
			u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, i)
			u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, i)
			u.Sync()
		}
		// Lift contact 5 and put a new one in slot 1 at the end.
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, -1)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_SLOT, 1)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, 6)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, 777)
		u.Emit(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, 555)
		u.Sync()
		r.start()
		down := map[int]evdev.Touch{}
		resynced := false
		deadline := time.After(10 * time.Second)
		for !resynced || len(down) != 1 || down[1].X != 777 {
			select {
			case f := <-r.frames:
				resynced = resynced || f.Resync
				for _, tc := range f.Touches {
					if tc.Up {
						delete(down, tc.Slot)
					}
					if tc.Down && !tc.Up || !tc.Down && !tc.Up {
						down[tc.Slot] = tc
					}
				}
			case <-deadline:
				t.Fatalf("after the overflow: resync %v, contacts %+v; want a resync and one contact in slot 1 at 777,555", resynced, down)
			}
		}
		if c := down[1]; c.Y != 555 {
			t.Errorf("contact in slot 1 at %d,%d, want 777,555", c.X, c.Y)
		}
	})
}

func TestRunEndsWhenTheDeviceIsUnplugged(t *testing.T) {
	u := create(t, uinput.Mouse("scanout unplug mouse"))
	r := open(t, u.Node())
	r.start()
	u.Close()
	select {
	case err := <-r.done:
		if !errors.Is(err, evdev.ErrRemoved) {
			t.Errorf("Run = %v, want ErrRemoved", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running 10s after the device was destroyed")
	}
}

func TestRunEndsOnClose(t *testing.T) {
	u := create(t, uinput.Mouse("scanout close mouse"))
	r := open(t, u.Node())
	r.start()
	r.dev.Close()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run after Close = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running 10s after Close")
	}
}

func TestGrabIsExclusive(t *testing.T) {
	u := create(t, uinput.Mouse("scanout grab mouse"))
	d, err := evdev.Open(u.Node(), &evdev.Options{Grab: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = evdev.Open(u.Node(), &evdev.Options{Grab: true})
	if err == nil {
		t.Fatal("a second grab succeeded")
	}
	if !errors.Is(err, errBusy) {
		t.Errorf("second grab: %v, want EBUSY", err)
	}
	t.Log(err)
}

func TestOpenErrorsNameTheFix(t *testing.T) {
	_, err := evdev.Open(filepath.Join(t.TempDir(), "event99"), nil)
	if !errors.Is(err, evdev.ErrRemoved) {
		t.Errorf("missing node: %v, want ErrRemoved", err)
	}
	// Not an evdev node.
	_, err = evdev.Open("/dev/null", nil)
	if err == nil || !errors.Is(err, errNotTTY) {
		t.Errorf("/dev/null: %v, want ENOTTY from EVIOCGVERSION", err)
	}
}

// TestRunAllocatesNothingPerBatch reads 500 frames from a real device and
// counts the process's allocations meanwhile: reading through the poller
// and decoding must not allocate per batch (a few allocations of the
// runtime and the test itself are tolerated, far below one per frame).
func TestRunAllocatesNothingPerBatch(t *testing.T) {
	u := create(t, uinput.Mouse("scanout alloc mouse"))
	d, err := evdev.Open(u.Node(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const frames = 500
	got := make(chan struct{}, frames)
	done := make(chan error, 1)
	go func() {
		done <- d.Run(func(f *evdev.Frame) { got <- struct{}{} })
	}()
	// Warm up: the first read registers with the poller.
	u.Emit(uapi.EV_REL, uapi.REL_X, 1)
	u.Sync()
	<-got
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < frames; i++ {
		u.Emit(uapi.EV_REL, uapi.REL_X, 1)
		u.Emit(uapi.EV_REL, uapi.REL_Y, -1)
		if err := u.Sync(); err != nil {
			t.Fatal(err)
		}
		if i%16 == 15 {
			for j := 0; j < 16; j++ {
				<-got
			}
		}
	}
	for i := 0; i < frames%16; i++ {
		<-got
	}
	runtime.ReadMemStats(&after)
	d.Close()
	<-done
	if n := after.Mallocs - before.Mallocs; n > frames/10 {
		t.Errorf("%d allocations while reading %d frames, want (almost) none", n, frames)
	} else {
		t.Logf("%d allocations in the whole process while reading %d frames", n, frames)
	}
}

// singleTouch is a resistive single-touch screen: ABS_X/ABS_Y and BTN_TOUCH.
func singleTouch(name string) uinput.Setup {
	return uinput.Setup{Name: name, Bus: uapi.BUS_VIRTUAL, Vendor: 0x5ca0, Product: 4,
		Keys: []uint16{uapi.BTN_TOUCH}, Props: []uint16{uapi.INPUT_PROP_DIRECT},
		Abs: []uinput.AbsAxis{{Code: uapi.ABS_X, Max: 4095}, {Code: uapi.ABS_Y, Max: 4095}, {Code: uapi.ABS_PRESSURE, Max: 255}}}
}

func TestDecodesSingleTouch(t *testing.T) {
	u := create(t, singleTouch("scanout decode resistive"))
	r := open(t, u.Node())
	r.start()
	u.Emit(uapi.EV_ABS, uapi.ABS_X, 1000)
	u.Emit(uapi.EV_ABS, uapi.ABS_Y, 2000)
	u.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 1)
	u.Sync()
	u.Emit(uapi.EV_ABS, uapi.ABS_Y, 2100)
	u.Emit(uapi.EV_ABS, uapi.ABS_PRESSURE, 100)
	u.Sync()
	u.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 0)
	u.Sync()
	// A second touch at the same X: the kernel does not resend ABS_X.
	u.Emit(uapi.EV_ABS, uapi.ABS_Y, 50)
	u.Emit(uapi.EV_KEY, uapi.BTN_TOUCH, 1)
	u.Sync()
	want := [][]evdev.Touch{
		{{Slot: 0, X: 1000, Y: 2000, Down: true}},
		{{Slot: 0, X: 1000, Y: 2100}},
		{{Slot: 0, X: 1000, Y: 2100, Up: true}},
		{{Slot: 0, X: 1000, Y: 50, Down: true}},
	}
	for i, w := range want {
		f := r.next(t)
		if fmt.Sprint(f.Touches) != fmt.Sprint(w) || len(f.Keys) != 0 {
			t.Errorf("frame %d: touches %+v keys %v, want %+v and no keys", i, f.Touches, f.Keys, w)
		}
	}
}
