package compositor

import (
	"fmt"
	"sync/atomic"

	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
)

// Options configure a Compositor. A nil *Options means the defaults.
type Options struct {
	// Protocol configures the protocol server (wl_shm formats,
	// linux-dmabuf feedback, limits, log). Its Hooks are chained: the
	// compositor's run first, then these.
	Protocol *protocol.Options
	// Background is the colour behind and around the shown toplevel
	// (default opaque black).
	Background render.Color
}

// Stats are the compositor's counters. They are updated with atomic
// operations and may be read from any goroutine with Snapshot.
type Stats struct {
	Frames        atomic.Uint64 // frames presented (composited + direct scanout + frames with nothing to redraw)
	Composited    atomic.Uint64 // frames drawn by a Renderer into a target
	DirectScanout atomic.Uint64 // frames a backend scanned out from a client buffer
	BytesCopied   atomic.Uint64 // bytes written into targets by Draw (4 per damaged pixel drawn)
	Commits       atomic.Uint64 // wl_surface commits seen
	Allocated     atomic.Uint64 // buffers allocated by backends (swapchains, capture)
}

// Counters is a plain copy of Stats.
type Counters struct {
	Frames, Composited, DirectScanout, BytesCopied, Commits, Allocated uint64
}

// Snapshot returns the current values.
func (s *Stats) Snapshot() Counters {
	return Counters{s.Frames.Load(), s.Composited.Load(), s.DirectScanout.Load(), s.BytesCopied.Load(), s.Commits.Load(), s.Allocated.Load()}
}

// String formats the counters as the demo prints them at exit.
func (c Counters) String() string {
	return fmt.Sprintf("frames=%d composited=%d direct_scanout=%d bytes_copied=%d buffers_allocated=%d commits=%d",
		c.Frames, c.Composited, c.DirectScanout, c.BytesCopied, c.Allocated, c.Commits)
}

// Compositor is the core: the protocol server, the outputs and their
// scenes. Methods other than New, Listen, Lock, Unlock, Do, Stats and
// Close must be called with the lock held.
type Compositor struct {
	srv   *protocol.Server
	opts  Options
	user  protocol.Hooks
	stats Stats

	outputs   []*Output
	toplevels []*protocol.Surface // mapped, oldest first
	popups    []*protocol.Surface // mapped xdg_popups, oldest first
	in        inputState
	keys      map[*protocol.Buffer]*bufferKey
	nextKey   uint64
	keyFree   []*bufferKey
	renderers []render.Renderer // renderers that saw keys, for Forget
	scratch   drawScratch
	drawSHM   func(pix []byte, stride int) // c.drawSHMPixels, bound once
}

// New creates a compositor and its protocol server (with the standard
// globals; see protocol.NewServer).
func New(opts *Options) (*Compositor, error) {
	c := &Compositor{keys: map[*protocol.Buffer]*bufferKey{}}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.Background == (render.Color{}) {
		c.opts.Background = render.Color{A: 1}
	}
	var popts protocol.Options
	if c.opts.Protocol != nil {
		popts = *c.opts.Protocol
	}
	c.user = popts.Hooks
	popts.Hooks = protocol.Hooks{
		SurfaceCommitted: c.committed,
		SurfaceMapped:    c.mapped,
		SurfaceUnmapped:  c.unmapped,
		SurfaceDestroyed: c.destroyed,
		CursorChanged:    c.cursorChanged,
		PopupBounds:      c.popupBounds,
	}
	if c.user.PopupBounds != nil {
		popts.Hooks.PopupBounds = c.user.PopupBounds
	}
	srv, err := protocol.NewServer(&popts)
	if err != nil {
		return nil, fmt.Errorf("compositor: %w", err)
	}
	c.srv = srv
	c.drawSHM = c.drawSHMPixels
	return c, nil
}

// Server returns the protocol server.
func (c *Compositor) Server() *protocol.Server { return c.srv }

// Stats returns the counters (safe from any goroutine).
func (c *Compositor) Stats() *Stats { return &c.stats }

// Listen serves a Wayland socket (a name in $XDG_RUNTIME_DIR or an
// absolute path) and returns its path. Safe without the lock.
func (c *Compositor) Listen(name string) (string, error) { return c.srv.Listen(name) }

// Lock takes the server lock; Unlock flushes events to clients and
// releases it. A backend's frame loop brackets its work with them.
func (c *Compositor) Lock()   { c.srv.Display().Lock() }
func (c *Compositor) Unlock() { c.srv.Display().Unlock() }

// Do runs f with the lock held, then flushes events to clients.
func (c *Compositor) Do(f func()) { c.srv.Do(f) }

// Close disconnects every client and closes the sockets. Safe without the
// lock.
func (c *Compositor) Close() error {
	err := c.srv.Close()
	c.Do(func() {
		for b, k := range c.keys {
			if k.dma != nil {
				k.dma.Close()
			}
			delete(c.keys, b)
		}
	})
	return err
}

// Outputs returns the outputs in the order they were added.
func (c *Compositor) Outputs() []*Output { return c.outputs }

// Popups returns the mapped popups, oldest first (drawn in this order
// above the toplevel they belong to).
func (c *Compositor) Popups() []*protocol.Surface { return c.popups }

// Toplevel returns the toplevel shown full-screen (nil when none).
func (c *Compositor) Toplevel() *protocol.Surface {
	if len(c.toplevels) == 0 {
		return nil
	}
	return c.toplevels[len(c.toplevels)-1]
}

func (c *Compositor) committed(x *protocol.Surface) {
	c.stats.Commits.Add(1)
	sd, bd := x.CommittedDamage()
	for _, k := range c.keys {
		if k.surface == x {
			k.addBufferDamage(x, sd, bd)
		}
	}
	for _, o := range c.outputs {
		o.surfaceCommitted(x, sd, bd)
	}
	c.refocus()
	if x.Role() == "cursor" {
		c.cursorCommitted(x)
	}
	if c.user.SurfaceCommitted != nil {
		c.user.SurfaceCommitted(x)
	}
}

func (c *Compositor) mapped(x *protocol.Surface) {
	switch x.Role() {
	case "xdg_toplevel":
		c.toplevels = append(c.toplevels, x)
		c.sceneChanged()
	case "xdg_popup":
		c.popups = append(c.popups, x)
		c.sceneChanged()
	}
	if c.user.SurfaceMapped != nil {
		c.user.SurfaceMapped(x)
	}
}

func (c *Compositor) removeToplevel(x *protocol.Surface) {
	for i, t := range c.toplevels {
		if t == x {
			c.toplevels = append(c.toplevels[:i], c.toplevels[i+1:]...)
			c.sceneChanged()
			return
		}
	}
	for i, t := range c.popups {
		if t == x {
			c.popups = append(c.popups[:i], c.popups[i+1:]...)
			c.sceneChanged()
			return
		}
	}
}

func (c *Compositor) cursorChanged() {
	c.updateCursor()
	if c.user.CursorChanged != nil {
		c.user.CursorChanged()
	}
}

func (c *Compositor) unmapped(x *protocol.Surface) {
	c.removeToplevel(x)
	if c.user.SurfaceUnmapped != nil {
		c.user.SurfaceUnmapped(x)
	}
}

func (c *Compositor) destroyed(x *protocol.Surface) {
	c.removeToplevel(x)
	for _, o := range c.outputs {
		o.surfaceGone(x)
	}
	for _, k := range c.keys {
		if k.surface == x {
			k.surface = nil
		}
	}
	c.refocus()
	if c.user.SurfaceDestroyed != nil {
		c.user.SurfaceDestroyed(x)
	}
}

// sceneChanged rebuilds every output's scene and damages what moved.
func (c *Compositor) sceneChanged() {
	for _, o := range c.outputs {
		o.rebuild(nil)
		o.kick()
	}
	c.refocus()
}
