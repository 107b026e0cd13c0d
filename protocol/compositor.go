package protocol

import (
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
)

// clientState is the server's per-client data.
type clientState struct {
	s     *Server
	input inputState
}

// Rect is a rectangle in surface or buffer coordinates.
type Rect struct{ X, Y, W, H int32 }

func (r Rect) empty() bool { return r.W <= 0 || r.H <= 0 }

func (r Rect) union(o Rect) Rect {
	if r.empty() {
		return o
	}
	if o.empty() {
		return r
	}
	x0, y0 := min(r.X, o.X), min(r.Y, o.Y)
	x1, y1 := max(r.X+r.W, o.X+o.W), max(r.Y+r.H, o.Y+o.H)
	return Rect{x0, y0, x1 - x0, y1 - y0}
}

// maxDamageRects bounds a damage list; beyond it the rectangles collapse
// into their bounding box, so a damage storm costs no memory.
const maxDamageRects = 16

type damageList struct {
	n int
	r [maxDamageRects]Rect
}

func (d *damageList) add(r Rect) {
	if r.empty() {
		return
	}
	// clamp absurd values so sums cannot overflow
	const lim = 1 << 20
	r.X, r.Y = max(min(r.X, lim), -lim), max(min(r.Y, lim), -lim)
	r.W, r.H = min(r.W, lim), min(r.H, lim)
	if d.n == maxDamageRects {
		u := d.r[0]
		for _, x := range d.r[1:] {
			u = u.union(x)
		}
		d.r[0], d.n = u.union(r), 1
		return
	}
	d.r[d.n] = r
	d.n++
}

func (d *damageList) merge(o *damageList) {
	for _, r := range o.r[:o.n] {
		d.add(r)
	}
}

func (d *damageList) rects() []Rect { return d.r[:d.n] }

// regionOp is one add or subtract of a wl_region.
type regionOp struct {
	add bool
	r   Rect
}

// Region is a set of rectangles built by adds and subtracts.
type Region struct{ ops []regionOp }

// maxRegionOps bounds a wl_region; more is a no_memory error.
const maxRegionOps = 1024

// Contains reports whether the point is in the region.
func (g *Region) Contains(x, y int32) bool {
	in := false
	for _, op := range g.ops {
		if x >= op.r.X && y >= op.r.Y && x < op.r.X+op.r.W && y < op.r.Y+op.r.H {
			in = op.add
		}
	}
	return in
}

// Empty reports whether nothing was added.
func (g *Region) Empty() bool { return g == nil || len(g.ops) == 0 }

func (g *Region) clone() *Region { return &Region{ops: append([]regionOp(nil), g.ops...)} }

type regionHandler struct{ g *Region }

func (h regionHandler) Destroy(wl.Region) error { return nil }
func (h regionHandler) Add(o wl.Region, x, y, w, hh int32) error {
	return h.op(o, true, Rect{x, y, w, hh})
}
func (h regionHandler) Subtract(o wl.Region, x, y, w, hh int32) error {
	return h.op(o, false, Rect{x, y, w, hh})
}
func (h regionHandler) op(o wl.Region, add bool, r Rect) error {
	if len(h.g.ops) >= maxRegionOps {
		return &core.ProtocolError{ObjectID: 1, Interface: "wl_display", Code: core.ErrorNoMemory,
			Message: "wl_region@" + itoa64(int64(o.ID())) + ": more than 1024 rectangles"}
	}
	h.g.ops = append(h.g.ops, regionOp{add, r})
	return nil
}

// surfaceState is the double-buffered state of a wl_surface.
type surfaceState struct {
	offsetSet    bool // wl_surface.offset, or attach with dx, dy
	attached     bool
	buffer       *Buffer
	dx, dy       int32
	damage       damageList // surface coordinates
	bufferDamage damageList // buffer coordinates
	frames       []*core.Resource
	feedbacks    []*core.Resource
	opaqueSet    bool
	opaque       *Region
	inputSet     bool
	input        *Region
	transformSet bool
	transform    int32
	scaleSet     bool
	scale        int32
	srcSet       bool
	src          [4]wire.Fixed // x, y, w, h; w == -1 unset
	dstSet       bool
	dst          [2]int32
}

// merge moves src into dst (newer state wins, lists accumulate) and
// resets src.
func (dst *surfaceState) merge(src *surfaceState) {
	if src.attached {
		dst.attached, dst.buffer = true, src.buffer
	}
	if src.offsetSet {
		dst.offsetSet = true
		dst.dx += src.dx
		dst.dy += src.dy
	}
	dst.damage.merge(&src.damage)
	dst.bufferDamage.merge(&src.bufferDamage)
	dst.frames = append(dst.frames, src.frames...)
	if len(src.feedbacks) > 0 {
		for _, f := range dst.feedbacks {
			discardFeedback(f)
		}
		dst.feedbacks = append(dst.feedbacks[:0], src.feedbacks...)
	}
	if src.opaqueSet {
		dst.opaqueSet, dst.opaque = true, src.opaque
	}
	if src.inputSet {
		dst.inputSet, dst.input = true, src.input
	}
	if src.transformSet {
		dst.transformSet, dst.transform = true, src.transform
	}
	if src.scaleSet {
		dst.scaleSet, dst.scale = true, src.scale
	}
	if src.srcSet {
		dst.srcSet, dst.src = true, src.src
	}
	if src.dstSet {
		dst.dstSet, dst.dst = true, src.dst
	}
	frames, fbs := src.frames[:0], src.feedbacks[:0]
	clear(src.frames)
	clear(src.feedbacks)
	*src = surfaceState{frames: frames, feedbacks: fbs}
}

// Surface is a client's wl_surface as the backend sees it: its committed
// ("current") state. Read it with the lock held, typically in the
// SurfaceCommitted hook.
type Surface struct {
	s   *Server
	res *core.Resource

	pending, cached surfaceState
	hasCache        bool

	buffer    *Buffer // current buffer, locked
	damage    damageList
	bufDamage damageList
	opaque    *Region
	input     *Region
	transform int32
	scale     int32
	src       [4]wire.Fixed
	dst       [2]int32

	frames    []*core.Resource // committed frame callbacks
	feedbacks []*core.Resource // committed presentation feedbacks
	// latched: committed before the frame now on its way to the screen
	// (see Latch); FrameDone and Presented complete only these.
	latchedFrames    []*core.Resource
	latchedFeedbacks []*core.Resource

	role     string
	xdg      *xdgSurface
	sub      *subsurface
	children []*subsurface
	viewport *core.Resource
	mapped   bool
	commits  uint64
	entered  map[*Output]bool
}

// Client returns the owning client.
func (x *Surface) Client() *core.Client { return x.res.Client() }

// ID returns the wl_surface object id.
func (x *Surface) ID() uint32 { return x.res.ID() }

// Buffer returns the current buffer (nil when none is attached).
func (x *Surface) Buffer() *Buffer { return x.buffer }

// CommittedDamage returns the damage of the last commit: surface-coordinate and
// buffer-coordinate rectangles as the client sent them (at most 16 each;
// more collapse into a bounding box).
func (x *Surface) CommittedDamage() (surface, buffer []Rect) {
	return x.damage.rects(), x.bufDamage.rects()
}

// Scale returns the buffer scale (1 by default).
func (x *Surface) Scale() int32 { return x.scale }

// Transform returns the buffer transform (wl_output.transform values).
func (x *Surface) Transform() int32 { return x.transform }

// OpaqueRegion and InputRegion return the regions (nil: none / infinite).
func (x *Surface) OpaqueRegion() *Region { return x.opaque }
func (x *Surface) InputRegion() *Region  { return x.input }

// Viewport returns the wp_viewport source rectangle (w < 0 when unset) and
// destination size (w < 0 when unset).
func (x *Surface) Viewport() (src [4]wire.Fixed, dstW, dstH int32) { return x.src, x.dst[0], x.dst[1] }

// Role returns "xdg_toplevel", "xdg_popup", "subsurface", "cursor" or "".
func (x *Surface) Role() string { return x.role }

// Mapped reports whether the surface is a mapped toplevel or popup.
func (x *Surface) Mapped() bool { return x.mapped }

// Commits returns the number of commits applied.
func (x *Surface) Commits() uint64 { return x.commits }

// Subsurfaces returns the children with their positions.
func (x *Surface) Subsurfaces() []*Surface {
	out := make([]*Surface, 0, len(x.children))
	for _, c := range x.children {
		out = append(out, c.surface)
	}
	return out
}

// NumSubsurfaces and Subsurface(i) walk the children, bottom first,
// without allocating (Subsurfaces copies them).
func (x *Surface) NumSubsurfaces() int       { return len(x.children) }
func (x *Surface) Subsurface(i int) *Surface { return x.children[i].surface }

// Title returns the xdg_toplevel title, if any.
func (x *Surface) Title() string {
	if x.xdg != nil && x.xdg.top != nil {
		return x.xdg.top.title
	}
	return ""
}

// AppID returns the xdg_toplevel app id, if any.
func (x *Surface) AppID() string {
	if x.xdg != nil && x.xdg.top != nil {
		return x.xdg.top.appID
	}
	return ""
}

func (s *Server) addCompositor() {
	s.d.AddGlobal(wl.CompositorInterface, wl.CompositorInterface.Version, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(compositorHandler{s})
		return nil
	})
	s.d.AddGlobal(wl.SubcompositorInterface, 1, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(subcompositorHandler{s})
		return nil
	})
}

type compositorHandler struct{ s *Server }

func (h compositorHandler) CreateSurface(o wl.Compositor, id wl.Surface) error {
	x := &Surface{s: h.s, res: id.Resource, scale: 1, src: [4]wire.Fixed{-256, -256, -256, -256}, dst: [2]int32{-1, -1}}
	id.SetHandler(x)
	id.SetData(x)
	h.s.surfaces[x] = struct{}{}
	id.OnDestroy(func(*core.Resource) { x.destroyed() })
	return nil
}

func (h compositorHandler) CreateRegion(o wl.Compositor, id wl.Region) error {
	g := &Region{}
	id.SetHandler(regionHandler{g})
	id.SetData(g)
	return nil
}

func surfaceFrom(r *core.Resource) *Surface {
	if r == nil {
		return nil
	}
	x, _ := r.Data().(*Surface)
	return x
}

func (x *Surface) destroyed() {
	if x.mapped {
		x.unmap()
	}
	for _, st := range []*surfaceState{&x.pending, &x.cached} {
		for _, f := range st.frames {
			f.Destroy()
		}
		for _, f := range st.feedbacks {
			discardFeedback(f)
		}
	}
	for _, list := range [][]*core.Resource{x.frames, x.latchedFrames} {
		for _, f := range list {
			f.Destroy()
		}
	}
	for _, list := range [][]*core.Resource{x.feedbacks, x.latchedFeedbacks} {
		for _, f := range list {
			discardFeedback(f)
		}
	}
	x.frames, x.feedbacks, x.latchedFrames, x.latchedFeedbacks = nil, nil, nil, nil
	if x.buffer != nil {
		x.buffer.Unlock()
		x.buffer = nil
	}
	if x.sub != nil {
		x.sub.detach()
	}
	for _, c := range x.children {
		c.parent = nil
	}
	x.children = nil
	x.s.seatSurfaceGone(x)
	delete(x.s.surfaces, x)
	if x.s.opts.Hooks.SurfaceDestroyed != nil {
		x.s.opts.Hooks.SurfaceDestroyed(x)
	}
}

func (x *Surface) Destroy(wl.Surface) error { return nil }

func (x *Surface) Attach(o wl.Surface, buffer wl.Buffer, dx, dy int32) error {
	if o.Version() >= 5 && (dx != 0 || dy != 0) {
		return o.Errorf(wl.SurfaceErrorInvalidOffset, "attach with offset %d,%d on version %d; use wl_surface.offset", dx, dy, o.Version())
	}
	b := bufferFrom(buffer.Resource)
	if buffer.Resource != nil && b == nil {
		return o.Errorf(wl.SurfaceErrorInvalidOffset, "wl_buffer@%d has no contents (failed dmabuf import)", buffer.ID())
	}
	x.pending.attached, x.pending.buffer = true, b
	if dx != 0 || dy != 0 {
		x.pending.offsetSet = true
		x.pending.dx, x.pending.dy = dx, dy
	}
	return nil
}

func (x *Surface) Offset(o wl.Surface, dx, dy int32) error {
	x.pending.offsetSet = true
	x.pending.dx, x.pending.dy = dx, dy
	return nil
}

func (x *Surface) Damage(o wl.Surface, px, py, w, h int32) error {
	x.pending.damage.add(Rect{px, py, w, h})
	return nil
}

func (x *Surface) DamageBuffer(o wl.Surface, px, py, w, h int32) error {
	x.pending.bufferDamage.add(Rect{px, py, w, h})
	return nil
}

func (x *Surface) Frame(o wl.Surface, cb wl.Callback) error {
	x.pending.frames = append(x.pending.frames, cb.Resource)
	return nil
}

func regionFrom(r *core.Resource) *Region {
	if r == nil {
		return nil
	}
	return r.Data().(*Region).clone()
}

func (x *Surface) SetOpaqueRegion(o wl.Surface, region wl.Region) error {
	x.pending.opaqueSet, x.pending.opaque = true, regionFrom(region.Resource)
	return nil
}

func (x *Surface) SetInputRegion(o wl.Surface, region wl.Region) error {
	x.pending.inputSet, x.pending.input = true, regionFrom(region.Resource)
	return nil
}

func (x *Surface) SetBufferTransform(o wl.Surface, t int32) error {
	if t < 0 || t > 7 {
		return o.Errorf(wl.SurfaceErrorInvalidTransform, "buffer transform %d is not a wl_output.transform value", t)
	}
	x.pending.transformSet, x.pending.transform = true, t
	return nil
}

func (x *Surface) SetBufferScale(o wl.Surface, scale int32) error {
	if scale < 1 {
		return o.Errorf(wl.SurfaceErrorInvalidScale, "buffer scale %d is not positive", scale)
	}
	x.pending.scaleSet, x.pending.scale = true, scale
	return nil
}

func (x *Surface) Commit(o wl.Surface) error {
	if x.xdg != nil {
		if err := x.xdg.precommit(); err != nil {
			return err
		}
	}
	x.cached.merge(&x.pending)
	x.hasCache = true
	if x.sub != nil && x.sub.synced() {
		return nil
	}
	return x.apply()
}

// apply makes the cached state current, then applies synchronized
// children.
func (x *Surface) apply() error {
	st := &x.cached
	x.hasCache = false
	if st.attached {
		b := st.buffer
		if b != nil && b.destroyed {
			b = nil
		}
		if b != nil {
			b.Lock()
		}
		if x.buffer != nil {
			x.buffer.Unlock()
		}
		x.buffer = b
	}
	if st.transformSet {
		x.transform = st.transform
	}
	if st.scaleSet {
		x.scale = st.scale
	}
	if st.opaqueSet {
		x.opaque = st.opaque
	}
	if st.inputSet {
		x.input = st.input
	}
	if st.srcSet {
		x.src = st.src
	}
	if st.dstSet {
		x.dst = st.dst
	}
	for _, c := range x.children {
		if c.posSet {
			c.x, c.y, c.posSet = c.pendingPos[0], c.pendingPos[1], false
		}
	}
	x.damage, x.bufDamage = st.damage, st.bufferDamage
	if st.offsetSet && x.role == "cursor" {
		x.s.cursorCommitted(x, st.dx, st.dy)
	}
	if err := x.checkViewport(); err != nil {
		return err
	}
	x.frames = append(x.frames, st.frames...)
	if len(st.feedbacks) > 0 {
		for _, f := range x.feedbacks {
			discardFeedback(f)
		}
		x.feedbacks = append(x.feedbacks[:0], st.feedbacks...)
	}
	frames, fbs := st.frames[:0], st.feedbacks[:0]
	clear(st.frames)
	clear(st.feedbacks)
	*st = surfaceState{frames: frames, feedbacks: fbs}
	x.commits++
	if x.xdg != nil {
		x.xdg.committed()
	}
	if x.s.opts.Hooks.SurfaceCommitted != nil {
		x.s.opts.Hooks.SurfaceCommitted(x)
	}
	for _, c := range x.children {
		if c.surface.hasCache && c.synced() {
			if err := c.surface.apply(); err != nil {
				return err
			}
		}
	}
	return nil
}

// surfaceSize returns the surface size implied by the buffer, scale and
// transform (before the viewport).
func (x *Surface) bufferSurfaceSize() (w, h int32) {
	if x.buffer == nil {
		return 0, 0
	}
	w, h = x.buffer.width, x.buffer.height
	if x.transform%2 == 1 {
		w, h = h, w
	}
	return w / x.scale, h / x.scale
}

// Size returns the surface size in surface coordinates (viewport applied).
func (x *Surface) Size() (w, h int32) {
	if x.dst[0] > 0 {
		return x.dst[0], x.dst[1]
	}
	if x.src[2] >= 0 {
		return x.src[2].Int(), x.src[3].Int()
	}
	return x.bufferSurfaceSize()
}

func (x *Surface) map_() {
	x.mapped = true
	for _, out := range x.s.outputs {
		x.enter(out)
	}
	if x.s.opts.Hooks.SurfaceMapped != nil {
		x.s.opts.Hooks.SurfaceMapped(x)
	}
}

func (x *Surface) unmap() {
	x.mapped = false
	if x.s.opts.Hooks.SurfaceUnmapped != nil {
		x.s.opts.Hooks.SurfaceUnmapped(x)
	}
}

// Latch marks the frame callbacks and presentation feedbacks committed so
// far as belonging to the frame being prepared now: the next FrameDone and
// Presented complete them, while those of later commits wait for the frame
// after. A backend latches when it decides a frame's content (when it
// renders it or picks the buffers its planes show), long before the
// display reports it presented; without the split, a commit arriving in
// between would get its callback for a frame that does not contain it.
// Call it with the lock held; it allocates nothing in steady state.
func (x *Surface) Latch() {
	x.latchedFrames = append(x.latchedFrames, x.frames...)
	clear(x.frames)
	x.frames = x.frames[:0]
	x.latchedFeedbacks = append(x.latchedFeedbacks, x.feedbacks...)
	clear(x.feedbacks)
	x.feedbacks = x.feedbacks[:0]
}

// FrameDone sends wl_callback.done(ms) to every latched frame callback
// and destroys them. Call it with the lock held.
func (x *Surface) FrameDone(ms uint32) {
	for i, cb := range x.latchedFrames {
		core.SendCallbackDone(cb, ms)
		cb.Destroy()
		x.latchedFrames[i] = nil
	}
	x.latchedFrames = x.latchedFrames[:0]
}

// PendingFrames returns the number of frame callbacks waiting, latched
// or not.
func (x *Surface) PendingFrames() int { return len(x.frames) + len(x.latchedFrames) }

// subsurfaces

type subcompositorHandler struct{ s *Server }

func (h subcompositorHandler) Destroy(wl.Subcompositor) error { return nil }

func (h subcompositorHandler) GetSubsurface(o wl.Subcompositor, id wl.Subsurface, surface, parent wl.Surface) error {
	x, p := surfaceFrom(surface.Resource), surfaceFrom(parent.Resource)
	if x.role != "" && x.role != "subsurface" || x.sub != nil {
		return o.Errorf(wl.SubcompositorErrorBadSurface, "wl_surface@%d already has the role %s", x.ID(), x.role)
	}
	for a := p; a != nil; {
		if a == x {
			return o.Errorf(wl.SubcompositorErrorBadSurface, "wl_surface@%d cannot be a child of itself or its descendant", x.ID())
		}
		if a.sub == nil || a.sub.parent == nil {
			break
		}
		a = a.sub.parent
	}
	sub := &subsurface{surface: x, parent: p, sync: true, res: id.Resource}
	x.role, x.sub = "subsurface", sub
	p.children = append(p.children, sub)
	id.SetHandler(sub)
	id.OnDestroy(func(*core.Resource) {
		sub.detach()
		x.sub = nil
	})
	return nil
}

type subsurface struct {
	res     *core.Resource
	surface *Surface
	parent  *Surface
	sync    bool
	x, y    int32

	pendingPos [2]int32
	posSet     bool
}

// synced reports whether the subsurface or an ancestor is synchronized.
func (s *subsurface) synced() bool {
	for a := s; a != nil; {
		if a.sync {
			return true
		}
		if a.parent == nil || a.parent.sub == nil {
			return false
		}
		a = a.parent.sub
	}
	return false
}

func (s *subsurface) detach() {
	if s.parent == nil {
		return
	}
	p := s.parent
	for i, c := range p.children {
		if c == s {
			p.children = append(p.children[:i], p.children[i+1:]...)
			break
		}
	}
	s.parent = nil
}

// Position returns the subsurface position relative to its parent.
func (x *Surface) Position() (int32, int32) {
	if x.sub != nil {
		return x.sub.x, x.sub.y
	}
	return 0, 0
}

func (s *subsurface) Destroy(wl.Subsurface) error { return nil }

// SetPosition is double-buffered on the parent: it takes effect when the
// parent's state is applied.
func (s *subsurface) SetPosition(o wl.Subsurface, x, y int32) error {
	s.pendingPos, s.posSet = [2]int32{x, y}, true
	return nil
}
func (s *subsurface) sibling(o wl.Subsurface, r wl.Surface) error {
	t := surfaceFrom(r.Resource)
	if s.parent == nil || (t != s.parent && (t.sub == nil || t.sub.parent != s.parent)) {
		return o.Errorf(wl.SubsurfaceErrorBadSurface, "wl_surface@%d is neither the parent nor a sibling", r.ID())
	}
	return nil
}
func (s *subsurface) PlaceAbove(o wl.Subsurface, sibling wl.Surface) error {
	return s.sibling(o, sibling)
}
func (s *subsurface) PlaceBelow(o wl.Subsurface, sibling wl.Surface) error {
	return s.sibling(o, sibling)
}
func (s *subsurface) SetSync(wl.Subsurface) error { s.sync = true; return nil }
func (s *subsurface) SetDesync(wl.Subsurface) error {
	s.sync = false
	if s.surface.hasCache && !s.synced() {
		return s.surface.apply()
	}
	return nil
}
