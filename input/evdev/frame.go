package evdev

import (
	"time"

	"github.com/go-scanout/scanout/internal/uapi"
)

// Frame is what a device said between two SYN_REPORT events: the kernel's
// unit of simultaneous change. Its slices are reused for the next frame;
// copy what you keep.
type Frame struct {
	// Time is the SYN_REPORT's timestamp on CLOCK_MONOTONIC (the same
	// clock as Go's monotonic time, as time since boot).
	Time time.Duration

	// DX and DY are relative motion (REL_X, REL_Y) in device units.
	DX, DY int32
	// Wheel and HWheel are scroll detents: Wheel positive away from the
	// user (up), HWheel positive to the right (REL_WHEEL, REL_HWHEEL).
	Wheel, HWheel int32
	// WheelHiRes and HWheelHiRes are the same in 1/120 of a detent, for
	// devices that report REL_WHEEL_HI_RES (zero otherwise).
	WheelHiRes, HWheelHiRes int32

	// Abs is true when the absolute position (X, Y, raw device units of
	// Info.X and Info.Y) of an absolute pointer changed.
	Abs  bool
	X, Y int32

	// Keys are key and button transitions in the order they happened.
	// Autorepeat events are dropped (clients repeat keys themselves).
	// On touch screens BTN_TOUCH and BTN_TOOL_* are consumed as contacts
	// and do not appear here.
	Keys []Key

	// Touches are the contacts that began, moved or ended, in slot order.
	Touches []Touch

	// Resync is true when events were lost (SYN_DROPPED): the state was
	// read back from the kernel and this frame carries the differences
	// (keys released or pressed meanwhile, contacts ended or begun).
	Resync bool
}

// Key is one key or button transition.
type Key struct {
	Code    uint16 // KEY_* or BTN_* (linux/input-event-codes.h)
	Pressed bool
}

// Touch is one contact's change.
type Touch struct {
	Slot int   // 0 to Info.Slots-1; a single-touch device has slot 0
	X, Y int32 // position in raw device units (Info.X, Info.Y); not meaningful on Up
	Down bool  // the contact began (X, Y is where)
	Up   bool  // the contact ended; when both are set it began first
}

// kernelState reads a device's current state, for the resync after
// SYN_DROPPED. The device implements it with EVIOCGKEY, EVIOCGABS and
// EVIOCGMTSLOTS; tests use a fake.
type kernelState interface {
	keyState(*uapi.InputBits) error
	absValue(axis uint16) (int32, error)
	mtSlots(code uint16, s *uapi.InputMTSlots) error
}

type slot struct {
	id, prevID int32 // tracking ids now and at the last SYN_REPORT; -1 free
	x, y       int32
	moved      bool // position changed since the last SYN_REPORT
	flash      bool // a contact began and ended within this frame
	dirty      bool
}

// decoder is the per-device event state machine. It allocates nothing per
// event once its slices have grown to their working size.
type decoder struct {
	mode     touchMode
	absPtr   bool // ABS_X/ABS_Y are an absolute pointer
	slots    []slot
	cur      int // current MT slot; -1 when out of range
	keys     uapi.InputBits
	dropping bool // after SYN_DROPPED, until the next SYN_REPORT
	x, y     int32
	nextID   int32 // single touch: tracking ids made up per contact
	f        Frame
	state    kernelState

	// resync scratch
	now   uapi.InputBits
	mtBuf uapi.InputMTSlots
}

func newDecoder(mode touchMode, absPtr bool, nslots, curSlot int, st kernelState) *decoder {
	if mode == touchSingle {
		nslots = 1
	}
	if mode == touchNone {
		nslots = 0
	}
	nslots = min(nslots, uapi.MTMaxSlots)
	d := &decoder{mode: mode, absPtr: absPtr, state: st, cur: curSlot}
	d.slots = make([]slot, nslots)
	for i := range d.slots {
		d.slots[i] = slot{id: -1, prevID: -1}
	}
	if d.cur < 0 || d.cur >= nslots {
		d.cur = -1
	}
	d.f.Keys = make([]Key, 0, 32)
	d.f.Touches = make([]Touch, 0, 2*max(nslots, 1))
	return d
}

// event feeds one event; emit is called with the frame at each SYN_REPORT
// that carried anything.
func (d *decoder) event(e uapi.InputEvent, emit func(*Frame)) {
	if d.dropping {
		if e.Type == uapi.EV_SYN && e.Code == uapi.SYN_REPORT {
			d.dropping = false
			d.resync()
			d.report(e, emit)
		}
		return
	}
	switch e.Type {
	case uapi.EV_SYN:
		switch e.Code {
		case uapi.SYN_REPORT:
			d.report(e, emit)
		case uapi.SYN_DROPPED:
			// The kernel's buffer overflowed: events were lost. Ignore
			// everything up to and including the next SYN_REPORT, then
			// read the state back (Documentation/input/event-codes.rst).
			d.dropping = true
			d.f.DX, d.f.DY = 0, 0
			d.f.Wheel, d.f.HWheel, d.f.WheelHiRes, d.f.HWheelHiRes = 0, 0, 0, 0
		}
	case uapi.EV_KEY:
		d.key(e.Code, e.Value)
	case uapi.EV_REL:
		switch e.Code {
		case uapi.REL_X:
			d.f.DX += e.Value
		case uapi.REL_Y:
			d.f.DY += e.Value
		case uapi.REL_WHEEL:
			d.f.Wheel += e.Value
		case uapi.REL_HWHEEL:
			d.f.HWheel += e.Value
		case uapi.REL_WHEEL_HI_RES:
			d.f.WheelHiRes += e.Value
		case uapi.REL_HWHEEL_HI_RES:
			d.f.HWheelHiRes += e.Value
		}
	case uapi.EV_ABS:
		d.abs(e.Code, e.Value)
	}
}

func (d *decoder) key(code uint16, value int32) {
	if value == 2 || code >= uapi.KEY_CNT {
		return // autorepeat; or out of range (never from a real device)
	}
	pressed := value != 0
	if d.mode != touchNone && touchKey(code) {
		if code == uapi.BTN_TOUCH && d.mode == touchSingle {
			d.singleTouch(pressed)
		}
		return
	}
	if d.keys.Has(int(code)) == pressed {
		return // no change (a duplicate, or a press seen by the resync already)
	}
	if pressed {
		d.keys.Set(int(code))
	} else {
		d.keys.Clear(int(code))
	}
	d.f.Keys = append(d.f.Keys, Key{Code: code, Pressed: pressed})
}

func (d *decoder) singleTouch(down bool) {
	s := &d.slots[0]
	if down && s.id < 0 {
		d.nextID = (d.nextID + 1) & 0x7fffffff
		s.id = d.nextID
	} else if !down && s.id >= 0 {
		if s.id != s.prevID {
			s.flash = true
		}
		s.id = -1
	}
	s.dirty = true
}

func (d *decoder) abs(code uint16, v int32) {
	switch d.mode {
	case touchMTB:
		switch code {
		case uapi.ABS_MT_SLOT:
			d.cur = int(v)
			if d.cur < 0 || d.cur >= len(d.slots) {
				d.cur = -1
			}
			return
		case uapi.ABS_MT_TRACKING_ID:
			if d.cur >= 0 {
				s := &d.slots[d.cur]
				if v < 0 && s.id >= 0 && s.id != s.prevID {
					s.flash = true
				}
				s.id = max(v, -1)
				s.dirty = true
			}
			return
		case uapi.ABS_MT_POSITION_X:
			if d.cur >= 0 {
				s := &d.slots[d.cur]
				s.x, s.moved, s.dirty = v, true, true
			}
			return
		case uapi.ABS_MT_POSITION_Y:
			if d.cur >= 0 {
				s := &d.slots[d.cur]
				s.y, s.moved, s.dirty = v, true, true
			}
			return
		case uapi.ABS_X, uapi.ABS_Y:
			return // single-touch emulation of the first contact
		}
	case touchSingle:
		switch code {
		case uapi.ABS_X:
			s := &d.slots[0]
			s.x, s.moved, s.dirty = v, true, true
			return
		case uapi.ABS_Y:
			s := &d.slots[0]
			s.y, s.moved, s.dirty = v, true, true
			return
		}
	}
	if d.absPtr {
		switch code {
		case uapi.ABS_X:
			d.x, d.f.Abs = v, true
		case uapi.ABS_Y:
			d.y, d.f.Abs = v, true
		}
	}
}

// report completes a frame at SYN_REPORT e.
func (d *decoder) report(e uapi.InputEvent, emit func(*Frame)) {
	f := &d.f
	for i := range d.slots {
		s := &d.slots[i]
		if !s.dirty {
			continue
		}
		if s.prevID >= 0 && s.id != s.prevID {
			f.Touches = append(f.Touches, Touch{Slot: i, X: s.x, Y: s.y, Up: true})
		}
		switch {
		case s.id >= 0 && s.id != s.prevID:
			f.Touches = append(f.Touches, Touch{Slot: i, X: s.x, Y: s.y, Down: true})
		case s.id >= 0 && s.moved:
			f.Touches = append(f.Touches, Touch{Slot: i, X: s.x, Y: s.y})
		case s.flash && s.id < 0:
			f.Touches = append(f.Touches, Touch{Slot: i, X: s.x, Y: s.y, Down: true, Up: true})
		}
		s.prevID, s.moved, s.flash, s.dirty = s.id, false, false, false
	}
	if f.Abs {
		f.X, f.Y = d.x, d.y
	}
	if f.DX != 0 || f.DY != 0 || f.Wheel != 0 || f.HWheel != 0 || f.WheelHiRes != 0 || f.HWheelHiRes != 0 ||
		f.Abs || len(f.Keys) > 0 || len(f.Touches) > 0 || f.Resync {
		f.Time = time.Duration(e.Sec)*time.Second + time.Duration(e.Usec)*time.Microsecond
		emit(f)
	}
	f.DX, f.DY, f.Wheel, f.HWheel, f.WheelHiRes, f.HWheelHiRes = 0, 0, 0, 0, 0, 0
	f.Abs, f.Resync = false, false
	f.Keys, f.Touches = f.Keys[:0], f.Touches[:0]
}

// resync reads the device's state back after SYN_DROPPED and records the
// differences in the frame. Errors (a device unplugged meanwhile) leave the
// state as it was; the read that follows reports the unplug.
func (d *decoder) resync() {
	f := &d.f
	f.Resync = true
	f.Keys = f.Keys[:0]
	f.Touches = f.Touches[:0]
	if d.state == nil {
		return
	}
	if err := d.state.keyState(&d.now); err == nil {
		// Releases first, then presses: a key cannot be seen held twice.
		for pass := 0; pass < 2; pass++ {
			for code := 0; code < uapi.KEY_CNT; code++ {
				was, is := d.keys.Has(code), d.now.Has(code)
				if was == is || (pass == 0) == is {
					continue
				}
				if code == uapi.BTN_TOUCH && d.mode == touchSingle {
					continue // handled with the contact below
				}
				d.key(uint16(code), b2i(is))
			}
		}
		if d.mode == touchSingle {
			d.singleTouch(d.now.Has(uapi.BTN_TOUCH))
		}
	}
	switch d.mode {
	case touchMTB:
		if v, err := d.state.absValue(uapi.ABS_MT_SLOT); err == nil {
			d.cur = int(v)
			if d.cur < 0 || d.cur >= len(d.slots) {
				d.cur = -1
			}
		}
		if d.state.mtSlots(uapi.ABS_MT_TRACKING_ID, &d.mtBuf) == nil {
			for i := range d.slots {
				s := &d.slots[i]
				s.id = max(d.mtBuf.Values[i], -1)
				s.dirty = true
			}
		}
		for _, code := range [2]uint16{uapi.ABS_MT_POSITION_X, uapi.ABS_MT_POSITION_Y} {
			if d.state.mtSlots(code, &d.mtBuf) != nil {
				continue
			}
			for i := range d.slots {
				s := &d.slots[i]
				p := &s.x
				if code == uapi.ABS_MT_POSITION_Y {
					p = &s.y
				}
				if *p != d.mtBuf.Values[i] {
					*p, s.moved, s.dirty = d.mtBuf.Values[i], true, true
				}
			}
		}
	case touchSingle:
		d.resyncAbs(&d.slots[0].x, uapi.ABS_X, &d.slots[0])
		d.resyncAbs(&d.slots[0].y, uapi.ABS_Y, &d.slots[0])
	}
	if d.absPtr {
		for _, code := range [2]uint16{uapi.ABS_X, uapi.ABS_Y} {
			v, err := d.state.absValue(code)
			if err != nil {
				continue
			}
			p := &d.x
			if code == uapi.ABS_Y {
				p = &d.y
			}
			if *p != v {
				*p, f.Abs = v, true
			}
		}
	}
}

func (d *decoder) resyncAbs(p *int32, code uint16, s *slot) {
	v, err := d.state.absValue(code)
	if err == nil && *p != v {
		*p, s.moved, s.dirty = v, true, true
	}
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// touchKey reports whether code is BTN_TOUCH or a BTN_TOOL_* code (the
// contact and tool state a touch screen reports as keys).
func touchKey(code uint16) bool {
	const toolQuintTap, toolQuadTap = 0x148, 0x14f
	return code == uapi.BTN_TOUCH || (code >= uapi.BTN_TOOL_PEN && code <= toolQuintTap) ||
		(code >= uapi.BTN_TOOL_DOUBLETAP && code <= toolQuadTap)
}
