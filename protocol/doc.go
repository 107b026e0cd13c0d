// Package protocol is the server side of the Wayland protocol for a kiosk
// compositor: the standard globals with their double-buffered state, on top
// of a wire layer (protocol/wire), a server core (protocol/core) and code
// generated from the vendored protocol XML (protocol/wl, protocol/xdg,
// protocol/linuxdmabuf, protocol/presentation, protocol/viewporter).
//
// A Server offers wl_compositor (version 5), wl_subcompositor, wl_shm,
// wl_seat (no input devices yet, but present so clients such as foot
// start), wl_data_device_manager (inert), wl_output (one global per
// AddOutput), xdg_wm_base (version 5, kiosk policy: every toplevel is
// configured fullscreen and activated at the first output's size),
// wp_presentation, wp_viewporter, and zwp_linux_dmabuf_v1 version 5 with
// feedback when Options.DMABUF describes the devices.
//
// # Driving it from a backend
//
// The server never renders. A backend follows surfaces through Hooks
// (SurfaceCommitted, SurfaceMapped, ...), reads each Surface's committed
// state (Buffer, CommittedDamage, Scale, Transform, Viewport), reads
// buffer contents (Buffer.AccessSHM for shared memory, guarded against
// clients that shrink their pool; Buffer.DMABUF for dma-buf planes), keeps
// buffers it still scans out with Buffer.Lock, and reports each output
// frame with Server.FrameDone and Server.Presented. See docs/protocol.md.
//
// # Concurrency
//
// All compositor state is guarded by one lock. Request handlers and hooks
// run with it held; a backend enters with Server.Do. Each client has a
// goroutine that waits for input on Go's runtime poller and dispatches it
// under the lock, so the state is effectively single-threaded.
//
// # Errors
//
// A client that violates the protocol gets wl_display.error with the code
// from the relevant interface's error enum and is disconnected; the server
// and the other clients are unaffected. Per-client limits (message size,
// objects, pending descriptors, queued output) end the clients that exceed
// them in the same way (wire.Limits).
package protocol

//go:generate go run ./internal/gen -xml xml -out .
