package uapi

import (
	"encoding/binary"
	"math/bits"
	"structs"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// Input (evdev) ioctls and structures (include/uapi/linux/input.h) and the
// event codes of include/uapi/linux/input-event-codes.h that scanout uses.
const evdevBase = 'E'

// Bitmap and buffer sizes used with the variable-length EVIOCG* requests.
// They are part of the request number, so they are fixed here and checked
// against the C macros by the ABI check.
const (
	// InputBitsBytes is the size of every bitmap scanout reads: KEY_CNT
	// bits, the largest bitmap of an evdev device.
	InputBitsBytes = KEY_CNT / 8
	// InputNameBytes is the buffer for EVIOCGNAME.
	InputNameBytes = 256
	// MTMaxSlots is the number of multitouch slots scanout tracks and
	// reads with EVIOCGMTSLOTS; slots beyond it are ignored.
	MTMaxSlots = 64
)

var (
	reqEVIOCGVERSION  = register("EVIOCGVERSION", IOR(evdevBase, 0x01, unsafe.Sizeof(int32(0))))
	reqEVIOCGID       = register("EVIOCGID", IOR(evdevBase, 0x02, unsafe.Sizeof(InputID{})))
	reqEVIOCGNAME     = register("EVIOCGNAME(256)", IOC(iocRead, evdevBase, 0x06, InputNameBytes))
	reqEVIOCGPROP     = register("EVIOCGPROP(96)", IOC(iocRead, evdevBase, 0x09, InputBitsBytes))
	reqEVIOCGMTSLOTS  = register("EVIOCGMTSLOTS(260)", IOC(iocRead, evdevBase, 0x0a, unsafe.Sizeof(InputMTSlots{})))
	reqEVIOCGKEY      = register("EVIOCGKEY(96)", IOC(iocRead, evdevBase, 0x18, InputBitsBytes))
	reqEVIOCGBIT0     = register("EVIOCGBIT(0, 96)", IOC(iocRead, evdevBase, 0x20, InputBitsBytes))
	reqEVIOCGBITKEY   = register("EVIOCGBIT(EV_KEY, 96)", IOC(iocRead, evdevBase, 0x20+EV_KEY, InputBitsBytes))
	reqEVIOCGBITREL   = register("EVIOCGBIT(EV_REL, 96)", IOC(iocRead, evdevBase, 0x20+EV_REL, InputBitsBytes))
	reqEVIOCGBITABS   = register("EVIOCGBIT(EV_ABS, 96)", IOC(iocRead, evdevBase, 0x20+EV_ABS, InputBitsBytes))
	reqEVIOCGABS0     = register("EVIOCGABS(0)", IOR(evdevBase, 0x40, unsafe.Sizeof(InputAbsinfo{})))
	reqEVIOCGABSMTX   = register("EVIOCGABS(ABS_MT_POSITION_X)", IOR(evdevBase, 0x40+ABS_MT_POSITION_X, unsafe.Sizeof(InputAbsinfo{})))
	reqEVIOCGRAB      = register("EVIOCGRAB", IOW(evdevBase, 0x90, unsafe.Sizeof(int32(0))))
	reqEVIOCSCLOCKID  = register("EVIOCSCLOCKID", IOW(evdevBase, 0xa0, unsafe.Sizeof(int32(0))))
	reqUIDevCreate    = register("UI_DEV_CREATE", IO(uinputBase, 1))
	reqUIDevDestroy   = register("UI_DEV_DESTROY", IO(uinputBase, 2))
	reqUIDevSetup     = register("UI_DEV_SETUP", IOW(uinputBase, 3, unsafe.Sizeof(UinputSetup{})))
	reqUIAbsSetup     = register("UI_ABS_SETUP", IOW(uinputBase, 4, unsafe.Sizeof(UinputAbsSetup{})))
	reqUISetEvbit     = register("UI_SET_EVBIT", IOW(uinputBase, 100, unsafe.Sizeof(int32(0))))
	reqUISetKeybit    = register("UI_SET_KEYBIT", IOW(uinputBase, 101, unsafe.Sizeof(int32(0))))
	reqUISetRelbit    = register("UI_SET_RELBIT", IOW(uinputBase, 102, unsafe.Sizeof(int32(0))))
	reqUISetAbsbit    = register("UI_SET_ABSBIT", IOW(uinputBase, 103, unsafe.Sizeof(int32(0))))
	reqUISetPropbit   = register("UI_SET_PROPBIT", IOW(uinputBase, 110, unsafe.Sizeof(int32(0))))
	reqUIGetSysname64 = register("UI_GET_SYSNAME(64)", IOC(iocRead, uinputBase, 44, 64))
)

// uinput ioctls (include/uapi/linux/uinput.h).
const uinputBase = 'U'

// InputEvent is struct input_event as the kernel writes it to 64-bit and
// to 32-bit (time64) user space: the time fields are __kernel_ulong_t,
// which is Go's uint on every Linux port.
type InputEvent struct {
	_     structs.HostLayout
	Sec   uint
	Usec  uint
	Type  uint16
	Code  uint16
	Value int32
}

// InputEventSize is sizeof(struct input_event): reads from an evdev node
// return whole multiples of it.
const InputEventSize = int(unsafe.Sizeof(InputEvent{}))

var (
	offSec   = unsafe.Offsetof(InputEvent{}.Sec)
	offUsec  = unsafe.Offsetof(InputEvent{}.Usec)
	offType  = unsafe.Offsetof(InputEvent{}.Type)
	offCode  = unsafe.Offsetof(InputEvent{}.Code)
	offValue = unsafe.Offsetof(InputEvent{}.Value)
)

// GetInputEvent decodes the struct input_event at the start of b, which
// must hold at least InputEventSize bytes.
func GetInputEvent(b []byte) InputEvent {
	b = b[:InputEventSize]
	e := InputEvent{
		Type:  binary.NativeEndian.Uint16(b[offType:]),
		Code:  binary.NativeEndian.Uint16(b[offCode:]),
		Value: int32(binary.NativeEndian.Uint32(b[offValue:])),
	}
	if bits.UintSize == 64 {
		e.Sec = uint(binary.NativeEndian.Uint64(b[offSec:]))
		e.Usec = uint(binary.NativeEndian.Uint64(b[offUsec:]))
	} else {
		e.Sec = uint(binary.NativeEndian.Uint32(b[offSec:]))
		e.Usec = uint(binary.NativeEndian.Uint32(b[offUsec:]))
	}
	return e
}

// PutInputEvent encodes e into the first InputEventSize bytes of b (for
// writes to /dev/uinput).
func PutInputEvent(b []byte, e InputEvent) {
	b = b[:InputEventSize]
	clear(b)
	if bits.UintSize == 64 {
		binary.NativeEndian.PutUint64(b[offSec:], uint64(e.Sec))
		binary.NativeEndian.PutUint64(b[offUsec:], uint64(e.Usec))
	} else {
		binary.NativeEndian.PutUint32(b[offSec:], uint32(e.Sec))
		binary.NativeEndian.PutUint32(b[offUsec:], uint32(e.Usec))
	}
	binary.NativeEndian.PutUint16(b[offType:], e.Type)
	binary.NativeEndian.PutUint16(b[offCode:], e.Code)
	binary.NativeEndian.PutUint32(b[offValue:], uint32(e.Value))
}

// InputID is struct input_id.
type InputID struct {
	_       structs.HostLayout
	Bustype uint16
	Vendor  uint16
	Product uint16
	Version uint16
}

// InputAbsinfo is struct input_absinfo: an absolute axis' current value and
// range.
type InputAbsinfo struct {
	_          structs.HostLayout
	Value      int32
	Minimum    int32
	Maximum    int32
	Fuzz       int32
	Flat       int32
	Resolution int32
}

// InputMTSlots is struct input_mt_request_layout with room for MTMaxSlots
// slots: Code is the ABS_MT_* axis asked for, Values its value per slot.
type InputMTSlots struct {
	_      structs.HostLayout
	Code   uint32
	Values [MTMaxSlots]int32
}

// InputBits is a bitmap as EVIOCGBIT, EVIOCGKEY and EVIOCGPROP return it:
// an array of unsigned long, bit n of the bitmap in word n/longbits.
type InputBits [InputBitsBytes / (bits.UintSize / 8)]uint

// Has reports whether bit n is set.
func (b *InputBits) Has(n int) bool {
	if n < 0 || n >= len(b)*bits.UintSize {
		return false
	}
	return b[n/bits.UintSize]&(1<<(uint(n)%bits.UintSize)) != 0
}

// Set sets bit n (for tests and fakes).
func (b *InputBits) Set(n int) {
	if n >= 0 && n < len(b)*bits.UintSize {
		b[n/bits.UintSize] |= 1 << (uint(n) % bits.UintSize)
	}
}

// Clear clears bit n.
func (b *InputBits) Clear(n int) {
	if n >= 0 && n < len(b)*bits.UintSize {
		b[n/bits.UintSize] &^= 1 << (uint(n) % bits.UintSize)
	}
}

// EvdevVersion issues EVIOCGVERSION (the evdev protocol version).
func EvdevVersion(d *fd.FD) (int32, error) {
	var v int32
	err := Ioctl(d, "EVIOCGVERSION", reqEVIOCGVERSION, unsafe.Pointer(&v))
	return v, err
}

// EvdevID issues EVIOCGID.
func EvdevID(d *fd.FD) (InputID, error) {
	var id InputID
	err := Ioctl(d, "EVIOCGID", reqEVIOCGID, unsafe.Pointer(&id))
	return id, err
}

// EvdevName issues EVIOCGNAME and returns the device's name.
func EvdevName(d *fd.FD) (string, error) {
	var b [InputNameBytes]byte
	n, err := IoctlRet(d, "EVIOCGNAME", reqEVIOCGNAME, unsafe.Pointer(&b[0]))
	if err != nil {
		return "", err
	}
	if n > len(b) {
		n = len(b)
	}
	s := b[:max(n, 0)]
	for i, c := range s {
		if c == 0 {
			s = s[:i]
			break
		}
	}
	return string(s), nil
}

// EvdevProps issues EVIOCGPROP (INPUT_PROP_* bits) into b.
func EvdevProps(d *fd.FD, b *InputBits) error {
	*b = InputBits{}
	return Ioctl(d, "EVIOCGPROP", reqEVIOCGPROP, unsafe.Pointer(b))
}

// EvdevBits issues EVIOCGBIT for event type ev (0 for the event types
// themselves, EV_KEY, EV_REL or EV_ABS) into b.
func EvdevBits(d *fd.FD, ev int, b *InputBits) error {
	*b = InputBits{}
	var req uintptr
	switch ev {
	case 0:
		req = reqEVIOCGBIT0
	case EV_KEY:
		req = reqEVIOCGBITKEY
	case EV_REL:
		req = reqEVIOCGBITREL
	case EV_ABS:
		req = reqEVIOCGBITABS
	default:
		return &Error{Op: "EVIOCGBIT", Device: d.Name(), Errno: unix.EINVAL, Hint: "scanout reads only the EV_KEY, EV_REL and EV_ABS bitmaps"}
	}
	return Ioctl(d, "EVIOCGBIT", req, unsafe.Pointer(b))
}

// EvdevKeyState issues EVIOCGKEY: the keys and buttons held down now.
func EvdevKeyState(d *fd.FD, b *InputBits) error {
	*b = InputBits{}
	return Ioctl(d, "EVIOCGKEY", reqEVIOCGKEY, unsafe.Pointer(b))
}

// EvdevAbs issues EVIOCGABS for axis (an ABS_* code below ABS_CNT).
func EvdevAbs(d *fd.FD, axis uint16) (InputAbsinfo, error) {
	var a InputAbsinfo
	if axis >= ABS_CNT {
		return a, &Error{Op: "EVIOCGABS", Device: d.Name(), Errno: unix.EINVAL, Hint: "axis code out of range"}
	}
	// The axis is the low bits of the request's number field: EVIOCGABS(a)
	// is EVIOCGABS(0) + a (checked against the C macro for two axes).
	err := Ioctl(d, "EVIOCGABS", reqEVIOCGABS0+uintptr(axis), unsafe.Pointer(&a))
	return a, err
}

// EvdevMTSlots issues EVIOCGMTSLOTS for the ABS_MT_* axis code: the value
// of that axis in each of the first MTMaxSlots slots.
func EvdevMTSlots(d *fd.FD, code uint16, s *InputMTSlots) error {
	*s = InputMTSlots{Code: uint32(code)}
	return Ioctl(d, "EVIOCGMTSLOTS", reqEVIOCGMTSLOTS, unsafe.Pointer(s))
}

// EvdevGrab issues EVIOCGRAB: with grab true no other reader of the device
// (a console, another compositor) receives its events.
func EvdevGrab(d *fd.FD, grab bool) error {
	var v uintptr
	if grab {
		v = 1
	}
	return IoctlInt(d, "EVIOCGRAB", reqEVIOCGRAB, v)
}

// EvdevSetClock issues EVIOCSCLOCKID: the clock of the event timestamps
// (unix.CLOCK_MONOTONIC to compare them with Go's monotonic clock).
func EvdevSetClock(d *fd.FD, clock int32) error {
	return Ioctl(d, "EVIOCSCLOCKID", reqEVIOCSCLOCKID, unsafe.Pointer(&clock))
}

// UinputSetup is struct uinput_setup.
type UinputSetup struct {
	_            structs.HostLayout
	ID           InputID
	Name         [UINPUT_MAX_NAME_SIZE]byte
	FFEffectsMax uint32
}

// UINPUT_MAX_NAME_SIZE is the size of UinputSetup.Name.
const UINPUT_MAX_NAME_SIZE = 80

// UinputAbsSetup is struct uinput_abs_setup.
type UinputAbsSetup struct {
	_       structs.HostLayout
	Code    uint16
	Pad     uint16
	Absinfo InputAbsinfo
}

// UinputSetBit issues UI_SET_EVBIT, UI_SET_KEYBIT, UI_SET_RELBIT,
// UI_SET_ABSBIT or UI_SET_PROPBIT, chosen by kind (0 for event types, then
// EV_KEY, EV_REL, EV_ABS, or -1 for properties), for code.
func UinputSetBit(d *fd.FD, kind int, code uint16) error {
	var req uintptr
	var op string
	switch kind {
	case 0:
		req, op = reqUISetEvbit, "UI_SET_EVBIT"
	case EV_KEY:
		req, op = reqUISetKeybit, "UI_SET_KEYBIT"
	case EV_REL:
		req, op = reqUISetRelbit, "UI_SET_RELBIT"
	case EV_ABS:
		req, op = reqUISetAbsbit, "UI_SET_ABSBIT"
	case -1:
		req, op = reqUISetPropbit, "UI_SET_PROPBIT"
	default:
		return &Error{Op: "UI_SET_*BIT", Device: d.Name(), Errno: unix.EINVAL, Hint: "unsupported bit kind"}
	}
	return IoctlInt(d, op, req, uintptr(code))
}

// UinputDevSetup issues UI_DEV_SETUP.
func UinputDevSetup(d *fd.FD, s *UinputSetup) error {
	return Ioctl(d, "UI_DEV_SETUP", reqUIDevSetup, unsafe.Pointer(s))
}

// UinputAbsSetupIoctl issues UI_ABS_SETUP for one axis.
func UinputAbsSetupIoctl(d *fd.FD, s *UinputAbsSetup) error {
	return Ioctl(d, "UI_ABS_SETUP", reqUIAbsSetup, unsafe.Pointer(s))
}

// UinputDevCreate issues UI_DEV_CREATE: the device appears as an evdev
// node.
func UinputDevCreate(d *fd.FD) error {
	return IoctlInt(d, "UI_DEV_CREATE", reqUIDevCreate, 0)
}

// UinputDevDestroy issues UI_DEV_DESTROY.
func UinputDevDestroy(d *fd.FD) error {
	return IoctlInt(d, "UI_DEV_DESTROY", reqUIDevDestroy, 0)
}

// UinputSysname issues UI_GET_SYSNAME: the created device's name under
// /sys/devices/virtual/input ("input7").
func UinputSysname(d *fd.FD) (string, error) {
	var b [64]byte
	if err := Ioctl(d, "UI_GET_SYSNAME", reqUIGetSysname64, unsafe.Pointer(&b[0])); err != nil {
		return "", err
	}
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), nil
		}
	}
	return string(b[:]), nil
}

// Event types, codes and properties (include/uapi/linux/input-event-codes.h).
const (
	EV_SYN = 0x00
	EV_KEY = 0x01
	EV_REL = 0x02
	EV_ABS = 0x03
	EV_MSC = 0x04
	EV_CNT = 0x20

	SYN_REPORT    = 0
	SYN_CONFIG    = 1
	SYN_MT_REPORT = 2
	SYN_DROPPED   = 3

	REL_X             = 0x00
	REL_Y             = 0x01
	REL_HWHEEL        = 0x06
	REL_WHEEL         = 0x08
	REL_WHEEL_HI_RES  = 0x0b
	REL_HWHEEL_HI_RES = 0x0c
	REL_CNT           = 0x10

	ABS_X              = 0x00
	ABS_Y              = 0x01
	ABS_PRESSURE       = 0x18
	ABS_MT_SLOT        = 0x2f
	ABS_MT_POSITION_X  = 0x35
	ABS_MT_POSITION_Y  = 0x36
	ABS_MT_TRACKING_ID = 0x39
	ABS_CNT            = 0x40

	KEY_ESC       = 1
	KEY_1         = 2
	KEY_Q         = 16
	KEY_A         = 30
	KEY_D         = 32
	KEY_Z         = 44
	KEY_LEFTSHIFT = 42
	KEY_ENTER     = 28
	KEY_SPACE     = 57
	KEY_POWER     = 116
	KEY_CNT       = 0x300

	BTN_MISC           = 0x100
	BTN_MOUSE          = 0x110
	BTN_LEFT           = 0x110
	BTN_RIGHT          = 0x111
	BTN_MIDDLE         = 0x112
	BTN_SIDE           = 0x113
	BTN_TASK           = 0x117
	BTN_JOYSTICK       = 0x120
	BTN_DIGI           = 0x140
	BTN_TOOL_PEN       = 0x140
	BTN_TOOL_FINGER    = 0x145
	BTN_TOUCH          = 0x14a
	BTN_STYLUS         = 0x14b
	BTN_TOOL_DOUBLETAP = 0x14d
	BTN_WHEEL          = 0x150

	INPUT_PROP_POINTER = 0x00
	INPUT_PROP_DIRECT  = 0x01

	BUS_USB     = 0x03
	BUS_VIRTUAL = 0x06
)
