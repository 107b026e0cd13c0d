package evdev

import (
	"strings"

	"github.com/go-scanout/scanout/internal/uapi"
)

// Class says what a device is, from its capabilities alone (never from its
// name). A device may be several things at once (a keyboard with a built-in
// touchpad, a touch screen that also has buttons).
type Class uint8

const (
	// Keyboard is a full keyboard (ESC, digits and letters): a USB
	// keyboard, or a barcode scanner, which presents itself as one.
	Keyboard Class = 1 << iota
	// Keys is a device with some keys but not a keyboard: power button,
	// volume or media keys.
	Keys
	// Pointer is a relative pointer: mouse, trackball.
	Pointer
	// AbsPointer is an absolute pointer that is not a touch screen: a
	// graphics tablet or pen, or a virtual machine's tablet device.
	AbsPointer
	// Touchscreen is a direct touch device: multitouch protocol B (slots)
	// or single touch (ABS_X/ABS_Y with BTN_TOUCH).
	Touchscreen
	// Touchpad is an indirect touch device. It is recognised so it can be
	// reported, but scanout does not drive touchpads (no gestures, no
	// pointer acceleration): a kiosk has a touch screen or a mouse.
	Touchpad
)

// String names the classes in c, separated by "+", or "other".
func (c Class) String() string {
	if c == 0 {
		return "other"
	}
	var s []string
	for _, n := range []struct {
		c    Class
		name string
	}{{Keyboard, "keyboard"}, {Keys, "keys"}, {Pointer, "pointer"}, {AbsPointer, "absolute-pointer"},
		{Touchscreen, "touchscreen"}, {Touchpad, "touchpad (ignored)"}} {
		if c&n.c != 0 {
			s = append(s, n.name)
		}
	}
	return strings.Join(s, "+")
}

// Capabilities are the event types, codes and properties a device
// announces (EVIOCGBIT, EVIOCGPROP).
type Capabilities struct {
	ev, key, rel, abs, prop uapi.InputBits
}

// HasEvent reports whether the device sends events of type t (EV_*).
func (c *Capabilities) HasEvent(t uint16) bool { return c.ev.Has(int(t)) }

// HasKey reports whether the device has key or button code (KEY_*, BTN_*).
func (c *Capabilities) HasKey(code uint16) bool { return c.ev.Has(uapi.EV_KEY) && c.key.Has(int(code)) }

// HasRel reports whether the device has relative axis code (REL_*).
func (c *Capabilities) HasRel(code uint16) bool { return c.ev.Has(uapi.EV_REL) && c.rel.Has(int(code)) }

// HasAbs reports whether the device has absolute axis code (ABS_*).
func (c *Capabilities) HasAbs(code uint16) bool { return c.ev.Has(uapi.EV_ABS) && c.abs.Has(int(code)) }

// HasProp reports whether the device has property p (INPUT_PROP_*).
func (c *Capabilities) HasProp(p uint16) bool { return c.prop.Has(int(p)) }

// set marks codes as present (for tests and fakes): kind is 0 for event
// types, EV_KEY, EV_REL or EV_ABS, or -1 for properties. Setting a code
// also sets its event type.
func (c *Capabilities) set(kind int, codes ...uint16) {
	for _, code := range codes {
		switch kind {
		case 0:
			c.ev.Set(int(code))
		case uapi.EV_KEY:
			c.ev.Set(uapi.EV_KEY)
			c.key.Set(int(code))
		case uapi.EV_REL:
			c.ev.Set(uapi.EV_REL)
			c.rel.Set(int(code))
		case uapi.EV_ABS:
			c.ev.Set(uapi.EV_ABS)
			c.abs.Set(int(code))
		case -1:
			c.prop.Set(int(code))
		}
	}
}

// touchMode is how a touch screen reports contacts.
type touchMode uint8

const (
	touchNone   touchMode = iota
	touchMTB              // multitouch protocol B: slots and tracking ids
	touchSingle           // ABS_X/ABS_Y with BTN_TOUCH (also MT protocol A devices)
)

func (c *Capabilities) touchMode() touchMode {
	if c.HasAbs(uapi.ABS_MT_SLOT) && c.HasAbs(uapi.ABS_MT_TRACKING_ID) &&
		c.HasAbs(uapi.ABS_MT_POSITION_X) && c.HasAbs(uapi.ABS_MT_POSITION_Y) {
		return touchMTB
	}
	if c.HasAbs(uapi.ABS_X) && c.HasAbs(uapi.ABS_Y) && c.HasKey(uapi.BTN_TOUCH) {
		return touchSingle
	}
	return touchNone
}

// Classify says what a device with capabilities c is. It follows the rules
// of udev's input_id builtin, which libinput relies on:
//
//   - a full keyboard has all of KEY_ESC to KEY_S (the first 31 key codes);
//     any other key below BTN_MISC or from KEY_OK on makes a "keys" device;
//   - relative X and Y with a mouse button make a pointer;
//   - absolute X/Y (or multitouch X/Y) with a pen or stylus make an absolute
//     pointer (tablet); with BTN_TOOL_FINGER but no pen and no
//     INPUT_PROP_DIRECT, a touchpad; with a mouse button and no
//     INPUT_PROP_DIRECT, an absolute pointer (a virtual machine's tablet);
//     otherwise, with BTN_TOUCH or INPUT_PROP_DIRECT, a touch screen, if
//     it reports contacts in a way scanout decodes (protocol B slots, or
//     single touch).
func Classify(c *Capabilities) Class {
	var cl Class
	if c.HasEvent(uapi.EV_KEY) {
		full := true
		for k := uint16(uapi.KEY_ESC); k <= 31; k++ {
			if !c.key.Has(int(k)) {
				full = false
				break
			}
		}
		if full {
			cl |= Keyboard
		} else {
			for k := uapi.KEY_ESC; k < uapi.KEY_CNT; k++ {
				if (k < uapi.BTN_MISC || k >= 0x160) && c.key.Has(k) {
					cl |= Keys
					break
				}
			}
		}
	}
	mouseBtn := c.HasKey(uapi.BTN_LEFT) || c.HasKey(uapi.BTN_RIGHT) || c.HasKey(uapi.BTN_MIDDLE)
	if c.HasRel(uapi.REL_X) && c.HasRel(uapi.REL_Y) && mouseBtn {
		cl |= Pointer
	}
	absXY := c.HasAbs(uapi.ABS_X) && c.HasAbs(uapi.ABS_Y)
	mtXY := c.HasAbs(uapi.ABS_MT_POSITION_X) && c.HasAbs(uapi.ABS_MT_POSITION_Y)
	if absXY || mtXY {
		stylus := c.HasKey(uapi.BTN_STYLUS) || c.HasKey(uapi.BTN_TOOL_PEN)
		fingerNoPen := c.HasKey(uapi.BTN_TOOL_FINGER) && !c.HasKey(uapi.BTN_TOOL_PEN)
		direct := c.HasProp(uapi.INPUT_PROP_DIRECT)
		switch {
		case stylus && absXY:
			cl |= AbsPointer
		case fingerNoPen && !direct, c.HasProp(uapi.INPUT_PROP_POINTER) && !direct:
			cl |= Touchpad
		case mouseBtn && !direct && absXY:
			cl |= AbsPointer
		case c.HasKey(uapi.BTN_TOUCH) || direct:
			if c.touchMode() != touchNone {
				cl |= Touchscreen
			}
		}
	}
	return cl
}
