//go:build cgo && abicheck

package abicheck

import (
	"testing"

	"github.com/go-scanout/scanout/internal/uapi"
)

// TestInputEventCodes compares the event codes package uapi declares with
// linux/input-event-codes.h.
func TestInputEventCodes(t *testing.T) {
	goConsts := map[string]uint64{
		"EV_SYN": uapi.EV_SYN, "EV_KEY": uapi.EV_KEY, "EV_REL": uapi.EV_REL, "EV_ABS": uapi.EV_ABS, "EV_MSC": uapi.EV_MSC, "EV_CNT": uapi.EV_CNT,
		"SYN_REPORT": uapi.SYN_REPORT, "SYN_CONFIG": uapi.SYN_CONFIG, "SYN_MT_REPORT": uapi.SYN_MT_REPORT, "SYN_DROPPED": uapi.SYN_DROPPED,
		"REL_X": uapi.REL_X, "REL_Y": uapi.REL_Y, "REL_HWHEEL": uapi.REL_HWHEEL, "REL_WHEEL": uapi.REL_WHEEL,
		"REL_WHEEL_HI_RES": uapi.REL_WHEEL_HI_RES, "REL_HWHEEL_HI_RES": uapi.REL_HWHEEL_HI_RES, "REL_CNT": uapi.REL_CNT,
		"ABS_X": uapi.ABS_X, "ABS_Y": uapi.ABS_Y, "ABS_PRESSURE": uapi.ABS_PRESSURE, "ABS_MT_SLOT": uapi.ABS_MT_SLOT,
		"ABS_MT_POSITION_X": uapi.ABS_MT_POSITION_X, "ABS_MT_POSITION_Y": uapi.ABS_MT_POSITION_Y, "ABS_MT_TRACKING_ID": uapi.ABS_MT_TRACKING_ID, "ABS_CNT": uapi.ABS_CNT,
		"KEY_ESC": uapi.KEY_ESC, "KEY_1": uapi.KEY_1, "KEY_Q": uapi.KEY_Q, "KEY_A": uapi.KEY_A, "KEY_D": uapi.KEY_D, "KEY_Z": uapi.KEY_Z,
		"KEY_LEFTSHIFT": uapi.KEY_LEFTSHIFT, "KEY_ENTER": uapi.KEY_ENTER, "KEY_SPACE": uapi.KEY_SPACE, "KEY_POWER": uapi.KEY_POWER, "KEY_CNT": uapi.KEY_CNT,
		"BTN_MISC": uapi.BTN_MISC, "BTN_MOUSE": uapi.BTN_MOUSE, "BTN_LEFT": uapi.BTN_LEFT, "BTN_RIGHT": uapi.BTN_RIGHT, "BTN_MIDDLE": uapi.BTN_MIDDLE,
		"BTN_SIDE": uapi.BTN_SIDE, "BTN_TASK": uapi.BTN_TASK, "BTN_JOYSTICK": uapi.BTN_JOYSTICK, "BTN_DIGI": uapi.BTN_DIGI, "BTN_TOOL_PEN": uapi.BTN_TOOL_PEN,
		"BTN_TOOL_FINGER": uapi.BTN_TOOL_FINGER, "BTN_TOUCH": uapi.BTN_TOUCH, "BTN_STYLUS": uapi.BTN_STYLUS, "BTN_TOOL_DOUBLETAP": uapi.BTN_TOOL_DOUBLETAP, "BTN_WHEEL": uapi.BTN_WHEEL,
		"INPUT_PROP_POINTER": uapi.INPUT_PROP_POINTER, "INPUT_PROP_DIRECT": uapi.INPUT_PROP_DIRECT, "BUS_USB": uapi.BUS_USB, "BUS_VIRTUAL": uapi.BUS_VIRTUAL,
		"UINPUT_MAX_NAME_SIZE": uapi.UINPUT_MAX_NAME_SIZE,
	}
	for name, c := range inputConsts {
		g, ok := goConsts[name]
		if !ok {
			t.Errorf("%s: checked in C but not listed in this test", name)
			continue
		}
		if g != c {
			t.Errorf("%s: Go %#x, C %#x", name, g, c)
		}
	}
	for name := range goConsts {
		if _, ok := inputConsts[name]; !ok {
			t.Errorf("%s: listed here but not read from the C headers", name)
		}
	}
	if uapi.InputBitsBytes != 96 || uapi.InputNameBytes != 256 || uapi.MTMaxSlots != 64 {
		t.Errorf("buffer sizes changed (%d, %d, %d): update the sizes in the EVIOCG* names of input_cgo.go",
			uapi.InputBitsBytes, uapi.InputNameBytes, uapi.MTMaxSlots)
	}
	t.Logf("%d input event codes match linux/input-event-codes.h", len(inputConsts))
}
