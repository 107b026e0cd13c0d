// Package wl is the server side of the core Wayland protocol (wl_compositor, wl_surface, wl_shm, wl_output, wl_seat, ...), generated from
// protocol/xml/wayland.xml by protocol/internal/gen (run go generate ./protocol).
//
// For each interface it has a descriptor (FooInterface), a typed object
// wrapper (Foo, embedding *core.Resource) with one Send method per event,
// a handler interface (FooHandler) with one method per request, opcode
// constants and the enums, error codes included. Send methods refuse
// events newer than the object's version with core.ErrEventVersion; the
// core rejects requests newer than it.
package wl
