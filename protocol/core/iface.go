package core

import "github.com/go-scanout/scanout/protocol/wire"

// Message describes one request or event.
type Message struct {
	Name string
	// Since is the interface version that introduced the message.
	Since uint32
	// Signature has one letter per argument: i u f s o n a h, preceded by
	// '?' when the argument is nullable.
	Signature string
	// Types names the interface of each object or new_id argument (nil
	// for other arguments and for new_id without an interface).
	Types []*Interface
	// Destructor marks a request after which the object is gone.
	Destructor bool
}

// Interface describes a protocol interface.
type Interface struct {
	Name     string
	Version  uint32
	Requests []Message
	Events   []Message
	// Dispatch decodes request opcode of r from d and calls r's handler.
	// Generated code sets it; nil for interfaces without requests.
	Dispatch func(r *Resource, opcode uint16, d *wire.Decoder) error
}

// String returns the interface name.
func (i *Interface) String() string { return i.Name }
