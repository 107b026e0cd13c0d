package compositor

import (
	"time"
)

// Input: the methods below are what input sources (the evdev package,
// tests) call. All must be called with the compositor lock held (from Do
// or between Lock and Unlock); none allocates in steady state. Times are
// the events' CLOCK_MONOTONIC timestamps.

// SetInputCapabilities announces which devices exist
// (protocol.SeatPointer | protocol.SeatKeyboard | protocol.SeatTouch).
func (c *Compositor) SetInputCapabilities(caps uint32) {
	c.srv.SetSeatCapabilities(caps)
}

// PointerMotion moves the pointer by (dx, dy) output pixels, clamped to
// the pointer's output.
func (c *Compositor) PointerMotion(dx, dy float64, t time.Duration) {
	// TODO(issue 9): focus, wl_pointer.motion, cursor.
}

// PointerMotionAbsolute moves the pointer to (x, y) in output pixels of
// out (clamped to it).
func (c *Compositor) PointerMotionAbsolute(out *Output, x, y float64, t time.Duration) {
	// TODO(issue 9)
}

// PointerButton presses or releases button (a Linux BTN_* code).
func (c *Compositor) PointerButton(button uint32, pressed bool, t time.Duration) {
	// TODO(issue 9)
}

// PointerAxis scrolls: value in surface pixels along the vertical or
// horizontal axis; discrete is the number of wheel clicks (0 for
// continuous sources such as touchpads).
func (c *Compositor) PointerAxis(vertical bool, value float64, discrete int32, t time.Duration) {
	// TODO(issue 9)
}

// PointerFrame ends a group of pointer events that belong together
// (wl_pointer.frame).
func (c *Compositor) PointerFrame() {
	// TODO(issue 9)
}

// Pointer returns the pointer's output and position in its pixels.
func (c *Compositor) Pointer() (out *Output, x, y float64) {
	return nil, 0, 0 // TODO(issue 9)
}

// TouchDown starts touch point id at (x, y) in output pixels of out.
func (c *Compositor) TouchDown(id int32, out *Output, x, y float64, t time.Duration) {
	// TODO(issue 9)
}

// TouchMotion moves touch point id (output pixels of its output).
func (c *Compositor) TouchMotion(id int32, x, y float64, t time.Duration) {
	// TODO(issue 9)
}

// TouchUp ends touch point id.
func (c *Compositor) TouchUp(id int32, t time.Duration) {
	// TODO(issue 9)
}

// TouchFrame ends a group of touch events (wl_touch.frame).
func (c *Compositor) TouchFrame() {
	// TODO(issue 9)
}

// TouchCancel cancels every touch point (wl_touch.cancel).
func (c *Compositor) TouchCancel() {
	// TODO(issue 9)
}

// KeyboardKey presses or releases key (a Linux evdev KEY_* code). The
// compositor tracks the modifiers of its keymap and sends
// wl_keyboard.modifiers itself.
func (c *Compositor) KeyboardKey(key uint32, pressed bool, t time.Duration) {
	// TODO(issue 9)
}

// SetKeymap replaces the built-in US keymap with an XKB keymap in text
// form (xkb_keymap, as xkbcli compile-keymap prints it).
func (c *Compositor) SetKeymap(xkbText []byte) error {
	return nil // TODO(issue 9)
}
