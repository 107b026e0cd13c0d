package protocol

import (
	"encoding/binary"
	"time"

	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wl"
	"github.com/go-scanout/scanout/protocol/xdg"
)

// The kiosk policy: every toplevel is configured fullscreen and activated
// at the size of the first output (or 1024x768 before any output exists).

func (s *Server) addXDG() {
	v := s.opts.XDGWMBaseVersion
	if v == 0 || v > xdg.WmBaseInterface.Version {
		v = xdg.WmBaseInterface.Version
	}
	s.d.AddGlobal(xdg.WmBaseInterface, v, func(c *core.Client, r *core.Resource) error {
		wm := &wmBase{s: s, res: r}
		r.SetHandler(wm)
		r.SetData(wm)
		s.wmBases = append(s.wmBases, wm)
		r.OnDestroy(func(*core.Resource) {
			for i, x := range s.wmBases {
				if x == wm {
					s.wmBases = append(s.wmBases[:i], s.wmBases[i+1:]...)
					break
				}
			}
		})
		return nil
	})
}

type wmBase struct {
	s        *Server
	res      *core.Resource
	surfaces int
	ping     uint32
	pingSent time.Time
}

func (w *wmBase) Destroy(o xdg.WmBase) error {
	if w.surfaces > 0 {
		return o.Errorf(xdg.WmBaseErrorDefunctSurfaces, "destroyed with %d xdg_surfaces alive", w.surfaces)
	}
	return nil
}

func (w *wmBase) CreatePositioner(o xdg.WmBase, id xdg.Positioner) error {
	id.SetHandler(&positioner{})
	return nil
}

func (w *wmBase) GetXdgSurface(o xdg.WmBase, id xdg.Surface, surface wl.Surface) error {
	x := surfaceFrom(surface.Resource)
	if x.role != "" && x.role != "xdg_toplevel" && x.role != "xdg_popup" || x.xdg != nil {
		return o.Errorf(xdg.WmBaseErrorRole, "wl_surface@%d already has the role %q", x.ID(), x.role)
	}
	if x.buffer != nil || (x.pending.attached && x.pending.buffer != nil) {
		return o.Errorf(xdg.WmBaseErrorInvalidSurfaceState, "wl_surface@%d already has a buffer", x.ID())
	}
	xs := &xdgSurface{wm: w, surface: x, res: id.Resource}
	x.xdg = xs
	w.surfaces++
	id.SetHandler(xs)
	id.OnDestroy(func(*core.Resource) {
		w.surfaces--
		if x.xdg == xs {
			x.xdg = nil
			if x.mapped {
				x.unmap()
			}
		}
	})
	return nil
}

func (w *wmBase) Pong(o xdg.WmBase, serial uint32) error {
	if serial == w.ping {
		w.ping = 0
	}
	return nil
}

// PingClients sends xdg_wm_base.ping on every xdg_wm_base and ends, with
// the unresponsive error, clients that did not answer the previous ping
// within timeout. Call it periodically with the lock held.
func (s *Server) PingClients(timeout time.Duration) {
	now := time.Now()
	for _, w := range s.wmBases {
		if !w.res.Alive() {
			continue
		}
		if w.ping != 0 {
			if now.Sub(w.pingSent) > timeout {
				w.res.PostError(xdg.WmBaseErrorUnresponsive, "no pong for ping %d within %v", w.ping, timeout)
			}
			continue
		}
		w.ping = s.d.NextSerial()
		w.pingSent = now
		xdg.WmBase{Resource: w.res}.SendPing(w.ping)
	}
}

type positioner struct {
	w, h       int32
	anchor     Rect
	anchorSet  bool
	anchorEdge uint32
	gravity    uint32
	constraint uint32
	offX, offY int32
}

func (p *positioner) Destroy(xdg.Positioner) error { return nil }
func (p *positioner) SetSize(o xdg.Positioner, w, h int32) error {
	if w <= 0 || h <= 0 {
		return o.Errorf(xdg.PositionerErrorInvalidInput, "size %dx%d is not positive", w, h)
	}
	p.w, p.h = w, h
	return nil
}
func (p *positioner) SetAnchorRect(o xdg.Positioner, x, y, w, h int32) error {
	if w < 0 || h < 0 {
		return o.Errorf(xdg.PositionerErrorInvalidInput, "anchor rectangle %dx%d is negative", w, h)
	}
	p.anchor, p.anchorSet = Rect{x, y, w, h}, true
	return nil
}
func (p *positioner) SetAnchor(o xdg.Positioner, a uint32) error {
	if a > xdg.PositionerAnchorBottomRight {
		return o.Errorf(xdg.PositionerErrorInvalidInput, "anchor %d is not an xdg_positioner.anchor value", a)
	}
	p.anchorEdge = a
	return nil
}
func (p *positioner) SetGravity(o xdg.Positioner, g uint32) error {
	if g > xdg.PositionerGravityBottomRight {
		return o.Errorf(xdg.PositionerErrorInvalidInput, "gravity %d is not an xdg_positioner.gravity value", g)
	}
	p.gravity = g
	return nil
}
func (p *positioner) SetConstraintAdjustment(o xdg.Positioner, c uint32) error {
	p.constraint = c
	return nil
}
func (p *positioner) SetOffset(o xdg.Positioner, x, y int32) error {
	p.offX, p.offY = x, y
	return nil
}
func (p *positioner) SetReactive(xdg.Positioner) error                 { return nil }
func (p *positioner) SetParentSize(xdg.Positioner, int32, int32) error { return nil }
func (p *positioner) SetParentConfigure(xdg.Positioner, uint32) error  { return nil }

// Constraint adjustments (xdg_positioner.constraint_adjustment).
const (
	adjustSlideX  = 1
	adjustSlideY  = 2
	adjustFlipX   = 4
	adjustFlipY   = 8
	adjustResizeX = 16
	adjustResizeY = 32
)

// place returns the popup's rectangle relative to the parent's window
// geometry: anchor point on the anchor rectangle, then gravity, then
// offset; then, when bounds (the area it must stay in, same coordinates)
// is known, the constraint adjustments the client allowed, per axis in
// the order the protocol gives: flip, slide, resize.
func (p *positioner) place(bounds Rect, constrained bool) Rect {
	g := p.geometry(p.anchorEdge, p.gravity, p.offX, p.offY)
	if !constrained || bounds.empty() {
		return g
	}
	// x axis
	if !fitsX(g, bounds) && p.constraint&adjustFlipX != 0 {
		f := p.geometry(flipAnchorX(p.anchorEdge), flipGravityX(p.gravity), -p.offX, p.offY)
		if fitsX(f, bounds) {
			g.X = f.X
		}
	}
	if !fitsX(g, bounds) && p.constraint&adjustSlideX != 0 {
		if g.X+g.W > bounds.X+bounds.W {
			g.X = bounds.X + bounds.W - g.W
		}
		if g.X < bounds.X {
			g.X = bounds.X
		}
	}
	if !fitsX(g, bounds) && p.constraint&adjustResizeX != 0 {
		x0, x1 := max(g.X, bounds.X), min(g.X+g.W, bounds.X+bounds.W)
		if x1 > x0 {
			g.X, g.W = x0, x1-x0
		}
	}
	// y axis
	if !fitsY(g, bounds) && p.constraint&adjustFlipY != 0 {
		f := p.geometry(flipAnchorY(p.anchorEdge), flipGravityY(p.gravity), p.offX, -p.offY)
		if fitsY(f, bounds) {
			g.Y = f.Y
		}
	}
	if !fitsY(g, bounds) && p.constraint&adjustSlideY != 0 {
		if g.Y+g.H > bounds.Y+bounds.H {
			g.Y = bounds.Y + bounds.H - g.H
		}
		if g.Y < bounds.Y {
			g.Y = bounds.Y
		}
	}
	if !fitsY(g, bounds) && p.constraint&adjustResizeY != 0 {
		y0, y1 := max(g.Y, bounds.Y), min(g.Y+g.H, bounds.Y+bounds.H)
		if y1 > y0 {
			g.Y, g.H = y0, y1-y0
		}
	}
	return g
}

func fitsX(g, b Rect) bool { return g.X >= b.X && g.X+g.W <= b.X+b.W }
func fitsY(g, b Rect) bool { return g.Y >= b.Y && g.Y+g.H <= b.Y+b.H }

// The anchor and gravity enums share their values: none, top, bottom,
// left, right, top_left, bottom_left, top_right, bottom_right.
var flipX = [9]uint32{0, 1, 2, 4, 3, 7, 8, 5, 6}
var flipY = [9]uint32{0, 2, 1, 3, 4, 6, 5, 8, 7}

func flipAnchorX(a uint32) uint32  { return flipX[a] }
func flipAnchorY(a uint32) uint32  { return flipY[a] }
func flipGravityX(g uint32) uint32 { return flipX[g] }
func flipGravityY(g uint32) uint32 { return flipY[g] }

// geometry places the popup relative to its parent with the given
// anchor, gravity and offset, unconstrained.
func (p *positioner) geometry(anchor, gravity uint32, offX, offY int32) Rect {
	a := p.anchor
	x, y := a.X+a.W/2, a.Y+a.H/2
	switch anchor {
	case xdg.PositionerAnchorTop, xdg.PositionerAnchorTopLeft, xdg.PositionerAnchorTopRight:
		y = a.Y
	case xdg.PositionerAnchorBottom, xdg.PositionerAnchorBottomLeft, xdg.PositionerAnchorBottomRight:
		y = a.Y + a.H
	}
	switch anchor {
	case xdg.PositionerAnchorLeft, xdg.PositionerAnchorTopLeft, xdg.PositionerAnchorBottomLeft:
		x = a.X
	case xdg.PositionerAnchorRight, xdg.PositionerAnchorTopRight, xdg.PositionerAnchorBottomRight:
		x = a.X + a.W
	}
	gx, gy := x-p.w/2, y-p.h/2
	switch gravity {
	case xdg.PositionerGravityTop, xdg.PositionerGravityTopLeft, xdg.PositionerGravityTopRight:
		gy = y - p.h
	case xdg.PositionerGravityBottom, xdg.PositionerGravityBottomLeft, xdg.PositionerGravityBottomRight:
		gy = y
	}
	switch gravity {
	case xdg.PositionerGravityLeft, xdg.PositionerGravityTopLeft, xdg.PositionerGravityBottomLeft:
		gx = x - p.w
	case xdg.PositionerGravityRight, xdg.PositionerGravityTopRight, xdg.PositionerGravityBottomRight:
		gx = x
	}
	return Rect{gx + offX, gy + offY, p.w, p.h}
}

type xdgSurface struct {
	wm         *wmBase
	surface    *Surface
	res        *core.Resource
	top        *toplevel
	popup      *popup
	serials    []uint32 // configures sent, not yet acked
	acked      bool     // a configure was acked since the role was given
	configured bool     // the initial configure was sent
	geometry   Rect
}

func (xs *xdgSurface) Destroy(o xdg.Surface) error {
	if (xs.top != nil && xs.top.res.Alive()) || (xs.popup != nil && xs.popup.res.Alive()) {
		return o.Errorf(xdg.SurfaceErrorDefunctRoleObject, "xdg_surface destroyed before its role object")
	}
	return nil
}

func (xs *xdgSurface) GetToplevel(o xdg.Surface, id xdg.Toplevel) error {
	if xs.top != nil || xs.popup != nil {
		return o.Errorf(xdg.SurfaceErrorAlreadyConstructed, "xdg_surface already has a role object")
	}
	t := &toplevel{xs: xs, res: id.Resource}
	xs.top = t
	xs.surface.role = "xdg_toplevel"
	id.SetHandler(t)
	id.OnDestroy(func(*core.Resource) {
		xs.top = nil
		xs.configured, xs.acked = false, false
		if xs.surface.mapped {
			xs.surface.unmap()
		}
	})
	return nil
}

func (xs *xdgSurface) GetPopup(o xdg.Surface, id xdg.Popup, parent xdg.Surface, pos xdg.Positioner) error {
	if xs.top != nil || xs.popup != nil {
		return o.Errorf(xdg.SurfaceErrorAlreadyConstructed, "xdg_surface already has a role object")
	}
	p := pos.Handler().(*positioner)
	if p.w == 0 || !p.anchorSet {
		return xs.wm.res.Errorf(xdg.WmBaseErrorInvalidPositioner, "xdg_positioner@%d is incomplete (size and anchor rectangle are required)", pos.ID())
	}
	pp := &popup{xs: xs, res: id.Resource, pos: *p}
	if parent.Resource != nil {
		pp.parent, _ = parent.Handler().(*xdgSurface)
	}
	xs.popup = pp
	xs.surface.role = "xdg_popup"
	id.SetHandler(pp)
	id.OnDestroy(func(*core.Resource) {
		xs.popup = nil
		if xs.surface.mapped {
			xs.surface.unmap()
		}
	})
	return nil
}

func (xs *xdgSurface) SetWindowGeometry(o xdg.Surface, x, y, w, h int32) error {
	if w <= 0 || h <= 0 {
		return o.Errorf(xdg.SurfaceErrorInvalidSize, "window geometry %dx%d is not positive", w, h)
	}
	xs.geometry = Rect{x, y, w, h}
	return nil
}

func (xs *xdgSurface) AckConfigure(o xdg.Surface, serial uint32) error {
	for i, s := range xs.serials {
		if s == serial {
			xs.serials = append(xs.serials[:0], xs.serials[i+1:]...)
			xs.acked = true
			return nil
		}
	}
	return o.Errorf(xdg.SurfaceErrorInvalidSerial, "ack_configure(%d): no such configure is outstanding", serial)
}

// precommit validates a wl_surface.commit of an xdg surface.
func (xs *xdgSurface) precommit() error {
	x := xs.surface
	if xs.top == nil && xs.popup == nil {
		return xdg.Surface{Resource: xs.res}.Errorf(xdg.SurfaceErrorNotConstructed, "commit before get_toplevel or get_popup")
	}
	if x.pending.attached && x.pending.buffer != nil && !xs.acked {
		return xdg.Surface{Resource: xs.res}.Errorf(xdg.SurfaceErrorUnconfiguredBuffer, "buffer attached before the first configure was acked")
	}
	return nil
}

// committed runs after the surface state became current.
func (xs *xdgSurface) committed() {
	x := xs.surface
	if !xs.configured {
		xs.configured = true
		xs.configure()
		return
	}
	if x.buffer != nil && !x.mapped && xs.acked {
		x.map_()
	} else if x.buffer == nil && x.mapped {
		x.unmap()
		xs.configured, xs.acked = false, false
	}
}

func (xs *xdgSurface) configure() {
	s := xs.wm.s
	if xs.top != nil {
		w, h := int32(1024), int32(768)
		if len(s.outputs) > 0 {
			c := s.outputs[0].cfg
			w, h = c.Width/c.Scale, c.Height/c.Scale
		}
		t := xdg.Toplevel{Resource: xs.top.res}
		// configure_bounds is optional and not sent: the configure
		// already carries the size, and clients built with listeners
		// for version 1 only (weston-presentation-shm) abort on it.
		if t.Version() >= 5 && !xs.top.capsSent {
			xs.top.capsSent = true
			t.SendWmCapabilities(u32s(xdg.ToplevelWmCapabilitiesFullscreen))
		}
		t.SendConfigure(w, h, u32s(xdg.ToplevelStateFullscreen, xdg.ToplevelStateActivated))
	} else if xs.popup != nil {
		xs.popup.geom = xs.popup.place()
		g := xs.popup.geom
		xdg.Popup{Resource: xs.popup.res}.SendConfigure(g.X, g.Y, g.W, g.H)
	}
	serial := s.d.NextSerial()
	if len(xs.serials) >= 64 { // a client that never acks: keep the newest
		xs.serials = append(xs.serials[:0], xs.serials[1:]...)
	}
	xs.serials = append(xs.serials, serial)
	xdg.Surface{Resource: xs.res}.SendConfigure(serial)
}

func u32s(v ...uint32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.NativeEndian.AppendUint32(b, x)
	}
	return b
}

type toplevel struct {
	xs           *xdgSurface
	res          *core.Resource
	title, appID string
	capsSent     bool
	minW, minH   int32
	maxW, maxH   int32
}

func (t *toplevel) Destroy(xdg.Toplevel) error { return nil }
func (t *toplevel) SetParent(o xdg.Toplevel, parent xdg.Toplevel) error {
	if parent.Resource != nil && parent.Handler().(*toplevel) == t {
		return o.Errorf(xdg.ToplevelErrorInvalidParent, "a toplevel cannot be its own parent")
	}
	return nil
}
func (t *toplevel) SetTitle(o xdg.Toplevel, title string) error { t.title = title; return nil }
func (t *toplevel) SetAppId(o xdg.Toplevel, id string) error    { t.appID = id; return nil }
func (t *toplevel) ShowWindowMenu(xdg.Toplevel, wl.Seat, uint32, int32, int32) error {
	return nil
}
func (t *toplevel) Move(xdg.Toplevel, wl.Seat, uint32) error { return nil }
func (t *toplevel) Resize(o xdg.Toplevel, seat wl.Seat, serial, edges uint32) error {
	if edges > xdg.ToplevelResizeEdgeBottomRight || edges == 3 || edges == 7 || edges == 11 {
		return o.Errorf(xdg.ToplevelErrorInvalidResizeEdge, "resize edge %d is not an xdg_toplevel.resize_edge value", edges)
	}
	return nil
}
func (t *toplevel) SetMaxSize(o xdg.Toplevel, w, h int32) error {
	if w < 0 || h < 0 || (w > 0 && w < t.minW) || (h > 0 && h < t.minH) {
		return o.Errorf(xdg.ToplevelErrorInvalidSize, "max size %dx%d is negative or below the min size", w, h)
	}
	t.maxW, t.maxH = w, h
	return nil
}
func (t *toplevel) SetMinSize(o xdg.Toplevel, w, h int32) error {
	if w < 0 || h < 0 || (t.maxW > 0 && w > t.maxW) || (t.maxH > 0 && h > t.maxH) {
		return o.Errorf(xdg.ToplevelErrorInvalidSize, "min size %dx%d is negative or above the max size", w, h)
	}
	t.minW, t.minH = w, h
	return nil
}

// Window-state requests are answered with the kiosk's fullscreen configure.
func (t *toplevel) reconfigure() error {
	if t.xs.configured {
		t.xs.configure()
	}
	return nil
}
func (t *toplevel) SetMaximized(xdg.Toplevel) error             { return t.reconfigure() }
func (t *toplevel) UnsetMaximized(xdg.Toplevel) error           { return t.reconfigure() }
func (t *toplevel) SetFullscreen(xdg.Toplevel, wl.Output) error { return t.reconfigure() }
func (t *toplevel) UnsetFullscreen(xdg.Toplevel) error          { return t.reconfigure() }
func (t *toplevel) SetMinimized(xdg.Toplevel) error             { return nil }

type popup struct {
	xs        *xdgSurface
	res       *core.Resource
	parent    *xdgSurface // nil: no parent (set by another protocol; never shown here)
	pos       positioner  // copied at get_popup and reposition, as the protocol says
	geom      Rect        // the configured geometry, relative to the parent's window geometry
	grabbed   bool        // holds an explicit grab (xdg_popup.grab with a valid serial)
	dismissed bool        // popup_done was sent
}

// place computes the popup's geometry with the output bounds the
// compositor reports for the parent.
func (p *popup) place() Rect {
	var bounds Rect
	ok := false
	if h := p.xs.wm.s.opts.Hooks.PopupBounds; h != nil && p.parent != nil {
		bounds, ok = h(p.parent.surface)
	}
	return p.pos.place(bounds, ok)
}

func (p *popup) Destroy(xdg.Popup) error { return nil }

// Grab is xdg_popup.grab: granted when serial is one of the client's
// recent button, key or touch-down serials and the parent is the
// toplevel or the topmost grabbing popup; otherwise the popup is
// dismissed at once (popup_done), as the protocol prescribes.
func (p *popup) Grab(o xdg.Popup, seat wl.Seat, serial uint32) error {
	if p.xs.surface.mapped {
		return o.Errorf(xdg.PopupErrorInvalidGrab, "grab after the popup was mapped")
	}
	if p.parent != nil && p.parent.popup != nil && (!p.parent.popup.grabbed || p.parent.popup.dismissed) {
		p.dismiss()
		return nil
	}
	if !clientInput(o.Client()).validGrabSerial(serial) {
		p.dismiss()
		return nil
	}
	p.grabbed = true
	return nil
}

func (p *popup) dismiss() {
	if p.dismissed {
		return
	}
	p.dismissed = true
	xdg.Popup{Resource: p.res}.SendPopupDone()
}

func (p *popup) Reposition(o xdg.Popup, pos xdg.Positioner, token uint32) error {
	pp := pos.Handler().(*positioner)
	if pp.w == 0 || !pp.anchorSet {
		return p.xs.wm.res.Errorf(xdg.WmBaseErrorInvalidPositioner, "xdg_positioner@%d is incomplete", pos.ID())
	}
	p.pos = *pp
	if o.Version() >= 3 {
		o.SendRepositioned(token)
	}
	if p.xs.configured {
		p.xs.configure()
	}
	return nil
}

// PopupParent returns the wl_surface an xdg_popup is placed relative to
// (nil when x is not a popup or has no parent).
func (x *Surface) PopupParent() *Surface {
	if x.xdg == nil || x.xdg.popup == nil || x.xdg.popup.parent == nil {
		return nil
	}
	return x.xdg.popup.parent.surface
}

// PopupPosition returns the popup's configured position relative to the
// parent's window geometry (the x, y of xdg_popup.configure).
func (x *Surface) PopupPosition() (int32, int32) {
	if x.xdg == nil || x.xdg.popup == nil {
		return 0, 0
	}
	return x.xdg.popup.geom.X, x.xdg.popup.geom.Y
}

// PopupGrabbed reports whether x is a popup holding a grab that was not
// dismissed.
func (x *Surface) PopupGrabbed() bool {
	return x.xdg != nil && x.xdg.popup != nil && x.xdg.popup.grabbed && !x.xdg.popup.dismissed
}

// DismissPopup sends xdg_popup.popup_done (once) when x is a popup: the
// compositor broke its grab (a click outside the client) or hid its
// parent. Lock held.
func (x *Surface) DismissPopup() {
	if x.xdg != nil && x.xdg.popup != nil {
		x.xdg.popup.dismiss()
	}
}

// WindowGeometry returns the xdg_surface window geometry (zero when
// unset: the whole surface).
func (x *Surface) WindowGeometry() Rect {
	if x.xdg == nil {
		return Rect{}
	}
	return x.xdg.geometry
}
