// Package compositor is scanout's small compositor core: it keeps the
// scene of every output (which surfaces are visible and where), turns
// client commits into output damage, remembers the damage of past frames
// so a backend can repaint only what changed in a swapchain buffer of a
// given age, draws the damaged part of the scene with any
// render.Renderer, and completes frames (frame callbacks and presentation
// feedback) when a backend reports that a frame reached the screen.
//
// It is the piece a Go compositor writes around the protocol server and
// below its backends, and it is what cmd/compositor-demo is built on:
//
//	c, _ := compositor.New(nil)             // protocol server with the standard globals
//	defer c.Close()
//	out := c.AddOutput(compositor.OutputConfig{Name: "HEADLESS-1", Width: 640, Height: 480})
//	c.Listen("wayland-1")
//	// backend frame loop, one iteration:
//	c.Lock()
//	if out.NeedsFrame() {
//		res, _ := out.Render(renderer, target, age) // draws only the damage for this buffer's age
//		_ = res
//		out.Presented(protocol.Presentation{Time: protocol.MonotonicNow()})
//	}
//	c.Unlock()
//
// # Placement (kiosk)
//
// Every toplevel is configured full-screen at the output's size. The most
// recently mapped toplevel is shown; it covers the output when its size
// matches and is centred on the background otherwise (never scaled, so
// pixels stay exact). Its subsurfaces are drawn at their positions, in
// order, and its mapped popups above them (each relative to its parent,
// kept on the output by the positioner's slide and flip adjustments).
// Earlier toplevels are hidden but still receive frame callbacks, so they
// do not stall. The cursor the focused client set is drawn last, at the
// pointer.
//
// # Locking
//
// The compositor's state is protected by the protocol server's lock. The
// hooks it installs run with that lock held; a backend takes it with Lock
// and Unlock (or Do) around NeedsFrame, Render, ScanoutCandidate and
// Presented. None of these allocate in steady state.
//
// # Scene and plane offload
//
// Output.Scene lists what an output shows as Elements, bottom first (the
// shown toplevel, its subsurfaces, its popups, and last the pointer's
// cursor), with the buffer, the source and destination rectangles and
// whether the buffer is opaque or drawn 1:1. A backend with hardware
// planes picks elements it can scan out and passes their surfaces to
// Output.Offload: from then on Render leaves them out of the composited
// buffer, and their commits and moves make NeedsFrame true without
// damaging it. Entering or leaving the offload set damages the surface's
// rectangle. Presented completes the frame callbacks of every surface,
// offloaded or not. ScanoutCandidate remains the simple full-screen case.
//
// # Input
//
// Input sources call SetInputCapabilities, the Pointer*, Touch* and
// KeyboardKey methods with the lock held; the compositor finds the focus
// (kiosk rules: the pointer and touch focus is the surface under the
// point by input region, the keyboard focus the shown toplevel or its
// topmost grabbing popup) and sends the wl_pointer, wl_touch and
// wl_keyboard events. A press outside the client of the grabbing popups
// dismisses them. The contract these methods follow (for the evdev input
// package and the DRM backend) is written out in docs/compositor.md; no
// name differs from it. Additions: Output.Offloaded,
// Compositor.Modifiers and Compositor.Popups.
//
// # Damage and buffer age
//
// Damage is kept per output in output pixels, as at most MaxDamageRects
// rectangles per frame (more collapse into their bounding box). Render with
// age n (the buffer was last drawn n frames ago, as EGL_EXT_buffer_age
// defines it) repaints the damage of the current frame and of the n-1
// frames before; age 0 or older than MaxAge repaints everything.
package compositor
