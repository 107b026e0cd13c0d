// Package headless is the backend without a display: virtual outputs of
// any size and refresh rate, a frame clock, and frame capture into memory
// and PNG. It runs anywhere (no GPU, no /dev/dri, no root), which makes it
// the backend of CI runs and of the screenshot tests of real clients.
//
// Each output renders into a small swapchain of memory images with buffer
// age, so only damage is repainted. With a refresh rate, frames are
// presented on the ticks of a grid at that rate (as a display presents at
// vblank), when something changed or a client waits for a frame callback;
// an output with nothing to do sleeps instead of ticking, so an idle kiosk
// makes no wake-ups. Presentation feedback carries the tick's time and
// number (MSC). With refresh 0 a frame is produced as soon as a client
// commits (on demand, as fast as clients draw).
//
// Deterministic mode replaces the wall clock by a virtual one: frame n is
// presented at n times the refresh period (16.666 ms when on demand), and
// frame callbacks carry that time, so clients that animate from the
// callback time draw the same pixels in every run.
package headless
