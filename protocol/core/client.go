package core

import (
	"errors"
	"fmt"

	"github.com/go-scanout/scanout/protocol/wire"
)

// Client is one connected client.
type Client struct {
	d          *Display
	conn       *wire.Conn
	objects    []*Resource // client ids; index = id
	server     []*Resource // server ids; index = id - ServerIDStart
	nobjects   int
	maxObjects int
	dec        wire.Decoder
	displayRes *Resource

	dead      bool
	errorSent bool
	blocked   bool // output waits for the writer goroutine
	cause     error
	wake      chan struct{}
	writerEnd chan struct{}

	pid       int32
	uid, gid  uint32
	listeners []func(*Client)
	data      any
	free      []*Resource // destroyed request-less objects for reuse
}

// Credentials returns the peer's pid, uid and gid (0 when unknown).
func (c *Client) Credentials() (pid int32, uid, gid uint32) { return c.pid, c.uid, c.gid }

// Display returns the client's display.
func (c *Client) Display() *Display { return c.d }

// SetData attaches server data to the client.
func (c *Client) SetData(v any) { c.data = v }

// Data returns what SetData stored.
func (c *Client) Data() any { return c.data }

// OnDestroy registers f to run (under the lock) after the client's objects
// are destroyed when it disconnects.
func (c *Client) OnDestroy(f func(*Client)) { c.listeners = append(c.listeners, f) }

// Alive reports whether the client is still connected.
func (c *Client) Alive() bool { return !c.dead }

// Err returns why the client was disconnected (nil while connected or
// after a clean hang-up).
func (c *Client) Err() error { return c.cause }

// Objects returns the number of live objects.
func (c *Client) Objects() int { return c.nobjects }

// Lookup returns the live object with id, or nil.
func (c *Client) Lookup(id uint32) *Resource {
	if id >= ServerIDStart {
		i := id - ServerIDStart
		if uint64(i) < uint64(len(c.server)) {
			return c.server[i]
		}
		return nil
	}
	if uint64(id) < uint64(len(c.objects)) {
		return c.objects[id]
	}
	return nil
}

func (c *Client) newResource(id uint32, iface *Interface, version uint32) (*Resource, error) {
	if id == 0 || id >= ServerIDStart {
		return nil, fmt.Errorf("new id %d out of the client range", id)
	}
	if uint64(id) > uint64(len(c.objects)) {
		return nil, fmt.Errorf("new id %d out of sequence (next is %d)", id, max(len(c.objects), 1))
	}
	if uint64(id) < uint64(len(c.objects)) && c.objects[id] != nil {
		return nil, fmt.Errorf("new id %d already in use by %s", id, c.objects[id].iface.Name)
	}
	if c.nobjects >= c.maxObjects {
		return nil, displayErrorf(ErrorNoMemory, "object limit of %d reached creating %s@%d", c.maxObjects, iface.Name, id)
	}
	r := c.alloc(iface)
	*r = Resource{c: c, id: id, iface: iface, version: version}
	if int(id) == len(c.objects) {
		c.objects = append(c.objects, r)
	} else {
		c.objects[id] = r
	}
	c.nobjects++
	return r, nil
}

func (c *Client) alloc(iface *Interface) *Resource {
	if len(iface.Requests) == 0 && len(c.free) > 0 {
		r := c.free[len(c.free)-1]
		c.free = c.free[:len(c.free)-1]
		return r
	}
	return new(Resource)
}

// NewServerResource creates an object with a server-allocated id (for
// new_id arguments of events).
func (c *Client) NewServerResource(iface *Interface, version uint32) (*Resource, error) {
	if c.nobjects >= c.maxObjects {
		return nil, displayErrorf(ErrorNoMemory, "object limit of %d reached creating %s", c.maxObjects, iface.Name)
	}
	i := 0
	for i < len(c.server) && c.server[i] != nil {
		i++
	}
	r := &Resource{c: c, id: ServerIDStart + uint32(i), iface: iface, version: version}
	if i == len(c.server) {
		c.server = append(c.server, r)
	} else {
		c.server[i] = r
	}
	c.nobjects++
	return r, nil
}

func (c *Client) remove(id uint32) {
	if id >= ServerIDStart {
		if i := id - ServerIDStart; int(i) < len(c.server) && c.server[i] != nil {
			c.server[i] = nil
			c.nobjects--
		}
		return
	}
	if int(id) < len(c.objects) && c.objects[id] != nil {
		c.objects[id] = nil
		c.nobjects--
	}
}

// end finishes an event; on overflow the client is disconnected.
func (c *Client) end() error {
	if err := c.conn.End(); err != nil {
		c.kill(err)
		return err
	}
	return nil
}

// PostError sends e as wl_display.error and disconnects the client.
func (c *Client) PostError(e *ProtocolError) {
	if c.dead {
		return
	}
	if !c.errorSent && c.displayRes != nil {
		c.errorSent = true
		enc := c.conn.Begin(1, 0)
		enc.Uint(e.ObjectID)
		enc.Uint(e.Code)
		enc.String(truncate(e.Message, 1024))
		c.conn.End()
		if !c.blocked {
			c.conn.Flush()
		}
	}
	c.kill(e)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Disconnect ends the client's connection without an error.
func (c *Client) Disconnect() { c.kill(nil) }

// kill marks the client dead and wakes its reader, which cleans up.
func (c *Client) kill(cause error) {
	if c.dead {
		return
	}
	c.dead = true
	c.cause = cause
	if cause != nil && c.d.opts.Log != nil {
		c.d.opts.Log("wayland: client pid %d disconnected: %v", c.pid, cause)
	}
	c.conn.Shutdown()
}

// flush sends queued output without blocking; when the socket is full the
// writer goroutine takes over.
func (c *Client) flush() {
	if c.blocked || c.conn.Queued() == 0 {
		return
	}
	err := c.conn.Flush()
	switch {
	case err == nil:
	case errors.Is(err, wire.ErrWouldBlock):
		c.blocked = true
		select {
		case c.wake <- struct{}{}:
		default:
		}
	default:
		c.kill(nil)
	}
}

// writer waits for the socket to drain whenever flush found it full.
func (c *Client) writer() {
	defer close(c.writerEnd)
	for range c.wake {
		err := c.conn.FlushBlocking(&c.d.mu, func() { c.blocked = false })
		if err != nil {
			c.d.mu.Lock()
			c.kill(nil)
			c.d.mu.Unlock()
			return
		}
	}
}

// reader is the client's goroutine: wait for input on the poller, then
// dispatch it under the display lock.
func (c *Client) reader() {
	defer c.d.wg.Done()
	for {
		err := c.conn.Fill()
		c.d.mu.Lock()
		if err != nil {
			if !c.dead && !errors.Is(err, wire.ErrClosed) {
				c.postWireError(err)
			}
			break
		}
		c.dispatchAll()
		c.flush()
		if c.dead {
			break
		}
		c.d.mu.Unlock()
	}
	c.destroyLocked()
	c.d.mu.Unlock()
	<-c.writerEnd
	c.conn.Close()
}

func (c *Client) postWireError(err error) {
	switch {
	case errors.Is(err, wire.ErrTooManyFDs):
		c.PostError(displayErrorf(ErrorNoMemory, "%v", err))
	default:
		c.PostError(displayErrorf(ErrorInvalidMethod, "%v", err))
	}
}

func (c *Client) dispatchAll() {
	for !c.dead {
		h, body, ok, err := c.conn.Next()
		if err != nil {
			c.postWireError(err)
			return
		}
		if !ok {
			return
		}
		c.dispatch(h, body, c.conn)
	}
}

func (c *Client) dispatch(h wire.Header, body []byte, fds wire.FDSource) {
	r := c.Lookup(h.Sender)
	if r == nil {
		c.PostError(displayErrorf(ErrorInvalidObject, "invalid object %d", h.Sender))
		return
	}
	if int(h.Opcode) >= len(r.iface.Requests) || r.iface.Dispatch == nil {
		c.PostError(displayErrorf(ErrorInvalidMethod, "invalid method %d, object %s@%d", h.Opcode, r.iface.Name, r.id))
		return
	}
	if m := &r.iface.Requests[h.Opcode]; m.Since > r.version {
		c.PostError(displayErrorf(ErrorInvalidMethod, "request %s.%s needs version %d, object %s@%d has version %d", r.iface.Name, m.Name, m.Since, r.iface.Name, r.id, r.version))
		return
	}
	c.dec.Reset(body, fds)
	err := r.iface.Dispatch(r, h.Opcode, &c.dec)
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			pe = displayErrorf(ErrorImplementation, "%s@%d.%s: %v", r.iface.Name, r.id, r.iface.Requests[h.Opcode].Name, err)
		}
		c.PostError(pe)
	}
}

// destroyLocked destroys every object (newest id first) and runs the
// client's destroy listeners.
func (c *Client) destroyLocked() {
	c.dead = true
	for i := len(c.server) - 1; i >= 0; i-- {
		if r := c.server[i]; r != nil {
			r.Destroy()
		}
	}
	for i := len(c.objects) - 1; i >= 0; i-- {
		if r := c.objects[i]; r != nil {
			r.Destroy()
		}
	}
	for i := len(c.listeners) - 1; i >= 0; i-- {
		c.listeners[i](c)
	}
	c.listeners = nil
	delete(c.d.clients, c)
	close(c.wake)
}

// Inject dispatches requests from b as if the client had sent them (fd
// arguments find no descriptor), stopping at the first protocol error,
// which disconnects the client as usual. It is for fuzzing and
// benchmarking the decode-and-dispatch path and never touches the
// client's socket buffers, so it is safe while the client is connected;
// call it with the lock held. It returns the number of bytes consumed.
func (c *Client) Inject(b []byte) int {
	total := 0
	for len(b) > 0 && !c.dead {
		h, body, n, err := wire.Frame(b, c.conn.Limits().MaxMessageSize)
		if err != nil {
			c.postWireError(err)
			break
		}
		if n == 0 {
			c.PostError(displayErrorf(ErrorInvalidMethod, "truncated message at the end of the injected bytes"))
			break
		}
		c.dispatch(h, body, nil)
		b = b[n:]
		total += n
	}
	return total
}
