package core

import (
	"github.com/go-scanout/scanout/protocol/wire"
)

// ServerIDStart is the first object id the server allocates.
const ServerIDStart = 0xff000000

// Resource is one protocol object of one client.
type Resource struct {
	c         *Client
	id        uint32
	iface     *Interface
	version   uint32
	handler   any
	data      any
	listeners []func(*Resource)
	dead      bool
}

// ID returns the object id.
func (r *Resource) ID() uint32 {
	if r == nil {
		return 0
	}
	return r.id
}

// Client returns the owning client.
func (r *Resource) Client() *Client { return r.c }

// Interface returns the object's interface.
func (r *Resource) Interface() *Interface { return r.iface }

// Version returns the object's version.
func (r *Resource) Version() uint32 { return r.version }

// Alive reports whether the object exists (not destroyed, client connected).
func (r *Resource) Alive() bool { return r != nil && !r.dead && !r.c.dead }

// SetHandler sets the value that receives r's requests; it must implement
// the interface's generated handler interface.
func (r *Resource) SetHandler(h any) { r.handler = h }

// Handler returns the handler set with SetHandler.
func (r *Resource) Handler() any { return r.handler }

// SetData attaches arbitrary server data to r.
func (r *Resource) SetData(v any) { r.data = v }

// Data returns what SetData stored.
func (r *Resource) Data() any { return r.data }

// OnDestroy adds a destroy listener: f runs (under the display lock) when r
// is destroyed, by request, by the server, or because its client went away.
// Listeners run in reverse order of registration.
func (r *Resource) OnDestroy(f func(*Resource)) { r.listeners = append(r.listeners, f) }

// Destroy destroys r: runs its destroy listeners, frees its id and, for
// ids the client allocated, sends wl_display.delete_id.
func (r *Resource) Destroy() {
	if r == nil || r.dead {
		return
	}
	r.dead = true
	for i := len(r.listeners) - 1; i >= 0; i-- {
		r.listeners[i](r)
	}
	r.listeners = nil
	c := r.c
	c.remove(r.id)
	if r.id < ServerIDStart && !c.dead && c.displayRes != nil {
		e := c.conn.Begin(1, 1) // wl_display.delete_id
		e.Uint(r.id)
		c.end()
	}
	// Objects without requests (wl_callback, wp_presentation_feedback)
	// cannot be named by the client after their destruction, so their
	// memory is reused: the frame path then allocates nothing. Holders of
	// such a *Resource must drop it when it is destroyed.
	if len(r.iface.Requests) == 0 && len(c.free) < cap(c.free) {
		c.free = append(c.free, r)
	}
}

// BeginEvent starts event opcode on r. It returns nil when r is dead; the
// caller then sends nothing. Generated code pairs it with EndEvent.
func (r *Resource) BeginEvent(opcode uint16) *wire.Encoder {
	if r == nil || r.dead || r.c.dead {
		return nil
	}
	return r.c.conn.Begin(r.id, opcode)
}

// EndEvent queues the event begun with BeginEvent. A failure (output
// limit exceeded) disconnects the client.
func (r *Resource) EndEvent() error { return r.c.end() }

// PostError sends a protocol error about r to its client and disconnects
// it. Use it outside request handlers (handlers return r.Errorf instead).
func (r *Resource) PostError(code uint32, format string, args ...any) {
	r.c.PostError(r.Errorf(code, format, args...).(*ProtocolError))
}

// ObjectArg resolves an object argument of a request: id must name a live
// object of iface (any interface when iface is nil); 0 is allowed only
// when nullable.
func ObjectArg(c *Client, id uint32, iface *Interface, nullable bool) (*Resource, error) {
	if id == 0 {
		if nullable {
			return nil, nil
		}
		return nil, errNullObject
	}
	r := c.Lookup(id)
	if r == nil {
		return nil, &argError{"unknown object", id, ""}
	}
	if iface != nil && r.iface != iface {
		return nil, &argError{"object of the wrong interface", id, r.iface.Name}
	}
	return r, nil
}

type argError struct {
	what  string
	id    uint32
	iface string
}

func (e *argError) Error() string {
	if e.iface != "" {
		return e.what + " " + e.iface + "@" + itoa(e.id)
	}
	return e.what + " " + itoa(e.id)
}

var errNullObject = &argError{"null for a non-nullable object", 0, ""}

func itoa(v uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}

// NewIDArg creates the object for a new_id argument of a request on
// parent: a client-allocated id of iface at version.
func NewIDArg(parent *Resource, id uint32, iface *Interface, version uint32) (*Resource, error) {
	return parent.c.newResource(id, iface, version)
}
