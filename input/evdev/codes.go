package evdev

import "github.com/go-scanout/scanout/internal/uapi"

// Event types, codes and properties of linux/input-event-codes.h that the
// API speaks of, for callers outside this module (package uapi holds the
// full set under the C names). Key codes are the kernel's KEY_* and BTN_*
// numbers, passed through unchanged.
const (
	EvSyn = uapi.EV_SYN
	EvKey = uapi.EV_KEY
	EvRel = uapi.EV_REL
	EvAbs = uapi.EV_ABS

	SynReport  = uapi.SYN_REPORT
	SynDropped = uapi.SYN_DROPPED

	RelX           = uapi.REL_X
	RelY           = uapi.REL_Y
	RelHWheel      = uapi.REL_HWHEEL
	RelWheel       = uapi.REL_WHEEL
	RelWheelHiRes  = uapi.REL_WHEEL_HI_RES
	RelHWheelHiRes = uapi.REL_HWHEEL_HI_RES

	AbsX            = uapi.ABS_X
	AbsY            = uapi.ABS_Y
	AbsMTSlot       = uapi.ABS_MT_SLOT
	AbsMTPositionX  = uapi.ABS_MT_POSITION_X
	AbsMTPositionY  = uapi.ABS_MT_POSITION_Y
	AbsMTTrackingID = uapi.ABS_MT_TRACKING_ID

	BtnLeft    = uapi.BTN_LEFT
	BtnRight   = uapi.BTN_RIGHT
	BtnMiddle  = uapi.BTN_MIDDLE
	BtnTouch   = uapi.BTN_TOUCH
	BtnToolPen = uapi.BTN_TOOL_PEN

	PropPointer = uapi.INPUT_PROP_POINTER
	PropDirect  = uapi.INPUT_PROP_DIRECT
)
