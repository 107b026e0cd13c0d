package protocol

import (
	"encoding/binary"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
)

// Seat capabilities (wl_seat.capability).
const (
	SeatPointer  = wl.SeatCapabilityPointer
	SeatKeyboard = wl.SeatCapabilityKeyboard
	SeatTouch    = wl.SeatCapabilityTouch
)

// Axis sources (wl_pointer.axis_source).
const (
	AxisSourceWheel      = wl.PointerAxisSourceWheel
	AxisSourceFinger     = wl.PointerAxisSourceFinger
	AxisSourceContinuous = wl.PointerAxisSourceContinuous
)

// maxTouchPoints bounds the touch points tracked at once; more are
// ignored.
const maxTouchPoints = 16

// maxPressedKeys bounds the keys remembered as pressed (for
// wl_keyboard.enter).
const maxPressedKeys = 32

// Default key repeat (wl_keyboard.repeat_info): 25 per second after
// 600 ms.
const (
	repeatRate  = 25
	repeatDelay = 600
)

// seatState is the seat's input state: the foci, the cursor a client
// set, the keymap, pressed keys, modifiers and touch points. It lives in
// the Server and is guarded by its lock.
type seatState struct {
	caps      uint32
	seats     []*core.Resource
	keymap    *fd.FD
	keymapLen uint32

	ptrFocus      *Surface
	ptrX, ptrY    wire.Fixed // surface-local position of the last enter or motion
	cursor        *Surface   // set by the focused client for the current enter; nil: none
	cursorSet     bool       // the focused client called set_cursor since the enter
	hotX, hotY    int32
	kbdFocus      *Surface
	keys          [maxPressedKeys]uint32
	nkeys         int
	keyBytes      [4 * maxPressedKeys]byte // wl_keyboard.enter's array, no allocation
	mods          [4]uint32                // depressed, latched, locked, group
	touches       [maxTouchPoints]touchPoint
	touchFrameTo  [maxTouchPoints]*Surface // surfaces that got touch events since the last frame
	nTouchFrameTo int
}

type touchPoint struct {
	active bool
	id     int32
	s      *Surface
}

// inputState is a client's input objects and the serials of its recent
// input events (for popup grabs).
type inputState struct {
	pointers, keyboards, touches []*core.Resource
	enterSerial                  uint32    // the last wl_pointer.enter serial sent to the client
	grabSerials                  [4]uint32 // recent button, key and touch-down serials
	nextGrab                     int
}

func (st *inputState) noteGrabSerial(serial uint32) {
	st.grabSerials[st.nextGrab] = serial
	st.nextGrab = (st.nextGrab + 1) % len(st.grabSerials)
}

// validGrabSerial reports whether serial is one of the client's recent
// button, key or touch-down serials (what xdg_popup.grab requires).
func (st *inputState) validGrabSerial(serial uint32) bool {
	if serial == 0 {
		return false
	}
	for _, s := range st.grabSerials {
		if s == serial {
			return true
		}
	}
	return false
}

func clientInput(c *core.Client) *inputState {
	if st, ok := c.Data().(*clientState); ok {
		return &st.input
	}
	return &inputState{}
}

func (s *Server) addSeat() {
	s.d.AddGlobal(wl.SeatInterface, wl.SeatInterface.Version, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(seatHandler{s})
		s.seat.seats = append(s.seat.seats, r)
		r.OnDestroy(func(r *core.Resource) { s.seat.seats = removeRes(s.seat.seats, r) })
		seat := wl.Seat{Resource: r}
		seat.SendCapabilities(s.seat.caps)
		if seat.Version() >= 2 {
			seat.SendName("seat0")
		}
		return nil
	})
}

// SetSeatCapabilities announces which input devices exist (SeatPointer |
// SeatKeyboard | SeatTouch); 0, the default, means none. Lock held.
func (s *Server) SetSeatCapabilities(caps uint32) {
	if caps == s.seat.caps {
		return
	}
	s.seat.caps = caps
	for _, r := range s.seat.seats {
		wl.Seat{Resource: r}.SendCapabilities(caps)
	}
}

// SeatCapabilities returns what SetSeatCapabilities announced.
func (s *Server) SeatCapabilities() uint32 { return s.seat.caps }

// SetKeymap replaces the keymap (XKB text, as `xkbcli compile-keymap`
// prints it) and sends it to every wl_keyboard. The text is not compiled
// here: clients compile it with libxkbcommon. Lock held.
func (s *Server) SetKeymap(text []byte) error {
	f, n, err := newKeymapFile(text)
	if err != nil {
		return err
	}
	if s.seat.keymap != nil {
		s.seat.keymap.Close()
	}
	s.seat.keymap, s.seat.keymapLen = f, n
	for _, c := range s.d.Clients() {
		for _, k := range clientInput(c).keyboards {
			s.sendKeymap(wl.Keyboard{Resource: k})
		}
	}
	return nil
}

func (s *Server) sendKeymap(k wl.Keyboard) {
	if s.seat.keymap == nil {
		f, n, err := newKeymapFile(BuiltinKeymap)
		if err != nil {
			s.logf("wl_keyboard@%d: no keymap sent: %v", k.ID(), err)
			return
		}
		s.seat.keymap, s.seat.keymapLen = f, n
	}
	s.seat.keymap.Control(func(n int) error {
		return k.SendKeymap(wl.KeyboardKeymapFormatXkbV1, n, s.seat.keymapLen)
	})
}

func (s *Server) closeSeat() {
	if s.seat.keymap != nil {
		s.seat.keymap.Close()
	}
}

type seatHandler struct{ s *Server }

// Input devices are created even without the capability (the race
// between a capability change and the request makes that the only safe
// behaviour); they receive events once input exists.
func (h seatHandler) GetPointer(o wl.Seat, id wl.Pointer) error {
	st := clientInput(o.Client())
	id.SetHandler(pointerHandler{h.s})
	st.pointers = append(st.pointers, id.Resource)
	id.OnDestroy(func(r *core.Resource) { st.pointers = removeRes(st.pointers, r) })
	if f := h.s.seat.ptrFocus; f != nil && f.Client() == o.Client() {
		id.SendEnter(st.enterSerial, wl.Surface{Resource: f.res}, h.s.seat.ptrX, h.s.seat.ptrY)
		if id.Version() >= 5 {
			id.SendFrame()
		}
	}
	return nil
}

func (h seatHandler) GetKeyboard(o wl.Seat, id wl.Keyboard) error {
	st := clientInput(o.Client())
	id.SetHandler(keyboardHandler{})
	st.keyboards = append(st.keyboards, id.Resource)
	id.OnDestroy(func(r *core.Resource) { st.keyboards = removeRes(st.keyboards, r) })
	h.s.sendKeymap(id)
	if id.Version() >= 4 {
		id.SendRepeatInfo(repeatRate, repeatDelay)
	}
	if f := h.s.seat.kbdFocus; f != nil && f.Client() == o.Client() {
		h.s.keyboardEnter(id, f, h.s.d.NextSerial())
	}
	return nil
}

func (h seatHandler) GetTouch(o wl.Seat, id wl.Touch) error {
	st := clientInput(o.Client())
	id.SetHandler(touchHandler{})
	st.touches = append(st.touches, id.Resource)
	id.OnDestroy(func(r *core.Resource) { st.touches = removeRes(st.touches, r) })
	return nil
}

func (seatHandler) Release(wl.Seat) error { return nil }

type pointerHandler struct{ s *Server }

// SetCursor is wl_pointer.set_cursor. A surface with another role is a
// protocol error; a serial other than the client's latest enter serial
// (or a client without the pointer focus) is ignored, as the protocol
// says.
func (h pointerHandler) SetCursor(o wl.Pointer, serial uint32, surface wl.Surface, hx, hy int32) error {
	var x *Surface
	if surface.Resource != nil {
		x = surfaceFrom(surface.Resource)
		if x.role != "" && x.role != "cursor" {
			return o.Errorf(wl.PointerErrorRole, "wl_surface@%d already has the role %s", x.ID(), x.role)
		}
		x.role = "cursor"
	}
	st := &h.s.seat
	if st.ptrFocus == nil || st.ptrFocus.Client() != o.Client() || serial != clientInput(o.Client()).enterSerial {
		return nil
	}
	st.cursor, st.cursorSet, st.hotX, st.hotY = x, true, hx, hy
	h.s.cursorChanged()
	return nil
}

func (pointerHandler) Release(wl.Pointer) error { return nil }

type keyboardHandler struct{}

func (keyboardHandler) Release(wl.Keyboard) error { return nil }

type touchHandler struct{}

func (touchHandler) Release(wl.Touch) error { return nil }

func (s *Server) cursorChanged() {
	if s.opts.Hooks.CursorChanged != nil {
		s.opts.Hooks.CursorChanged()
	}
}

// Cursor returns the cursor image the client under the pointer set with
// wl_pointer.set_cursor for the current enter: the surface (nil when it
// hid the cursor or set none), the hotspot in surface coordinates, and
// whether it set one at all since the pointer entered. Lock held.
func (s *Server) Cursor() (x *Surface, hotspotX, hotspotY int32, set bool) {
	st := &s.seat
	return st.cursor, st.hotX, st.hotY, st.cursorSet
}

// cursorCommitted moves the hotspot by the offset a cursor surface
// committed (wl_surface.offset, or attach's dx, dy before version 5).
func (s *Server) cursorCommitted(x *Surface, dx, dy int32) {
	if x == s.seat.cursor {
		s.seat.hotX -= dx
		s.seat.hotY -= dy
	}
}

// surfaceGone drops a destroyed surface from the seat's state.
func (s *Server) seatSurfaceGone(x *Surface) {
	st := &s.seat
	if st.ptrFocus == x {
		st.ptrFocus = nil
		st.cursor, st.cursorSet = nil, false
		s.cursorChanged()
	}
	if st.cursor == x {
		st.cursor = nil
		s.cursorChanged()
	}
	if st.kbdFocus == x {
		st.kbdFocus = nil
	}
	for i := range st.touches {
		if st.touches[i].s == x {
			st.touches[i] = touchPoint{}
		}
	}
	for i := range st.touchFrameTo[:st.nTouchFrameTo] {
		if st.touchFrameTo[i] == x {
			st.touchFrameTo[i] = nil
		}
	}
}

// PointerFocus returns the surface with the pointer focus (nil: none).
func (s *Server) PointerFocus() *Surface { return s.seat.ptrFocus }

// SetPointerFocus moves the pointer focus to x at the surface-local
// position (sx, sy), or to nothing when x is nil: the old surface's
// client gets wl_pointer.leave (and frame), the new one wl_pointer.enter
// with a new serial. The cursor the old client set is forgotten. Follow
// with PointerFrame. Nothing happens when x already has the focus. Lock
// held.
func (s *Server) SetPointerFocus(x *Surface, sx, sy wire.Fixed) {
	st := &s.seat
	if x == st.ptrFocus {
		return
	}
	if old := st.ptrFocus; old != nil {
		serial := s.d.NextSerial()
		for _, r := range clientInput(old.Client()).pointers {
			p := wl.Pointer{Resource: r}
			p.SendLeave(serial, wl.Surface{Resource: old.res})
			if p.Version() >= 5 {
				p.SendFrame()
			}
		}
	}
	hadCursor := st.cursor != nil || st.cursorSet
	st.ptrFocus, st.cursor, st.cursorSet = x, nil, false
	st.ptrX, st.ptrY = sx, sy
	if x != nil {
		serial := s.d.NextSerial()
		in := clientInput(x.Client())
		in.enterSerial = serial
		for _, r := range in.pointers {
			wl.Pointer{Resource: r}.SendEnter(serial, wl.Surface{Resource: x.res}, sx, sy)
		}
	}
	if hadCursor {
		s.cursorChanged()
	}
}

// PointerMotion sends wl_pointer.motion (surface-local position) to the
// focused client. ms is the event time in milliseconds. Lock held.
func (s *Server) PointerMotion(ms uint32, sx, sy wire.Fixed) {
	st := &s.seat
	if st.ptrFocus == nil {
		return
	}
	st.ptrX, st.ptrY = sx, sy
	for _, r := range clientInput(st.ptrFocus.Client()).pointers {
		wl.Pointer{Resource: r}.SendMotion(ms, sx, sy)
	}
}

// PointerButton sends wl_pointer.button (button: a Linux BTN_* code) to
// the focused client and returns its serial (0 without a focus). Lock
// held.
func (s *Server) PointerButton(ms, button uint32, pressed bool) uint32 {
	st := &s.seat
	if st.ptrFocus == nil {
		return 0
	}
	state := wl.PointerButtonStateReleased
	if pressed {
		state = wl.PointerButtonStatePressed
	}
	serial := s.d.NextSerial()
	in := clientInput(st.ptrFocus.Client())
	in.noteGrabSerial(serial)
	for _, r := range in.pointers {
		wl.Pointer{Resource: r}.SendButton(serial, ms, button, state)
	}
	return serial
}

// PointerAxis sends a scroll on axis (wl.PointerAxisVerticalScroll or
// HorizontalScroll) to the focused client: value in surface pixels,
// discrete the wheel clicks (0 for continuous sources), source an
// AxisSource value. Each wl_pointer gets what its version knows:
// axis_source (version 5), axis_discrete (5 to 7) or axis_value120 (8),
// then axis; a zero value with no clicks is sent as axis_stop (version 5)
// and dropped for older objects. Lock held.
func (s *Server) PointerAxis(ms, axis uint32, value wire.Fixed, discrete int32, source uint32) {
	st := &s.seat
	if st.ptrFocus == nil {
		return
	}
	for _, r := range clientInput(st.ptrFocus.Client()).pointers {
		p := wl.Pointer{Resource: r}
		v := p.Version()
		if v >= 5 {
			p.SendAxisSource(source)
		}
		if value == 0 && discrete == 0 {
			if v >= 5 {
				p.SendAxisStop(ms, axis)
			}
			continue
		}
		if discrete != 0 {
			if v >= 8 {
				p.SendAxisValue120(axis, discrete*120)
			} else if v >= 5 {
				p.SendAxisDiscrete(axis, discrete)
			}
		}
		p.SendAxis(ms, axis, value)
	}
}

// PointerFrame sends wl_pointer.frame (version 5) to the focused client,
// ending a group of pointer events. Lock held.
func (s *Server) PointerFrame() {
	st := &s.seat
	if st.ptrFocus == nil {
		return
	}
	for _, r := range clientInput(st.ptrFocus.Client()).pointers {
		if p := (wl.Pointer{Resource: r}); p.Version() >= 5 {
			p.SendFrame()
		}
	}
}

// KeyboardFocus returns the surface with the keyboard focus (nil: none).
func (s *Server) KeyboardFocus() *Surface { return s.seat.kbdFocus }

// SetKeyboardFocus moves the keyboard focus to x (nil: nothing): the old
// client gets wl_keyboard.leave, the new one wl_keyboard.enter with the
// keys held down and then wl_keyboard.modifiers. Lock held.
func (s *Server) SetKeyboardFocus(x *Surface) {
	st := &s.seat
	if x == st.kbdFocus {
		return
	}
	if old := st.kbdFocus; old != nil {
		serial := s.d.NextSerial()
		for _, r := range clientInput(old.Client()).keyboards {
			wl.Keyboard{Resource: r}.SendLeave(serial, wl.Surface{Resource: old.res})
		}
	}
	st.kbdFocus = x
	if x == nil {
		return
	}
	serial := s.d.NextSerial()
	for _, r := range clientInput(x.Client()).keyboards {
		s.keyboardEnter(wl.Keyboard{Resource: r}, x, serial)
	}
}

func (s *Server) keyboardEnter(k wl.Keyboard, x *Surface, serial uint32) {
	st := &s.seat
	b := st.keyBytes[:0]
	for _, key := range st.keys[:st.nkeys] {
		b = binary.NativeEndian.AppendUint32(b, key)
	}
	k.SendEnter(serial, wl.Surface{Resource: x.res}, b)
	k.SendModifiers(s.d.NextSerial(), st.mods[0], st.mods[1], st.mods[2], st.mods[3])
}

// KeyboardKey sends wl_keyboard.key (key: a Linux KEY_* code) to the
// focused client and remembers the keys held down (for the enter of a
// later focus). Lock held.
func (s *Server) KeyboardKey(ms, key uint32, pressed bool) {
	st := &s.seat
	i := 0
	for i < st.nkeys && st.keys[i] != key {
		i++
	}
	switch {
	case pressed && i == st.nkeys && st.nkeys < maxPressedKeys:
		st.keys[st.nkeys] = key
		st.nkeys++
	case !pressed && i < st.nkeys:
		copy(st.keys[i:], st.keys[i+1:st.nkeys])
		st.nkeys--
	}
	if st.kbdFocus == nil {
		return
	}
	state := wl.KeyboardKeyStateReleased
	if pressed {
		state = wl.KeyboardKeyStatePressed
	}
	serial := s.d.NextSerial()
	in := clientInput(st.kbdFocus.Client())
	if pressed {
		in.noteGrabSerial(serial)
	}
	for _, r := range in.keyboards {
		wl.Keyboard{Resource: r}.SendKey(serial, ms, key, state)
	}
}

// KeyboardModifiers sets the modifier state (xkb masks: depressed,
// latched, locked, and the layout group) and sends wl_keyboard.modifiers
// to the focused client when it changed. Lock held.
func (s *Server) KeyboardModifiers(depressed, latched, locked, group uint32) {
	st := &s.seat
	m := [4]uint32{depressed, latched, locked, group}
	if m == st.mods {
		return
	}
	st.mods = m
	if st.kbdFocus == nil {
		return
	}
	serial := s.d.NextSerial()
	for _, r := range clientInput(st.kbdFocus.Client()).keyboards {
		wl.Keyboard{Resource: r}.SendModifiers(serial, m[0], m[1], m[2], m[3])
	}
}

// TouchDown starts touch point id on surface x at the surface-local
// position (sx, sy) and returns the event's serial; x keeps the point
// until TouchUp or TouchCancel. Lock held.
func (s *Server) TouchDown(x *Surface, ms uint32, id int32, sx, sy wire.Fixed) uint32 {
	st := &s.seat
	slot := -1
	for i := range st.touches {
		if st.touches[i].active && st.touches[i].id == id {
			return 0 // already down: a confused device
		}
		if !st.touches[i].active && slot < 0 {
			slot = i
		}
	}
	if slot < 0 || x == nil {
		return 0
	}
	st.touches[slot] = touchPoint{active: true, id: id, s: x}
	serial := s.d.NextSerial()
	in := clientInput(x.Client())
	in.noteGrabSerial(serial)
	for _, r := range in.touches {
		wl.Touch{Resource: r}.SendDown(serial, ms, wl.Surface{Resource: x.res}, id, sx, sy)
	}
	s.touchFrameNeeded(x)
	return serial
}

// TouchSurface returns the surface touch point id went down on (nil when
// the point is not down or its surface is gone).
func (s *Server) TouchSurface(id int32) *Surface {
	for i := range s.seat.touches {
		if t := &s.seat.touches[i]; t.active && t.id == id {
			return t.s
		}
	}
	return nil
}

// TouchMotion moves touch point id to (sx, sy), local to the surface it
// went down on. Lock held.
func (s *Server) TouchMotion(ms uint32, id int32, sx, sy wire.Fixed) {
	x := s.TouchSurface(id)
	if x == nil {
		return
	}
	for _, r := range clientInput(x.Client()).touches {
		wl.Touch{Resource: r}.SendMotion(ms, id, sx, sy)
	}
	s.touchFrameNeeded(x)
}

// TouchUp ends touch point id. Lock held.
func (s *Server) TouchUp(ms uint32, id int32) {
	st := &s.seat
	for i := range st.touches {
		t := &st.touches[i]
		if !t.active || t.id != id {
			continue
		}
		x := t.s
		*t = touchPoint{}
		if x == nil {
			return
		}
		serial := s.d.NextSerial()
		for _, r := range clientInput(x.Client()).touches {
			wl.Touch{Resource: r}.SendUp(serial, ms, id)
		}
		s.touchFrameNeeded(x)
		return
	}
}

func (s *Server) touchFrameNeeded(x *Surface) {
	st := &s.seat
	for _, y := range st.touchFrameTo[:st.nTouchFrameTo] {
		if y != nil && y.Client() == x.Client() {
			return
		}
	}
	if st.nTouchFrameTo < len(st.touchFrameTo) {
		st.touchFrameTo[st.nTouchFrameTo] = x
		st.nTouchFrameTo++
	}
}

// TouchFrame sends wl_touch.frame to every client that got touch events
// since the last frame. Lock held.
func (s *Server) TouchFrame() {
	st := &s.seat
	for i, x := range st.touchFrameTo[:st.nTouchFrameTo] {
		if x != nil {
			for _, r := range clientInput(x.Client()).touches {
				wl.Touch{Resource: r}.SendFrame()
			}
		}
		st.touchFrameTo[i] = nil
	}
	st.nTouchFrameTo = 0
}

// TouchCancel sends wl_touch.cancel to every client with a touch point
// down and forgets the points. Lock held.
func (s *Server) TouchCancel() {
	st := &s.seat
	for i := range st.touches {
		t := &st.touches[i]
		if !t.active || t.s == nil {
			*t = touchPoint{}
			continue
		}
		c := t.s.Client()
		for j := range st.touches { // one cancel per client
			if st.touches[j].active && st.touches[j].s != nil && st.touches[j].s.Client() == c {
				st.touches[j] = touchPoint{}
			}
		}
		for _, r := range clientInput(c).touches {
			wl.Touch{Resource: r}.SendCancel()
		}
	}
	st.nTouchFrameTo = 0
	clear(st.touchFrameTo[:])
}

// data device: offered so toolkits that insist on it start; clipboard and
// drag and drop are not implemented.

func (s *Server) addDataDevice() {
	s.d.AddGlobal(wl.DataDeviceManagerInterface, wl.DataDeviceManagerInterface.Version, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(dataManager{})
		return nil
	})
}

type dataManager struct{}

func (dataManager) CreateDataSource(o wl.DataDeviceManager, id wl.DataSource) error {
	id.SetHandler(dataSource{})
	return nil
}
func (dataManager) GetDataDevice(o wl.DataDeviceManager, id wl.DataDevice, seat wl.Seat) error {
	id.SetHandler(dataDevice{})
	return nil
}

type dataSource struct{}

func (dataSource) Offer(wl.DataSource, string) error      { return nil }
func (dataSource) Destroy(wl.DataSource) error            { return nil }
func (dataSource) SetActions(wl.DataSource, uint32) error { return nil }

type dataDevice struct{}

func (dataDevice) StartDrag(o wl.DataDevice, src wl.DataSource, origin, icon wl.Surface, serial uint32) error {
	return nil
}
func (dataDevice) SetSelection(wl.DataDevice, wl.DataSource, uint32) error { return nil }
func (dataDevice) Release(wl.DataDevice) error                             { return nil }
