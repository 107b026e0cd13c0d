package evdev

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

func caps(kind int, codes ...uint16) *Capabilities {
	c := &Capabilities{}
	c.set(kind, codes...)
	return c
}

func (c *Capabilities) with(kind int, codes ...uint16) *Capabilities {
	c.set(kind, codes...)
	return c
}

func keyboardCaps() *Capabilities {
	c := &Capabilities{}
	for k := uint16(1); k < 0x100; k++ {
		c.set(uapi.EV_KEY, k)
	}
	return c
}

func TestClassifyByCapabilities(t *testing.T) {
	mtB := []uint16{uapi.ABS_X, uapi.ABS_Y, uapi.ABS_MT_SLOT, uapi.ABS_MT_TRACKING_ID, uapi.ABS_MT_POSITION_X, uapi.ABS_MT_POSITION_Y}
	tests := []struct {
		name string
		caps *Capabilities
		want Class
	}{
		{"USB keyboard", keyboardCaps(), Keyboard},
		{"power button", caps(uapi.EV_KEY, uapi.KEY_POWER), Keys},
		{"mouse", caps(uapi.EV_REL, uapi.REL_X, uapi.REL_Y, uapi.REL_WHEEL).with(uapi.EV_KEY, uapi.BTN_LEFT, uapi.BTN_RIGHT), Pointer},
		{"wheel without buttons", caps(uapi.EV_REL, uapi.REL_X, uapi.REL_Y), 0},
		{"keyboard with a trackpoint", keyboardCaps().with(uapi.EV_REL, uapi.REL_X, uapi.REL_Y).with(uapi.EV_KEY, uapi.BTN_LEFT), Keyboard | Pointer},
		{"multitouch screen (protocol B)", caps(uapi.EV_ABS, mtB...).with(uapi.EV_KEY, uapi.BTN_TOUCH).with(-1, uapi.INPUT_PROP_DIRECT), Touchscreen},
		{"multitouch screen without INPUT_PROP_DIRECT", caps(uapi.EV_ABS, mtB...).with(uapi.EV_KEY, uapi.BTN_TOUCH), Touchscreen},
		{"single-touch resistive screen", caps(uapi.EV_ABS, uapi.ABS_X, uapi.ABS_Y, uapi.ABS_PRESSURE).with(uapi.EV_KEY, uapi.BTN_TOUCH), Touchscreen},
		{"direct device without a touch report", caps(uapi.EV_ABS, uapi.ABS_X, uapi.ABS_Y).with(-1, uapi.INPUT_PROP_DIRECT), 0},
		{"touchpad", caps(uapi.EV_ABS, mtB...).with(uapi.EV_KEY, uapi.BTN_TOUCH, uapi.BTN_TOOL_FINGER, uapi.BTN_LEFT).with(-1, uapi.INPUT_PROP_POINTER), Touchpad},
		{"pen tablet", caps(uapi.EV_ABS, uapi.ABS_X, uapi.ABS_Y).with(uapi.EV_KEY, uapi.BTN_TOOL_PEN, uapi.BTN_TOUCH, uapi.BTN_STYLUS), AbsPointer},
		{"virtual machine tablet", caps(uapi.EV_ABS, uapi.ABS_X, uapi.ABS_Y).with(uapi.EV_KEY, uapi.BTN_LEFT, uapi.BTN_RIGHT), AbsPointer},
		{"nothing", &Capabilities{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.caps); got != tc.want {
				t.Errorf("Classify = %s, want %s", got, tc.want)
			}
		})
	}
}

// fakeState is the kernel's state for the resync, as EVIOCG* would return it.
type fakeState struct {
	keys  uapi.InputBits
	abs   map[uint16]int32
	slots map[uint16][uapi.MTMaxSlots]int32
}

func (s *fakeState) keyState(b *uapi.InputBits) error { *b = s.keys; return nil }
func (s *fakeState) absValue(a uint16) (int32, error) { return s.abs[a], nil }
func (s *fakeState) mtSlots(code uint16, m *uapi.InputMTSlots) error {
	m.Code = uint32(code)
	m.Values = s.slots[code]
	return nil
}

type ev = uapi.InputEvent

func e(typ, code uint16, v int32) ev { return ev{Type: typ, Code: code, Value: v} }
func syn(ms uint) ev {
	return ev{Sec: ms / 1000, Usec: ms % 1000 * 1000, Type: uapi.EV_SYN, Code: uapi.SYN_REPORT}
}

// frameCopy is a Frame with its slices copied, for comparisons.
func frameCopy(f *Frame) Frame {
	c := *f
	c.Keys = append([]Key(nil), f.Keys...)
	c.Touches = append([]Touch(nil), f.Touches...)
	return c
}

func feed(d *decoder, evs ...ev) []Frame {
	var out []Frame
	for _, x := range evs {
		d.event(x, func(f *Frame) { out = append(out, frameCopy(f)) })
	}
	return out
}

func TestDecoderMouse(t *testing.T) {
	d := newDecoder(touchNone, false, 0, 0, nil)
	got := feed(d,
		e(uapi.EV_REL, uapi.REL_X, 3), e(uapi.EV_REL, uapi.REL_Y, -2), e(uapi.EV_REL, uapi.REL_X, 1), syn(1500),
		e(uapi.EV_KEY, uapi.BTN_LEFT, 1), syn(1510),
		e(uapi.EV_KEY, uapi.BTN_LEFT, 1), syn(1515), // duplicate press: nothing
		e(uapi.EV_REL, uapi.REL_WHEEL, -1), e(uapi.EV_REL, uapi.REL_WHEEL_HI_RES, -120), e(uapi.EV_KEY, uapi.BTN_LEFT, 0), syn(1520),
		syn(1530), // empty frame: nothing
	)
	want := []Frame{
		{Time: 1500 * time.Millisecond, DX: 4, DY: -2},
		{Time: 1510 * time.Millisecond, Keys: []Key{{uapi.BTN_LEFT, true}}},
		{Time: 1520 * time.Millisecond, Wheel: -1, WheelHiRes: -120, Keys: []Key{{uapi.BTN_LEFT, false}}},
	}
	check(t, got, want)
}

func TestDecoderKeyboardDropsAutorepeat(t *testing.T) {
	d := newDecoder(touchNone, false, 0, 0, nil)
	got := feed(d,
		e(uapi.EV_MSC, 4, 0x70004), e(uapi.EV_KEY, uapi.KEY_A, 1), syn(10),
		e(uapi.EV_KEY, uapi.KEY_A, 2), syn(20),
		e(uapi.EV_KEY, uapi.KEY_LEFTSHIFT, 1), e(uapi.EV_KEY, uapi.KEY_A, 0), syn(30),
	)
	want := []Frame{
		{Time: 10 * time.Millisecond, Keys: []Key{{uapi.KEY_A, true}}},
		{Time: 30 * time.Millisecond, Keys: []Key{{uapi.KEY_LEFTSHIFT, true}, {uapi.KEY_A, false}}},
	}
	check(t, got, want)
}

func mt(slot, id int32) []ev {
	return []ev{e(uapi.EV_ABS, uapi.ABS_MT_SLOT, slot), e(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, id)}
}

func pos(x, y int32) []ev {
	return []ev{e(uapi.EV_ABS, uapi.ABS_MT_POSITION_X, x), e(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, y)}
}

func cat(parts ...any) []ev {
	var out []ev
	for _, p := range parts {
		switch v := p.(type) {
		case ev:
			out = append(out, v)
		case []ev:
			out = append(out, v...)
		}
	}
	return out
}

func TestDecoderMultitouchProtocolB(t *testing.T) {
	d := newDecoder(touchMTB, false, 10, 0, nil)
	got := feed(d, cat(
		// Two fingers down; BTN_TOUCH and the ABS_X/Y emulation are ignored.
		mt(0, 100), pos(10, 20), mt(1, 101), pos(30, 40),
		e(uapi.EV_KEY, uapi.BTN_TOUCH, 1), e(uapi.EV_KEY, uapi.BTN_TOOL_DOUBLETAP, 1), e(uapi.EV_ABS, uapi.ABS_X, 10), syn(100),
		// Slot 1 moves in Y only (X unchanged, so the kernel omits it).
		e(uapi.EV_ABS, uapi.ABS_MT_POSITION_Y, 45), syn(110),
		// Slot 0 lifts; slot 1 is replaced by a new contact in the same frame.
		mt(0, -1), mt(1, 102), pos(50, 60), syn(120),
		// A tap that begins and ends within one frame, in slot 2.
		mt(2, 103), pos(1, 2), e(uapi.EV_ABS, uapi.ABS_MT_TRACKING_ID, -1), syn(130),
		// Slot out of range: ignored.
		mt(50, 104), pos(7, 7), syn(140),
		// The last contact lifts.
		mt(1, -1), e(uapi.EV_KEY, uapi.BTN_TOUCH, 0), syn(150),
	)...)
	want := []Frame{
		{Time: 100 * time.Millisecond, Touches: []Touch{{Slot: 0, X: 10, Y: 20, Down: true}, {Slot: 1, X: 30, Y: 40, Down: true}}},
		{Time: 110 * time.Millisecond, Touches: []Touch{{Slot: 1, X: 30, Y: 45}}},
		{Time: 120 * time.Millisecond, Touches: []Touch{{Slot: 0, X: 10, Y: 20, Up: true}, {Slot: 1, X: 50, Y: 60, Up: true}, {Slot: 1, X: 50, Y: 60, Down: true}}},
		{Time: 130 * time.Millisecond, Touches: []Touch{{Slot: 2, X: 1, Y: 2, Down: true, Up: true}}},
		{Time: 150 * time.Millisecond, Touches: []Touch{{Slot: 1, X: 50, Y: 60, Up: true}}},
	}
	check(t, got, want)
}

func TestDecoderSingleTouch(t *testing.T) {
	d := newDecoder(touchSingle, false, 0, 0, nil)
	got := feed(d,
		e(uapi.EV_ABS, uapi.ABS_X, 100), e(uapi.EV_ABS, uapi.ABS_Y, 200), e(uapi.EV_KEY, uapi.BTN_TOUCH, 1), syn(1),
		e(uapi.EV_ABS, uapi.ABS_X, 110), syn(2),
		e(uapi.EV_KEY, uapi.BTN_TOUCH, 0), syn(3),
	)
	want := []Frame{
		{Time: time.Millisecond, Touches: []Touch{{Slot: 0, X: 100, Y: 200, Down: true}}},
		{Time: 2 * time.Millisecond, Touches: []Touch{{Slot: 0, X: 110, Y: 200}}},
		{Time: 3 * time.Millisecond, Touches: []Touch{{Slot: 0, X: 110, Y: 200, Up: true}}},
	}
	check(t, got, want)
}

func TestDecoderAbsolutePointer(t *testing.T) {
	d := newDecoder(touchNone, true, 0, 0, nil)
	got := feed(d,
		e(uapi.EV_ABS, uapi.ABS_X, 5000), syn(1),
		e(uapi.EV_ABS, uapi.ABS_Y, 7000), e(uapi.EV_KEY, uapi.BTN_LEFT, 1), syn(2),
	)
	want := []Frame{
		{Time: time.Millisecond, Abs: true, X: 5000, Y: 0},
		{Time: 2 * time.Millisecond, Abs: true, X: 5000, Y: 7000, Keys: []Key{{uapi.BTN_LEFT, true}}},
	}
	check(t, got, want)
}

// After SYN_DROPPED everything up to the next SYN_REPORT is ignored and
// the state is read back: keys released meanwhile are released, keys
// pressed are pressed, contacts that ended end and new ones begin.
func TestDecoderResyncAfterDropped(t *testing.T) {
	st := &fakeState{abs: map[uint16]int32{}, slots: map[uint16][uapi.MTMaxSlots]int32{}}
	d := newDecoder(touchMTB, false, 4, 0, st)
	feed(d, cat(mt(0, 7), pos(10, 10), mt(1, 8), pos(20, 20), e(uapi.EV_KEY, uapi.KEY_A, 1), syn(1))...)
	// The kernel's state now: A released, B held; slot 0 still contact 7
	// (moved to 11,12), slot 1 empty, slot 2 a new contact 9 at 30,30.
	st.keys.Set(uapi.KEY_A + 18) // KEY_B is 48
	var ids, xs, ys [uapi.MTMaxSlots]int32
	for i := range ids {
		ids[i] = -1
	}
	ids[0], xs[0], ys[0] = 7, 11, 12
	ids[2], xs[2], ys[2] = 9, 30, 30
	xs[1], ys[1] = 20, 20
	st.slots[uapi.ABS_MT_TRACKING_ID], st.slots[uapi.ABS_MT_POSITION_X], st.slots[uapi.ABS_MT_POSITION_Y] = ids, xs, ys
	st.abs[uapi.ABS_MT_SLOT] = 2
	got := feed(d, cat(
		e(uapi.EV_REL, uapi.REL_X, 5), // half a frame before the overflow: lost
		e(uapi.EV_SYN, uapi.SYN_DROPPED, 0),
		e(uapi.EV_KEY, uapi.KEY_A+16, 1), mt(3, 99), // ignored up to the SYN_REPORT
		syn(50),
		pos(31, 32), syn(60), // slot 2 is current after the resync
	)...)
	want := []Frame{
		{Time: 50 * time.Millisecond, Resync: true,
			Keys:    []Key{{uapi.KEY_A, false}, {uapi.KEY_A + 18, true}},
			Touches: []Touch{{Slot: 0, X: 11, Y: 12}, {Slot: 1, X: 20, Y: 20, Up: true}, {Slot: 2, X: 30, Y: 30, Down: true}}},
		{Time: 60 * time.Millisecond, Touches: []Touch{{Slot: 2, X: 31, Y: 32}}},
	}
	check(t, got, want)
}

func check(t *testing.T, got, want []Frame) {
	t.Helper()
	norm := func(fs []Frame) {
		for i := range fs {
			if len(fs[i].Keys) == 0 {
				fs[i].Keys = nil
			}
			if len(fs[i].Touches) == 0 {
				fs[i].Touches = nil
			}
		}
	}
	norm(got)
	norm(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("frames:\n got %+v\nwant %+v", got, want)
	}
}

func TestDecoderAllocatesNothing(t *testing.T) {
	d := newDecoder(touchMTB, false, 10, 0, nil)
	evs := cat(mt(0, 1), pos(1, 2), mt(1, 2), pos(3, 4), syn(1), mt(0, 3), e(uapi.EV_REL, uapi.REL_X, 1),
		e(uapi.EV_KEY, uapi.KEY_A, 1), syn(2), mt(0, -1), mt(1, -1), e(uapi.EV_KEY, uapi.KEY_A, 0), syn(3))
	var b [64 * 24]byte
	n := 0
	for _, x := range evs {
		uapi.PutInputEvent(b[n:], x)
		n += uapi.InputEventSize
	}
	dev := &Device{dec: d, emit: func(*Frame) {}}
	allocs := testing.AllocsPerRun(100, func() { dev.decode(b[:n]) })
	if allocs != 0 {
		t.Errorf("decoding a batch of %d events allocates %v times", len(evs), allocs)
	}
}

func TestNormalizeAndTransform(t *testing.T) {
	a := Axis{Min: 0, Max: 1279}
	if got := a.Normalize(640) * 1280; got != 640 {
		t.Errorf("Normalize(640) over 0..1279 = %v pixels of 1280, want 640", got)
	}
	if got := a.Normalize(5000); got >= 1 {
		t.Errorf("Normalize beyond the range = %v, want < 1", got)
	}
	if got := (Axis{Min: 10, Max: 10}).Normalize(10); got != 0 {
		t.Errorf("empty range: %v", got)
	}
	// The panel's top-left corner (0,0) and a point right of it, per transform.
	tests := []struct {
		t            Transform
		x, y, wx, wy float64
	}{
		{TransformNormal, 0.25, 0.1, 0.25, 0.1},
		{Transform90, 0.25, 0.1, 0.9, 0.25},
		{Transform180, 0.25, 0.1, 0.75, 0.9},
		{Transform270, 0.25, 0.1, 0.1, 0.75},
		{TransformFlipped, 0.25, 0.1, 0.75, 0.1},
		{TransformFlipped90, 0.25, 0.1, 0.9, 0.75},
		{TransformFlipped180, 0.25, 0.1, 0.25, 0.9},
		{TransformFlipped270, 0.25, 0.1, 0.1, 0.25},
	}
	for _, tc := range tests {
		gx, gy := tc.t.Matrix().Apply(tc.x, tc.y)
		if !near(gx, tc.wx) || !near(gy, tc.wy) {
			t.Errorf("%s: (%v,%v) -> (%v,%v), want (%v,%v)", tc.t, tc.x, tc.y, gx, gy, tc.wx, tc.wy)
		}
		p, err := ParseTransform(tc.t.String())
		if err != nil || p != tc.t {
			t.Errorf("ParseTransform(%q) = %v, %v", tc.t.String(), p, err)
		}
	}
	// Then composes: 90 then 270 is the identity.
	gx, gy := Transform90.Matrix().Then(Transform270.Matrix()).Apply(0.3, 0.6)
	if !near(gx, 0.3) || !near(gy, 0.6) {
		t.Errorf("90 then 270: (%v,%v)", gx, gy)
	}
	if _, err := ParseCalibration("1 0 0 0 1"); err == nil {
		t.Error("ParseCalibration accepted 5 numbers")
	}
	if m, err := ParseCalibration("0,-1,1, 1,0,0"); err != nil || m != Transform90.Matrix() {
		t.Errorf("ParseCalibration = %v, %v", m, err)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestParseUevent(t *testing.T) {
	msg := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			b = append(append(b, p...), 0)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		ok   bool
		want Hotplug
	}{
		{"event node added", msg("add@/devices/virtual/input/input7/event5", "ACTION=add", "DEVPATH=/devices/virtual/input/input7/event5",
			"SUBSYSTEM=input", "MAJOR=13", "MINOR=69", "DEVNAME=input/event5", "SEQNUM=1"), true, Hotplug{Added: true, Path: "event5"}},
		{"event node removed", msg("remove@/devices/virtual/input/input7/event5", "ACTION=remove", "SUBSYSTEM=input", "DEVNAME=input/event5"),
			true, Hotplug{Path: "event5"}},
		{"the input device itself (no node)", msg("add@/devices/virtual/input/input7", "ACTION=add", "SUBSYSTEM=input", "NAME=\"x\""), false, Hotplug{}},
		{"a mouse node", msg("add@/devices/virtual/input/input7/mouse0", "ACTION=add", "SUBSYSTEM=input", "DEVNAME=input/mouse0"), false, Hotplug{}},
		{"change", msg("change@/devices/virtual/input/input7/event5", "ACTION=change", "SUBSYSTEM=input", "DEVNAME=input/event5"), false, Hotplug{}},
		{"drm", msg("change@/devices/platform/vkms/drm/card1", "ACTION=change", "SUBSYSTEM=drm", "DEVNAME=dri/card1"), false, Hotplug{}},
		{"udevd", append([]byte("libudev\x00\xfe\xed\xca\xfe"), msg("ACTION=add", "SUBSYSTEM=input", "DEVNAME=input/event5")...), false, Hotplug{}},
		{"garbage", []byte{0xff, 0, 0x41}, false, Hotplug{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, ok := parseUevent(tc.in)
			if ok != tc.ok || (ok && h != tc.want) {
				t.Errorf("parseUevent = %+v, %v; want %+v, %v", h, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParseUevent(f *testing.F) {
	f.Add([]byte("add@/x\x00ACTION=add\x00SUBSYSTEM=input\x00DEVNAME=input/event3\x00"))
	f.Fuzz(func(t *testing.T, b []byte) { parseUevent(b) })
}

// FuzzDecoder feeds arbitrary bytes as input_event records to the decoders
// of every kind of device, with a resync source that returns arbitrary
// state: decoding must never panic, and frames must be consistent.
func FuzzDecoder(f *testing.F) {
	var seed []byte
	for _, x := range cat(mt(0, 1), pos(1, 2), syn(1), e(uapi.EV_SYN, uapi.SYN_DROPPED, 0), syn(2), mt(-5, 3), mt(1<<20, 2), e(uapi.EV_KEY, 0xffff, 1), syn(3)) {
		var b [32]byte
		uapi.PutInputEvent(b[:], x)
		seed = append(seed, b[:uapi.InputEventSize]...)
	}
	f.Add(seed, uint8(0))
	f.Add([]byte{1, 2, 3}, uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, kind uint8) {
		st := &fakeState{abs: map[uint16]int32{uapi.ABS_MT_SLOT: int32(kind) * 1000}, slots: map[uint16][uapi.MTMaxSlots]int32{}}
		var v [uapi.MTMaxSlots]int32
		for i := range v {
			v[i] = int32(i*7919) - 100
		}
		st.slots[uapi.ABS_MT_TRACKING_ID] = v
		st.keys.Set(int(kind))
		modes := []touchMode{touchNone, touchMTB, touchSingle}
		d := newDecoder(modes[int(kind)%3], kind&4 != 0, int(kind), int(kind)-3, st)
		dev := &Device{dec: d, emit: func(fr *Frame) {
			for _, tc := range fr.Touches {
				if tc.Slot < 0 || tc.Slot >= len(d.slots) {
					t.Fatalf("touch in slot %d of %d", tc.Slot, len(d.slots))
				}
			}
			for _, k := range fr.Keys {
				if k.Code >= uapi.KEY_CNT {
					t.Fatalf("key code %#x out of range", k.Code)
				}
			}
		}}
		dev.decode(b)
	})
}

func TestOpenErrorMessageForEACCES(t *testing.T) {
	err := openError("/dev/input/event4", &os.PathError{Op: "open", Path: "/dev/input/event4", Err: unix.EACCES})
	want := "evdev: open /dev/input/event4: permission denied: add the user to the input group"
	if !errors.Is(err, unix.EACCES) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("openError = %v, want it to start with %q and wrap EACCES", err, want)
	}
}
