package compositor

import (
	"image"
	"math"
	"time"

	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/render"
)

// Input: the methods below are what input sources (the evdev package,
// tests) call. All must be called with the compositor lock held (from Do
// or between Lock and Unlock); none allocates in steady state. Times are
// the events' CLOCK_MONOTONIC timestamps; clients get them in
// milliseconds.

// maxButtons bounds the buttons tracked as held (the implicit grab).
const maxButtons = 16

// inputState is the compositor's side of the seat: where the pointer is,
// what is held down, which output each touch point is on.
type inputState struct {
	out      *Output // the pointer's output; nil before the first pointer event
	x, y     float64 // pointer position in out's pixels
	buttons  [maxButtons]uint32
	nbuttons int
	modKeys  uint32 // bit i: modifierKeys[i] is held
	locked   uint32 // locked modifiers (Caps Lock, Num Lock)
	touchOut [16]touchSlot
}

type touchSlot struct {
	active bool
	id     int32
	out    *Output
}

// modifierKeys is how KeyboardKey turns evdev key codes into xkb
// modifier masks; it matches the built-in keymap (protocol.BuiltinKeymap)
// and the usual evdev layouts.
var modifierKeys = [...]struct {
	key  uint32
	mask uint32
	lock bool
}{
	{42, protocol.ModShift, false},   // KEY_LEFTSHIFT
	{54, protocol.ModShift, false},   // KEY_RIGHTSHIFT
	{29, protocol.ModControl, false}, // KEY_LEFTCTRL
	{97, protocol.ModControl, false}, // KEY_RIGHTCTRL
	{56, protocol.ModMod1, false},    // KEY_LEFTALT
	{100, protocol.ModMod1, false},   // KEY_RIGHTALT
	{125, protocol.ModMod4, false},   // KEY_LEFTMETA
	{126, protocol.ModMod4, false},   // KEY_RIGHTMETA
	{58, protocol.ModLock, true},     // KEY_CAPSLOCK
	{69, protocol.ModMod2, true},     // KEY_NUMLOCK
}

func ms(t time.Duration) uint32 { return uint32(t / time.Millisecond) }

func fx(v float64) wire.Fixed { return wire.FixedFromFloat(v) }

// SetInputCapabilities announces which devices exist
// (protocol.SeatPointer | protocol.SeatKeyboard | protocol.SeatTouch).
func (c *Compositor) SetInputCapabilities(caps uint32) {
	c.srv.SetSeatCapabilities(caps)
}

// pointerOutput returns the pointer's output, putting the pointer in the
// middle of the first output when it has none.
func (c *Compositor) pointerOutput() *Output {
	if c.in.out == nil && len(c.outputs) > 0 {
		o := c.outputs[0]
		c.in.out, c.in.x, c.in.y = o, float64(o.cfg.Width)/2, float64(o.cfg.Height)/2
	}
	return c.in.out
}

func clampTo(v float64, n int) float64 {
	if v < 0 || math.IsNaN(v) {
		return 0
	}
	if hi := float64(n) - 1.0/256; v > hi {
		return max(hi, 0)
	}
	return v
}

// PointerMotion moves the pointer by (dx, dy) output pixels, clamped to
// the pointer's output (the pointer starts in the middle of the first
// output).
func (c *Compositor) PointerMotion(dx, dy float64, t time.Duration) {
	o := c.pointerOutput()
	if o == nil {
		return
	}
	c.in.x = clampTo(c.in.x+dx, o.cfg.Width)
	c.in.y = clampTo(c.in.y+dy, o.cfg.Height)
	c.pointerMoved(ms(t))
}

// PointerMotionAbsolute moves the pointer to (x, y) in output pixels of
// out (clamped to it).
func (c *Compositor) PointerMotionAbsolute(out *Output, x, y float64, t time.Duration) {
	if out == nil || !c.hasOutput(out) {
		return
	}
	if c.in.out != out && c.in.out != nil {
		c.in.out.setCursor(placement{}, false)
	}
	c.in.out = out
	c.in.x, c.in.y = clampTo(x, out.cfg.Width), clampTo(y, out.cfg.Height)
	c.pointerMoved(ms(t))
}

func (c *Compositor) hasOutput(o *Output) bool {
	for _, x := range c.outputs {
		if x == o {
			return true
		}
	}
	return false
}

// Pointer returns the pointer's output and position in its pixels (nil
// before the first pointer event or without outputs).
func (c *Compositor) Pointer() (out *Output, x, y float64) {
	return c.in.out, c.in.x, c.in.y
}

// pointerTarget is the surface that should have the pointer focus and the
// pointer's position on it: the surface the implicit grab holds while a
// button is down, else the topmost surface under the pointer whose input
// region contains it.
func (c *Compositor) pointerTarget() (*protocol.Surface, float64, float64) {
	o := c.in.out
	if o == nil {
		return nil, 0, 0
	}
	if f := c.srv.PointerFocus(); f != nil && c.in.nbuttons > 0 {
		if p := o.placementOf(f); p != nil {
			return f, c.in.x - float64(p.dst.Min.X), c.in.y - float64(p.dst.Min.Y)
		}
	}
	return o.surfaceAt(c.in.x, c.in.y)
}

// pointerMoved updates the focus after the pointer moved and sends
// enter/leave or motion, then moves the cursor.
func (c *Compositor) pointerMoved(t uint32) {
	f, sx, sy := c.pointerTarget()
	if f != c.srv.PointerFocus() {
		c.srv.SetPointerFocus(f, fx(sx), fx(sy))
	} else if f != nil {
		c.srv.PointerMotion(t, fx(sx), fx(sy))
	}
	c.updateCursor()
}

// PointerButton presses or releases button (a Linux BTN_* code). While a
// button is held the surface it was pressed on keeps the pointer focus.
// A press outside the client of the grabbing popups dismisses them.
func (c *Compositor) PointerButton(button uint32, pressed bool, t time.Duration) {
	if c.pointerOutput() == nil {
		return
	}
	i := 0
	for i < c.in.nbuttons && c.in.buttons[i] != button {
		i++
	}
	switch {
	case pressed && i < c.in.nbuttons:
		return // already down
	case !pressed && i == c.in.nbuttons:
		return // was not down
	case pressed && c.in.nbuttons < maxButtons:
		c.in.buttons[c.in.nbuttons] = button
		c.in.nbuttons++
	case !pressed:
		copy(c.in.buttons[i:], c.in.buttons[i+1:c.in.nbuttons])
		c.in.nbuttons--
	}
	f := c.srv.PointerFocus()
	if pressed {
		c.breakGrabsOutside(f)
	}
	c.srv.PointerButton(ms(t), button, pressed)
	if !pressed && c.in.nbuttons == 0 {
		// the implicit grab ended: the surface under the pointer gets it
		if g, sx, sy := c.pointerTarget(); g != f {
			c.srv.SetPointerFocus(g, fx(sx), fx(sy))
			c.updateCursor()
		}
	}
}

// PointerAxis scrolls: value in surface pixels along the vertical or
// horizontal axis; discrete is the number of wheel clicks (0 for
// continuous sources such as touchpads). A zero value without clicks
// ends a scroll (axis_stop). The axis source is "wheel" when there are
// clicks and "continuous" otherwise.
func (c *Compositor) PointerAxis(vertical bool, value float64, discrete int32, t time.Duration) {
	axis := wl.PointerAxisHorizontalScroll
	if vertical {
		axis = wl.PointerAxisVerticalScroll
	}
	src := protocol.AxisSourceContinuous
	if discrete != 0 {
		src = protocol.AxisSourceWheel
	}
	c.srv.PointerAxis(ms(t), axis, fx(value), discrete, src)
}

// PointerFrame ends a group of pointer events that belong together
// (wl_pointer.frame).
func (c *Compositor) PointerFrame() { c.srv.PointerFrame() }

// TouchDown starts touch point id at (x, y) in output pixels of out; the
// surface under that point receives the whole sequence.
func (c *Compositor) TouchDown(id int32, out *Output, x, y float64, t time.Duration) {
	if out == nil || !c.hasOutput(out) {
		return
	}
	s, sx, sy := out.surfaceAt(x, y)
	if s == nil {
		c.breakGrabsOutside(nil)
		return
	}
	c.breakGrabsOutside(s)
	if c.srv.TouchDown(s, ms(t), id, fx(sx), fx(sy)) == 0 {
		return
	}
	for i := range c.in.touchOut {
		if !c.in.touchOut[i].active {
			c.in.touchOut[i] = touchSlot{active: true, id: id, out: out}
			return
		}
	}
}

func (c *Compositor) touchSlot(id int32) *touchSlot {
	for i := range c.in.touchOut {
		if s := &c.in.touchOut[i]; s.active && s.id == id {
			return s
		}
	}
	return nil
}

// TouchMotion moves touch point id to (x, y), output pixels of the output
// it went down on.
func (c *Compositor) TouchMotion(id int32, x, y float64, t time.Duration) {
	slot := c.touchSlot(id)
	s := c.srv.TouchSurface(id)
	if slot == nil || s == nil {
		return
	}
	var sx, sy float64
	if p := slot.out.placementOf(s); p != nil {
		sx, sy = x-float64(p.dst.Min.X), y-float64(p.dst.Min.Y)
	}
	c.srv.TouchMotion(ms(t), id, fx(sx), fx(sy))
}

// TouchUp ends touch point id.
func (c *Compositor) TouchUp(id int32, t time.Duration) {
	if slot := c.touchSlot(id); slot != nil {
		*slot = touchSlot{}
	}
	c.srv.TouchUp(ms(t), id)
}

// TouchFrame ends a group of touch events (wl_touch.frame).
func (c *Compositor) TouchFrame() { c.srv.TouchFrame() }

// TouchCancel cancels every touch point (wl_touch.cancel).
func (c *Compositor) TouchCancel() {
	c.in.touchOut = [len(c.in.touchOut)]touchSlot{}
	c.srv.TouchCancel()
}

// KeyboardKey presses or releases key (a Linux evdev KEY_* code) for the
// keyboard focus (the shown toplevel, or its topmost grabbing popup).
// The compositor tracks Shift, Control, Alt (Mod1), Super (Mod4), Caps
// Lock (Lock, locked) and Num Lock (Mod2, locked) by their evdev codes,
// as the built-in keymap defines them, and sends wl_keyboard.modifiers
// when they change.
func (c *Compositor) KeyboardKey(key uint32, pressed bool, t time.Duration) {
	for i, m := range modifierKeys {
		if m.key != key {
			continue
		}
		bit := uint32(1) << i
		if pressed && m.lock && c.in.modKeys&bit == 0 {
			c.in.locked ^= m.mask
		}
		if pressed {
			c.in.modKeys |= bit
		} else {
			c.in.modKeys &^= bit
		}
	}
	var depressed uint32
	for i, m := range modifierKeys {
		if c.in.modKeys&(1<<i) != 0 && !m.lock {
			depressed |= m.mask
		}
	}
	c.srv.KeyboardKey(ms(t), key, pressed)
	c.srv.KeyboardModifiers(depressed, 0, c.in.locked, 0)
}

// Modifiers returns the modifier masks the compositor tracks: held
// (depressed) and locked.
func (c *Compositor) Modifiers() (depressed, locked uint32) {
	for i, m := range modifierKeys {
		if c.in.modKeys&(1<<i) != 0 && !m.lock {
			depressed |= m.mask
		}
	}
	return depressed, c.in.locked
}

// SetKeymap replaces the built-in US keymap with an XKB keymap in text
// form (a full xkb_keymap, as `xkbcli compile-keymap` prints it); every
// wl_keyboard gets it. Modifier tracking stays on the evdev codes of the
// usual modifier keys (see KeyboardKey).
func (c *Compositor) SetKeymap(xkbText []byte) error {
	return c.srv.SetKeymap(xkbText)
}

// placementOf returns s's placement on o (nil: not shown).
func (o *Output) placementOf(s *protocol.Surface) *placement {
	for i := range o.scene {
		if o.scene[i].s == s {
			return &o.scene[i]
		}
	}
	return nil
}

// surfaceAt returns the topmost surface whose rectangle and input region
// contain (x, y), and the surface-local position.
func (o *Output) surfaceAt(x, y float64) (*protocol.Surface, float64, float64) {
	px, py := int(math.Floor(x)), int(math.Floor(y))
	pt := image.Pt(px, py)
	for i := len(o.scene) - 1; i >= 0; i-- {
		p := &o.scene[i]
		if !pt.In(p.dst) {
			continue
		}
		if r := p.s.InputRegion(); r != nil && !r.Contains(int32(px-p.dst.Min.X), int32(py-p.dst.Min.Y)) {
			continue
		}
		return p.s, x - float64(p.dst.Min.X), y - float64(p.dst.Min.Y)
	}
	return nil, 0, 0
}

// updateCursor places the cursor image the focused client set at the
// pointer on the pointer's output, and removes it from the others.
func (c *Compositor) updateCursor() {
	cs, hx, hy, _ := c.srv.Cursor()
	var want placement
	on := false
	if o := c.in.out; o != nil && cs != nil && cs.Buffer() != nil && c.srv.PointerFocus() != nil {
		pos := image.Pt(int(math.Floor(c.in.x))-int(hx), int(math.Floor(c.in.y))-int(hy))
		want, on = makePlacement(cs, pos)
		want.cursor, want.hotspot = true, image.Pt(int(hx), int(hy))
	}
	for _, o := range c.outputs {
		o.setCursor(want, on && o == c.in.out)
	}
}

// setCursor shows p as the cursor (on) or hides it; a composited cursor
// that moved or changed damages its old and new rectangles, an offloaded
// one only asks for a frame.
func (o *Output) setCursor(p placement, on bool) {
	if !on && !o.cursorOn || on && o.cursorOn && o.cursor == p {
		return
	}
	if o.cursorOn && !o.offloaded(o.cursor.s) {
		o.pending.Add(o.cursor.dst.Intersect(o.bounds))
	}
	if on && !o.offloaded(p.s) {
		o.pending.Add(p.dst.Intersect(o.bounds))
	}
	if !on {
		p = placement{}
	}
	o.cursor, o.cursorOn = p, on
	o.needFrame = true
	o.kick()
}

// cursorCommitted damages the cursor's rectangle after a commit of its
// surface changed its pixels.
func (c *Compositor) cursorCommitted(x *protocol.Surface) {
	for _, o := range c.outputs {
		if o.cursorOn && o.cursor.s == x && !o.offloaded(x) {
			o.pending.Add(o.cursor.dst.Intersect(o.bounds))
			o.kick()
		}
	}
}

// makePlacement places s (without its subsurfaces) at pos.
func makePlacement(s *protocol.Surface, pos image.Point) (placement, bool) {
	b := s.Buffer()
	if b == nil {
		return placement{}, false
	}
	w, h := s.Size()
	p := placement{s: s, buf: b, dst: image.Rectangle{pos, pos.Add(image.Pt(int(w), int(h)))},
		transform: render.Transform(s.Transform() & 7), scale: int(max(s.Scale(), 1))}
	bw, bh := b.Size()
	p.src = image.Rect(0, 0, bw, bh)
	src, dw, _ := s.Viewport()
	if src[2] >= 0 && p.transform == render.Normal {
		sc := float64(p.scale)
		p.src = image.Rect(int(src[0].Float()*sc), int(src[1].Float()*sc),
			int((src[0]+src[2]).Float()*sc+0.5), int((src[1]+src[3]).Float()*sc+0.5)).Intersect(p.src)
	}
	p.exact = p.transform == render.Normal && p.scale == 1 && src[2] < 0 && dw < 0
	return p, true
}

// breakGrabsOutside dismisses the grabbing popups when a press lands
// outside their client (s nil: on no surface).
func (c *Compositor) breakGrabsOutside(s *protocol.Surface) {
	for i := len(c.popups) - 1; i >= 0; i-- {
		p := c.popups[i]
		if p.PopupGrabbed() && (s == nil || s.Client() != p.Client()) {
			p.DismissPopup()
		}
	}
}

// rootOf returns the toplevel a popup chain hangs from.
func rootOf(s *protocol.Surface) *protocol.Surface {
	for i := 0; i < 16 && s != nil && s.Role() == "xdg_popup"; i++ {
		s = s.PopupParent()
	}
	return s
}

// keyboardTarget is the shown toplevel or its topmost grabbing popup.
func (c *Compositor) keyboardTarget() *protocol.Surface {
	t := c.Toplevel()
	if t == nil {
		return nil
	}
	for i := len(c.popups) - 1; i >= 0; i-- {
		if p := c.popups[i]; p.PopupGrabbed() && rootOf(p) == t {
			return p
		}
	}
	return t
}

// refocus follows a scene change: the pointer focus goes to the surface
// now under the (still) pointer, the cursor follows, the keyboard focus
// goes to the shown toplevel or its grabbing popup, and grabbing popups
// of toplevels no longer shown are dismissed.
func (c *Compositor) refocus() {
	if c.in.out != nil {
		if f, sx, sy := c.pointerTarget(); f != c.srv.PointerFocus() {
			c.srv.SetPointerFocus(f, fx(sx), fx(sy))
			c.srv.PointerFrame()
		}
		c.updateCursor()
	}
	t := c.Toplevel()
	for _, p := range c.popups {
		if p.PopupGrabbed() && rootOf(p) != t {
			p.DismissPopup()
		}
	}
	c.srv.SetKeyboardFocus(c.keyboardTarget())
}

// popupBounds is the PopupBounds hook: the first output's rectangle in
// the coordinates of parent's window geometry.
func (c *Compositor) popupBounds(parent *protocol.Surface) (protocol.Rect, bool) {
	if len(c.outputs) == 0 {
		return protocol.Rect{}, false
	}
	o := c.outputs[0]
	p := o.placementOf(parent)
	if p == nil {
		return protocol.Rect{}, false
	}
	g := parent.WindowGeometry()
	ox, oy := p.dst.Min.X+int(g.X), p.dst.Min.Y+int(g.Y)
	return protocol.Rect{X: int32(-ox), Y: int32(-oy), W: int32(o.cfg.Width), H: int32(o.cfg.Height)}, true
}
