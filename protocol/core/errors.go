package core

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/protocol/wire"
)

// wl_display error codes (wayland.xml, wl_display.error enum).
const (
	ErrorInvalidObject  = 0
	ErrorInvalidMethod  = 1
	ErrorNoMemory       = 2
	ErrorImplementation = 3
)

// ProtocolError is a fatal protocol error: returned by a request handler
// (or given to Client.PostError) it is sent to the client as
// wl_display.error and the client is disconnected.
type ProtocolError struct {
	ObjectID  uint32 // object the error is about
	Interface string // its interface name
	Code      uint32 // error code from the interface's error enum
	Message   string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("wayland protocol error: %s@%d: error %d: %s", e.Interface, e.ObjectID, e.Code, e.Message)
}

// Errorf returns a protocol error about r with code from r's interface's
// error enum (or one of the wl_display codes when r is a display).
func (r *Resource) Errorf(code uint32, format string, args ...any) error {
	return &ProtocolError{ObjectID: r.id, Interface: r.iface.Name, Code: code, Message: fmt.Sprintf(format, args...)}
}

// displayErrorf returns a wl_display error about the object id obj.
func displayErrorf(code uint32, format string, args ...any) *ProtocolError {
	return &ProtocolError{ObjectID: 1, Interface: "wl_display", Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrEventVersion is returned by generated event senders when the event
// is newer than the object's version; nothing is sent.
var ErrEventVersion = errors.New("event newer than the object's version")

// ErrDead is returned by event senders on destroyed objects or
// disconnected clients; nothing is sent.
var ErrDead = errors.New("object destroyed or client disconnected")

// DecodeError turns a decoding failure of request op of r into the
// protocol error libwayland sends: invalid_method on wl_display.
func DecodeError(r *Resource, op uint16, err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe
	}
	return displayErrorf(ErrorInvalidMethod, "invalid arguments for %s@%d.%s: %v", r.iface.Name, r.id, r.iface.Requests[op].Name, err)
}

// NoHandler is the error for a request on an object whose handler does not
// implement it: an implementation error of the server.
func NoHandler(r *Resource, op uint16) error {
	return displayErrorf(ErrorImplementation, "%s@%d.%s: no handler in this server", r.iface.Name, r.id, r.iface.Requests[op].Name)
}

// CloseFDs closes the descriptors a failed decode took from the queue.
func CloseFDs(d *wire.Decoder) {
	for _, n := range d.Taken() {
		unix.Close(n)
	}
}
