//go:build cgo && abicheck

package abicheck

/*
#include "abicheck.h"
#include <linux/input.h>
#include <linux/uinput.h>

// input_event's time is a struct timeval on 64-bit; the kernel's names
// for its two words are the input_event_sec and input_event_usec macros.
#define ABI_FIELD_AS(S, NAME, F) { #S, NAME, offsetof(struct S, F), sizeof(((struct S *)0)->F) }

struct input_mt_slots_64 {
	__u32 code;
	__s32 values[64];
};

static const struct abi_field input_fields[] = {
	ABI_SIZE(input_event),
	ABI_FIELD_AS(input_event, "sec", input_event_sec),
	ABI_FIELD_AS(input_event, "usec", input_event_usec),
	ABI_FIELD(input_event, type),
	ABI_FIELD(input_event, code),
	ABI_FIELD(input_event, value),
	ABI_SIZE(input_id),
	ABI_FIELD(input_id, bustype),
	ABI_FIELD(input_id, vendor),
	ABI_FIELD(input_id, product),
	ABI_FIELD(input_id, version),
	ABI_SIZE(input_absinfo),
	ABI_FIELD(input_absinfo, value),
	ABI_FIELD(input_absinfo, minimum),
	ABI_FIELD(input_absinfo, maximum),
	ABI_FIELD(input_absinfo, fuzz),
	ABI_FIELD(input_absinfo, flat),
	ABI_FIELD(input_absinfo, resolution),
	ABI_SIZE(input_mt_slots_64),
	ABI_FIELD(input_mt_slots_64, code),
	ABI_FIELD(input_mt_slots_64, values),
	ABI_SIZE(uinput_setup),
	ABI_FIELD(uinput_setup, id),
	ABI_FIELD(uinput_setup, name),
	ABI_FIELD(uinput_setup, ff_effects_max),
	ABI_SIZE(uinput_abs_setup),
	ABI_FIELD(uinput_abs_setup, code),
	ABI_FIELD(uinput_abs_setup, absinfo),
};
static const struct abi_field *input_fields_get(size_t *n) { *n = ABI_LEN(input_fields); return input_fields; }

static const struct abi_ioctl input_ioctls[] = {
	ABI_IOCTL(EVIOCGVERSION),
	ABI_IOCTL(EVIOCGID),
	ABI_IOCTL(EVIOCGNAME(256)),
	ABI_IOCTL(EVIOCGPROP(96)),
	ABI_IOCTL(EVIOCGMTSLOTS(260)),
	ABI_IOCTL(EVIOCGKEY(96)),
	ABI_IOCTL(EVIOCGBIT(0, 96)),
	ABI_IOCTL(EVIOCGBIT(EV_KEY, 96)),
	ABI_IOCTL(EVIOCGBIT(EV_REL, 96)),
	ABI_IOCTL(EVIOCGBIT(EV_ABS, 96)),
	ABI_IOCTL(EVIOCGABS(0)),
	ABI_IOCTL(EVIOCGABS(ABS_MT_POSITION_X)),
	ABI_IOCTL(EVIOCGRAB),
	ABI_IOCTL(EVIOCSCLOCKID),
	ABI_IOCTL(UI_DEV_CREATE),
	ABI_IOCTL(UI_DEV_DESTROY),
	ABI_IOCTL(UI_DEV_SETUP),
	ABI_IOCTL(UI_ABS_SETUP),
	ABI_IOCTL(UI_SET_EVBIT),
	ABI_IOCTL(UI_SET_KEYBIT),
	ABI_IOCTL(UI_SET_RELBIT),
	ABI_IOCTL(UI_SET_ABSBIT),
	ABI_IOCTL(UI_SET_PROPBIT),
	ABI_IOCTL(UI_GET_SYSNAME(64)),
};
static const struct abi_ioctl *input_ioctls_get(size_t *n) { *n = ABI_LEN(input_ioctls); return input_ioctls; }

// Event codes scanout names in package uapi, checked like ioctl numbers.
static const struct abi_ioctl input_consts[] = {
	ABI_IOCTL(EV_SYN), ABI_IOCTL(EV_KEY), ABI_IOCTL(EV_REL), ABI_IOCTL(EV_ABS), ABI_IOCTL(EV_MSC), ABI_IOCTL(EV_CNT),
	ABI_IOCTL(SYN_REPORT), ABI_IOCTL(SYN_CONFIG), ABI_IOCTL(SYN_MT_REPORT), ABI_IOCTL(SYN_DROPPED),
	ABI_IOCTL(REL_X), ABI_IOCTL(REL_Y), ABI_IOCTL(REL_HWHEEL), ABI_IOCTL(REL_WHEEL),
	ABI_IOCTL(REL_WHEEL_HI_RES), ABI_IOCTL(REL_HWHEEL_HI_RES), ABI_IOCTL(REL_CNT),
	ABI_IOCTL(ABS_X), ABI_IOCTL(ABS_Y), ABI_IOCTL(ABS_PRESSURE), ABI_IOCTL(ABS_MT_SLOT),
	ABI_IOCTL(ABS_MT_POSITION_X), ABI_IOCTL(ABS_MT_POSITION_Y), ABI_IOCTL(ABS_MT_TRACKING_ID), ABI_IOCTL(ABS_CNT),
	ABI_IOCTL(KEY_ESC), ABI_IOCTL(KEY_1), ABI_IOCTL(KEY_Q), ABI_IOCTL(KEY_A), ABI_IOCTL(KEY_D), ABI_IOCTL(KEY_Z),
	ABI_IOCTL(KEY_LEFTSHIFT), ABI_IOCTL(KEY_ENTER), ABI_IOCTL(KEY_SPACE), ABI_IOCTL(KEY_POWER), ABI_IOCTL(KEY_CNT),
	ABI_IOCTL(BTN_MISC), ABI_IOCTL(BTN_MOUSE), ABI_IOCTL(BTN_LEFT), ABI_IOCTL(BTN_RIGHT), ABI_IOCTL(BTN_MIDDLE),
	ABI_IOCTL(BTN_SIDE), ABI_IOCTL(BTN_TASK), ABI_IOCTL(BTN_JOYSTICK), ABI_IOCTL(BTN_DIGI), ABI_IOCTL(BTN_TOOL_PEN),
	ABI_IOCTL(BTN_TOOL_FINGER), ABI_IOCTL(BTN_TOUCH), ABI_IOCTL(BTN_STYLUS), ABI_IOCTL(BTN_TOOL_DOUBLETAP), ABI_IOCTL(BTN_WHEEL),
	ABI_IOCTL(INPUT_PROP_POINTER), ABI_IOCTL(INPUT_PROP_DIRECT), ABI_IOCTL(BUS_USB), ABI_IOCTL(BUS_VIRTUAL),
	ABI_IOCTL(UINPUT_MAX_NAME_SIZE),
};
static const struct abi_ioctl *input_consts_get(size_t *n) { *n = ABI_LEN(input_consts); return input_consts; }
*/
import "C"

import (
	"reflect"
	"unsafe"

	"github.com/go-scanout/scanout/internal/uapi"
)

// inputConsts holds the C values of the event codes package uapi names.
var inputConsts = map[string]uint64{}

func init() {
	var n C.size_t
	addFields(C.input_fields_get(&n), int(n))
	addIoctls(C.input_ioctls_get(&n), int(n))
	goTypes["input_event"] = reflect.TypeFor[uapi.InputEvent]()
	goTypes["input_id"] = reflect.TypeFor[uapi.InputID]()
	goTypes["input_absinfo"] = reflect.TypeFor[uapi.InputAbsinfo]()
	goTypes["input_mt_slots_64"] = reflect.TypeFor[uapi.InputMTSlots]()
	goTypes["uinput_setup"] = reflect.TypeFor[uapi.UinputSetup]()
	goTypes["uinput_abs_setup"] = reflect.TypeFor[uapi.UinputAbsSetup]()

	tab := C.input_consts_get(&n)
	for _, c := range unsafe.Slice(tab, int(n)) {
		inputConsts[C.GoString(c.name)] = uint64(c.num)
	}
}
