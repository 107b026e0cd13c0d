package input

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/input/evdev"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// newSeat is a Seat on a real compositor with one 1280x800 output and no
// devices; tests hand it frames directly.
func newSeat(t *testing.T, opts *Options) (*Seat, *compositor.Output) {
	t.Helper()
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var out *compositor.Output
	c.Do(func() { out = c.AddOutput(compositor.OutputConfig{Name: "T-1", Width: 1280, Height: 800}) })
	if opts == nil {
		opts = &Options{}
	}
	opts.Dir = t.TempDir()
	opts.NoHotplug = true
	s, err := Start(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, out
}

func fakeDevice(s *Seat, class evdev.Class, x, y evdev.Axis) *device {
	dv := &device{s: s, class: class, info: &evdev.Info{Path: "/dev/input/event99", Class: class, X: x, Y: y}}
	dv.handle = dv.frame
	return dv
}

func pointerAt(s *Seat) (*compositor.Output, float64, float64) {
	var o *compositor.Output
	var x, y float64
	s.c.Do(func() { o, x, y = s.c.Pointer() })
	return o, x, y
}

func TestRelativeMotionMovesThePointer(t *testing.T) {
	s, out := newSeat(t, &Options{PointerSpeed: 2})
	dv := fakeDevice(s, evdev.Pointer, evdev.Axis{}, evdev.Axis{})
	dv.handle(&evdev.Frame{Time: time.Second, DX: 10, DY: -5})
	if o, x, y := pointerAt(s); o != out || x != 660 || y != 390 {
		t.Errorf("pointer at %v %g,%g, want the output at 660,390 (middle + 2x(10,-5))", o, x, y)
	}
}

func TestAbsolutePointerMapsTheAxisRangeWithTheTransform(t *testing.T) {
	s, out := newSeat(t, &Options{TouchTransform: evdev.Transform180})
	dv := fakeDevice(s, evdev.AbsPointer, evdev.Axis{Max: 32767}, evdev.Axis{Max: 32767})
	dv.handle(&evdev.Frame{Abs: true, X: 8192, Y: 0})
	// 8192/32768 = 0.25 of the width; rotated 180: 0.75 and 1-0 (clamped below 1).
	if o, x, y := pointerAt(s); o != out || x != 960 || y < 799 || y >= 800 {
		t.Errorf("pointer at %g,%g, want 960,~800", x, y)
	}
}

func TestButtonsAndKeysFollowTheDeviceClass(t *testing.T) {
	s, _ := newSeat(t, nil)
	mouse := fakeDevice(s, evdev.Pointer, evdev.Axis{}, evdev.Axis{})
	mouse.handle(&evdev.Frame{Keys: []evdev.Key{{Code: uapi.BTN_LEFT, Pressed: true}, {Code: uapi.KEY_A, Pressed: true}}})
	if !mouse.keys.Has(uapi.BTN_LEFT) || mouse.keys.Has(uapi.KEY_A) {
		t.Errorf("a mouse holds BTN_LEFT %v KEY_A %v; want the button only (a mouse's keys are not a keyboard)",
			mouse.keys.Has(uapi.BTN_LEFT), mouse.keys.Has(uapi.KEY_A))
	}
	pen := fakeDevice(s, evdev.AbsPointer, evdev.Axis{Max: 100}, evdev.Axis{Max: 100})
	pen.handle(&evdev.Frame{Keys: []evdev.Key{{Code: uapi.BTN_TOOL_PEN, Pressed: true}, {Code: uapi.BTN_TOUCH, Pressed: true}}})
	if !pen.keys.Has(uapi.BTN_LEFT) || pen.keys.Has(uapi.BTN_TOOL_PEN) {
		t.Error("a pen's tip must press BTN_LEFT, and its tool state press nothing")
	}
	// Unplugging releases what the devices held.
	s.c.Do(func() { mouse.releaseAll(); pen.releaseAll() })
	if mouse.keys.Has(uapi.BTN_LEFT) || pen.keys.Has(uapi.BTN_LEFT) {
		t.Error("releaseAll left buttons held")
	}
}

func TestApplyAllocatesNothing(t *testing.T) {
	s, _ := newSeat(t, nil)
	dv := fakeDevice(s, evdev.Pointer|evdev.Keyboard|evdev.Touchscreen, evdev.Axis{Max: 1279}, evdev.Axis{Max: 799})
	f := &evdev.Frame{DX: 1, DY: 1, Wheel: 1, Keys: make([]evdev.Key, 2), Touches: make([]evdev.Touch, 2)}
	press := true
	allocs := testing.AllocsPerRun(200, func() {
		f.DX = -f.DX
		f.Keys[0] = evdev.Key{Code: uapi.BTN_LEFT, Pressed: press}
		f.Keys[1] = evdev.Key{Code: uapi.KEY_A, Pressed: press}
		f.Touches[0] = evdev.Touch{Slot: 0, X: 10, Y: 10, Down: press, Up: !press}
		f.Touches[1] = evdev.Touch{Slot: 1, X: 20, Y: 20, Down: true, Up: true}
		press = !press
		dv.handle(f)
	})
	if allocs != 0 {
		t.Errorf("applying a frame allocates %v times", allocs)
	}
}

func TestStartWithoutDevicesReportsSo(t *testing.T) {
	s, _ := newSeat(t, nil)
	if got := s.Report(); !strings.HasPrefix(got, "input: no input devices in ") {
		t.Errorf("Report = %q", got)
	}
	if s.Capabilities() != 0 {
		t.Errorf("capabilities %#x without devices", s.Capabilities())
	}
}

func TestStartReportsNodesItCannotUse(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "event0"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := Start(c, &Options{Dir: dir, NoHotplug: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep := s.Report()
	if !strings.Contains(rep, "not used") || !strings.Contains(rep, "EVIOCGVERSION") || !strings.Contains(rep, "event0") {
		t.Errorf("Report = %q, want event0 not used, naming EVIOCGVERSION", rep)
	}
}
