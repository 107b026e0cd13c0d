// Package testclient is a minimal Wayland client for tests, benchmarks
// and scripted misbehaviour: it sends any message (well-formed or not,
// with any descriptors) and decodes events generically from the
// interface descriptions generated from the XML. It is not a toolkit: it
// tracks object interfaces only to decode events.
package testclient

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wire"
)

// Client is a connection to a Wayland server.
type Client struct {
	conn    *wire.Conn
	sock    *net.UnixConn
	nextID  uint32
	ifaces  map[uint32]*core.Interface
	Globals []Global
	// OnEvent, when set, sees every event.
	OnEvent func(e Event)
	err     *ProtocolError
	dec     wire.Decoder
	serial  uint32
	deleted map[uint32]bool
	Timeout time.Duration
}

// Global is a registry announcement.
type Global struct {
	Name      uint32
	Interface string
	Version   uint32
}

// Event is one decoded event. Args hold uint32, int32, wire.Fixed,
// string, []byte or int (a received descriptor, owned by the receiver).
type Event struct {
	Object    uint32
	Interface *core.Interface
	Opcode    uint16
	Name      string
	Args      []any
}

// ProtocolError is a wl_display.error the server sent.
type ProtocolError struct {
	Object  uint32
	Code    uint32
	Message string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("protocol error on object %d: code %d: %s", e.Object, e.Code, e.Message)
}

// Dial connects to the socket at path.
func Dial(path string) (*Client, error) {
	s, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	return New(s)
}

// New wraps a connected socket.
func New(s *net.UnixConn) (*Client, error) {
	conn, err := wire.NewConn(s, wire.Limits{MaxMessageSize: 65532, MaxOutputBytes: 64 << 20, MaxPendingFDs: 1024})
	if err != nil {
		return nil, err
	}
	c := &Client{conn: conn, sock: s, nextID: 2, ifaces: map[uint32]*core.Interface{1: core.DisplayInterface}, deleted: map[uint32]bool{}, Timeout: 5 * time.Second}
	return c, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// NewID allocates the next object id for iface (nil for ids whose events
// are not decoded).
func (c *Client) NewID(iface *core.Interface) uint32 {
	id := c.nextID
	c.nextID++
	if iface != nil {
		c.ifaces[id] = iface
	}
	return id
}

// SetNextID changes the next id NewID returns (to misbehave).
func (c *Client) SetNextID(id uint32) { c.nextID = id }

// FD is a descriptor argument for Send.
type FD int

// NewObj is a new_id argument for Send: the id and the interface it gets.
type NewObj struct {
	ID    uint32
	Iface *core.Interface
}

// Null is a null string argument.
type Null struct{}

// Send queues request op on object obj with args (uint32, int32,
// wire.Fixed, string, Null, []byte, FD, NewObj) and flushes.
func (c *Client) Send(obj uint32, op uint16, args ...any) error {
	e := c.conn.Begin(obj, op)
	for _, a := range args {
		switch v := a.(type) {
		case uint32:
			e.Uint(v)
		case int32:
			e.Int(v)
		case int:
			e.Int(int32(v))
		case wire.Fixed:
			e.Fixed(v)
		case string:
			e.String(v)
		case Null:
			e.NullString()
		case []byte:
			e.Bytes(v)
		case FD:
			e.FD(int(v))
		case NewObj:
			if v.Iface != nil {
				c.ifaces[v.ID] = v.Iface
			}
			e.Uint(v.ID)
		default:
			return fmt.Errorf("testclient: unsupported argument %T", a)
		}
	}
	if err := c.conn.End(); err != nil {
		return err
	}
	return c.Flush()
}

// Flush writes queued requests, waiting while the socket is full.
func (c *Client) Flush() error {
	err := c.conn.Flush()
	if errors.Is(err, wire.ErrWouldBlock) {
		var mu sync.Mutex
		err = c.conn.FlushBlocking(&mu, func() {})
	}
	return err
}

// SendRaw writes bytes (and descriptors) to the socket as they are.
func (c *Client) SendRaw(b []byte, fds ...int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	_, _, err := c.sock.WriteMsgUnix(b, oob, nil)
	return err
}

// Raw returns a message encoded by hand: header then 32-bit words.
func Raw(obj uint32, op uint16, words ...uint32) []byte {
	e := wire.NewEncoder(nil)
	e.Begin(obj, op)
	for _, w := range words {
		e.Uint(w)
	}
	return e.End()
}

func (c *Client) readSome() error {
	c.sock.SetReadDeadline(time.Now().Add(c.Timeout))
	if err := c.conn.Fill(); err != nil {
		if c.err != nil {
			return c.err
		}
		return err
	}
	for {
		h, body, ok, err := c.conn.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := c.event(h, body); err != nil {
			return err
		}
	}
}

func (c *Client) event(h wire.Header, body []byte) error {
	iface := c.ifaces[h.Sender]
	ev := Event{Object: h.Sender, Interface: iface, Opcode: h.Opcode}
	if iface == nil || int(h.Opcode) >= len(iface.Events) {
		if c.OnEvent != nil {
			c.OnEvent(ev)
		}
		return nil
	}
	m := iface.Events[h.Opcode]
	ev.Name = m.Name
	c.dec.Reset(body, c.conn)
	for _, l := range m.Signature {
		switch l {
		case 'i':
			ev.Args = append(ev.Args, c.dec.Int())
		case 'u', 'o', 'n':
			ev.Args = append(ev.Args, c.dec.Uint())
		case 'f':
			ev.Args = append(ev.Args, c.dec.Fixed())
		case 's':
			ev.Args = append(ev.Args, c.dec.NullableString())
		case 'a':
			ev.Args = append(ev.Args, append([]byte(nil), c.dec.Bytes()...))
		case 'h':
			ev.Args = append(ev.Args, c.dec.FD())
		}
	}
	if err := c.dec.Finish(); err != nil {
		return fmt.Errorf("testclient: decoding %s.%s: %w", iface.Name, m.Name, err)
	}
	// new_id arguments of events: remember their interface
	for i, l := range stripNull(m.Signature) {
		if l == 'n' && i < len(m.Types) && m.Types[i] != nil {
			c.ifaces[ev.Args[i].(uint32)] = m.Types[i]
		}
	}
	switch {
	case h.Sender == 1 && h.Opcode == 0:
		c.err = &ProtocolError{Object: ev.Args[0].(uint32), Code: ev.Args[1].(uint32), Message: ev.Args[2].(string)}
	case h.Sender == 1 && h.Opcode == 1:
		c.deleted[ev.Args[0].(uint32)] = true
	case iface == core.RegistryInterface && h.Opcode == 0:
		c.Globals = append(c.Globals, Global{ev.Args[0].(uint32), ev.Args[1].(string), ev.Args[2].(uint32)})
	}
	if c.OnEvent != nil {
		c.OnEvent(ev)
	}
	return nil
}

func stripNull(sig string) string {
	out := make([]byte, 0, len(sig))
	for i := 0; i < len(sig); i++ {
		if sig[i] != '?' {
			out = append(out, sig[i])
		}
	}
	return string(out)
}

// Err returns the protocol error received, if any.
func (c *Client) Err() *ProtocolError { return c.err }

// Deleted reports whether the server sent delete_id for id.
func (c *Client) Deleted(id uint32) bool { return c.deleted[id] }

// Roundtrip sends wl_display.sync and reads events until its callback is
// done. It returns the server's protocol error when one arrives, or the
// connection error.
func (c *Client) Roundtrip() error {
	cb := c.NewID(core.CallbackInterface)
	if err := c.Send(1, 0, NewObj{cb, core.CallbackInterface}); err != nil {
		if c.err != nil {
			return c.err
		}
		return err
	}
	done := false
	prev := c.OnEvent
	c.OnEvent = func(e Event) {
		if e.Object == cb {
			done = true
		}
		if prev != nil {
			prev(e)
		}
	}
	defer func() { c.OnEvent = prev }()
	for !done {
		if err := c.readSome(); err != nil {
			return err
		}
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// WaitError reads until the server sends a protocol error or hangs up, and
// returns the error (nil when it hung up without one).
func (c *Client) WaitError() *ProtocolError {
	for c.err == nil {
		if err := c.readSome(); err != nil {
			break
		}
	}
	return c.err
}

// Registry gets the registry and waits for its globals.
func (c *Client) Registry() (uint32, error) {
	reg := c.NewID(core.RegistryInterface)
	if err := c.Send(1, 1, NewObj{reg, core.RegistryInterface}); err != nil {
		return 0, err
	}
	return reg, c.Roundtrip()
}

// Bind binds the global named iface.Name at version and returns its id.
func (c *Client) Bind(reg uint32, iface *core.Interface, version uint32) (uint32, error) {
	for _, g := range c.Globals {
		if g.Interface == iface.Name {
			id := c.NewID(iface)
			return id, c.Send(reg, 0, g.Name, iface.Name, version, NewObj{id, iface})
		}
	}
	return 0, fmt.Errorf("testclient: no global %s", iface.Name)
}
