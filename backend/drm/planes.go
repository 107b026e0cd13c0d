package drm

import (
	"cmp"
	"fmt"
	"image"
	"slices"

	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/protocol"
)

// Limits of the plane assignment.
const (
	// maxOverlays bounds the overlay planes used (vkms has 8).
	maxOverlays = 8
	// maxScene bounds the scene elements considered for planes; a larger
	// scene is composited whole.
	maxScene = 64
	// maxTests bounds the TEST_ONLY commits per frame: the full
	// configuration, then with the least valuable offload dropped, and so
	// on; after that the frame is composited whole.
	maxTests = 4
	// cursorValue ranks the cursor plane above any overlay when an offload
	// must be dropped: it spares a re-render at every pointer motion.
	cursorValue = 1 << 40
)

// Plane slots: the bit of a plane in directFB.refusedOn.
const (
	slotPrimary = 0
	slotCursor  = 31
)

// hwPlane is a KMS plane the backend may put a scene element on.
type hwPlane struct {
	p    *kms.Plane
	slot int   // bit in directFB.refusedOn
	zpos int64 // stacking position (immutable value, or the one set when setZ)
	setZ bool  // the plane has a mutable zpos: set it in every commit
	hot  bool  // HOTSPOT_X/HOTSPOT_Y (cursor planes of virtualised drivers)
}

// setupPlanes orders the overlay planes usable on the CRTC by stacking
// position and decides their zpos (lock not needed: called from take).
// Overlays are used only when they stack above the primary plane: an
// immutable zpos above the primary's, a mutable one set above it, or no
// zpos property at all (then the kernel's convention holds: overlays
// above the primary, in plane order; vkms has no zpos property).
func (b *Backend) setupPlanes(overlays []*kms.Plane) {
	b.prim = hwPlane{p: b.primary, slot: slotPrimary}
	pz := int64(0)
	if z := b.primary.Zpos; z != nil {
		pz = z.Value
		if !z.Immutable {
			pz = z.Min
			b.prim.zpos, b.prim.setZ = z.Min, true
		}
	}
	b.prim.zpos = pz
	slices.SortFunc(overlays, func(a, c *kms.Plane) int {
		return cmp.Or(cmp.Compare(immutableZ(a), immutableZ(c)), cmp.Compare(a.ID, c.ID))
	})
	b.overlays = b.overlays[:0]
	next := pz + 1
	for _, p := range overlays {
		if len(b.overlays) == maxOverlays {
			break
		}
		hp := hwPlane{p: p, slot: 1 + len(b.overlays)}
		switch z := p.Zpos; {
		case z == nil:
		case z.Immutable:
			if z.Value <= pz {
				b.planeNotes = append(b.planeNotes, fmt.Sprintf("overlay plane %d unused: its immutable zpos %d is not above the primary's %d", p.ID, z.Value, pz))
				continue
			}
			hp.zpos = z.Value
		default:
			v := max(next, z.Min)
			if v > z.Max {
				b.planeNotes = append(b.planeNotes, fmt.Sprintf("overlay plane %d unused: its zpos range [%d, %d] cannot go above the primary's %d", p.ID, z.Min, z.Max, pz))
				continue
			}
			hp.zpos, hp.setZ = v, true
			next = v + 1
		}
		b.overlays = append(b.overlays, hp)
	}
	if b.cursor != nil {
		b.cur = hwPlane{p: b.cursor, slot: slotCursor}
		if z := b.cursor.Zpos; z != nil && !z.Immutable {
			b.cur.zpos, b.cur.setZ = z.Max, true
		}
		_, b.cur.hot = b.cursor.Props.Get("HOTSPOT_X")
	}
}

// immutableZ sorts planes with an immutable zpos by it, the others first
// in plane order.
func immutableZ(p *kms.Plane) int64 {
	if p.Zpos != nil && p.Zpos.Immutable {
		return p.Zpos.Value
	}
	return -1 << 62
}

// planeUse is what one plane shows.
type planeUse struct {
	fb       uint32
	client   *protocol.Buffer // client buffer scanned out (a lock is held per frameState)
	src, dst kms.Rect
	surface  *protocol.Surface
}

func (u *planeUse) on() bool { return u.fb != 0 }

// frameState is the configuration of every plane the backend drives.
type frameState struct {
	valid   bool
	primary planeUse // a client buffer or the swapchain buffer sb
	sb      *scanBuf // the swapchain buffer on the primary, nil when direct
	ovl     [maxOverlays]planeUse
	cur     planeUse // fb of cb
	cb      *cursorBuf
	hot     image.Point // cursor hotspot
}

// direct reports whether a client buffer is scanned out by a plane
// (primary or overlay) in this state: the frame counts as direct scanout.
func (s *frameState) direct() bool {
	if s.primary.client != nil {
		return true
	}
	for i := range s.ovl {
		if s.ovl[i].client != nil {
			return true
		}
	}
	return false
}

// holds reports whether buf is on a plane in s.
func (s *frameState) holds(buf *protocol.Buffer) bool {
	if !s.valid || buf == nil {
		return false
	}
	if s.primary.client == buf {
		return true
	}
	for i := range s.ovl {
		if s.ovl[i].client == buf {
			return true
		}
	}
	return false
}

// lock takes one lock on every client buffer of s (it is about to be
// committed); unlock gives them back (s left the screen).
func (s *frameState) lock() {
	if s.primary.client != nil {
		s.primary.client.Lock()
	}
	for i := range s.ovl {
		if s.ovl[i].client != nil {
			s.ovl[i].client.Lock()
		}
	}
}

func (s *frameState) unlock() {
	if s.primary.client != nil {
		s.primary.client.Unlock()
	}
	for i := range s.ovl {
		if s.ovl[i].client != nil {
			s.ovl[i].client.Unlock()
		}
	}
}

// same reports whether committing t would change nothing shown by s.
func (s *frameState) same(t *frameState) bool {
	return s.valid && t.valid && s.primary == t.primary && s.ovl == t.ovl && s.cur == t.cur && s.hot == t.hot
}

// assignment maps scene elements to planes for one frame.
type assignment struct {
	primary int // element on the primary plane, -1: composited
	ovl     [maxOverlays]int
	cursor  int
	n       int // offloaded elements
	// composited reports whether anything is drawn into the swapchain.
	composited bool
}

func (a *assignment) reset() {
	a.primary, a.cursor, a.n, a.composited = -1, -1, 0, false
	for i := range a.ovl {
		a.ovl[i] = -1
	}
}

// leastValuable returns the offloaded element to drop first: the
// smallest visible area, the cursor last (see cursorValue).
func (a *assignment) leastValuable(scene []compositor.Element, bounds image.Rectangle) (elem, slot int) {
	elem, slot = -1, -1
	best := int64(-1)
	consider := func(i, s int, v int64) {
		if i >= 0 && (best < 0 || v < best) {
			elem, slot, best = i, s, v
		}
	}
	if a.primary >= 0 {
		consider(a.primary, slotPrimary, area(scene[a.primary].Dst.Intersect(bounds)))
	}
	for k, i := range a.ovl {
		if i >= 0 {
			consider(i, 1+k, area(scene[i].Dst.Intersect(bounds)))
		}
	}
	if a.cursor >= 0 {
		consider(a.cursor, slotCursor, cursorValue)
	}
	return elem, slot
}

func area(r image.Rectangle) int64 { return int64(r.Dx()) * int64(r.Dy()) }

func overlapsAny(r image.Rectangle, list []image.Rectangle) bool {
	for _, x := range list {
		if r.Overlaps(x) {
			return true
		}
	}
	return false
}

// assign maps the scene to planes, topmost element first (the greedy
// assignment of real compositors): the cursor to the cursor plane; an
// element that overlaps nothing composited above it to the highest free
// overlay below those already taken; the bottom element to the primary
// plane when it alone covers the output, opaque and 1:1, with nothing
// composited above it; everything else is composited into the swapchain
// buffer on the primary. Elements in dropped (bit i: scene[i]) are
// composited. Buffers KMS refused on a plane are not offered to it
// again. Lock held; allocates nothing once every buffer was seen.
func (b *Backend) assign(scene []compositor.Element, dropped uint64, a *assignment) {
	a.reset()
	l := &b.loop
	bounds := b.out.Bounds()
	if len(scene) > maxScene {
		a.composited = true
		return
	}
	above := l.above[:0] // composited rectangles above the current element
	nextOv := len(b.overlays) - 1
	for i := len(scene) - 1; i >= 0; i-- {
		e := &scene[i]
		vis := e.Dst.Intersect(bounds)
		if vis.Empty() || e.Buffer == nil {
			continue
		}
		placed := false
		if dropped&(1<<i) == 0 && a.n < compositor.MaxOffload && !overlapsAny(vis, above) {
			switch {
			case e.Cursor:
				placed = b.cursorFits(e)
				if placed {
					a.cursor = i
				}
			case i == 0 && len(above) == 0 && e.Dst == bounds && e.Exact && e.Opaque && b.accepts(e.Buffer, &b.prim):
				a.primary, placed = i, true
			default:
				for k := nextOv; k >= 0 && !placed; k-- {
					if e.Exact && b.accepts(e.Buffer, &b.overlays[k]) {
						a.ovl[k], nextOv, placed = i, k-1, true
					}
				}
			}
		}
		if placed {
			a.n++
			continue
		}
		above = append(above, vis)
	}
	a.composited = a.primary < 0
	l.above = above[:0]
}

// accepts reports whether buf may go on hp: a dma-buf the plane lists
// the format and modifier of, imported, and not refused there before.
func (b *Backend) accepts(buf *protocol.Buffer, hp *hwPlane) bool {
	if buf.Kind() != protocol.DMABUFBuffer {
		return false
	}
	d := b.directEntry(buf)
	if d.refused != nil || d.refusedOn&(1<<hp.slot) != 0 {
		return false
	}
	if d.checked&(1<<hp.slot) == 0 {
		d.checked |= 1 << hp.slot
		a := buf.DMABUF()
		if !slices.Contains(hp.p.Modifiers(a.Format), a.Modifier) {
			d.refusedOn |= 1 << hp.slot
			b.refuse(d, hp, fmt.Errorf("plane %d does not list %v/%v", hp.p.ID, a.Format, a.Modifier))
			return false
		}
	}
	if d.fb == 0 && !b.importDirect(buf, d) {
		return false
	}
	return true
}

// refuse records that KMS refused d on hp (or everywhere when hp is nil).
func (b *Backend) refuse(d *directFB, hp *hwPlane, err error) {
	l := &b.loop
	l.refusedBufs++
	if hp == nil {
		b.log("drm: client buffer refused for every plane: %v (compositing it)", err)
		return
	}
	d.refusedOn |= 1 << hp.slot
	b.log("drm: client buffer refused on %s plane %d: %v (compositing it there)", hp.p.Type, hp.p.ID, err)
}

// decide builds the frame's plane configuration into l.next: the
// assignment, checked with TEST_ONLY commits, dropping the least
// valuable offload on each refusal (at most maxTests tests; a pair that
// made the difference is remembered as refused). It then tells the
// output which surfaces are offloaded. The primary plane's framebuffer
// is the swapchain buffer probe when composited; frame fills in the
// real one after rendering. Lock held.
func (b *Backend) decide(probe *scanBuf) {
	l := &b.loop
	scene := b.out.Scene(l.scene[:0])
	l.scene = scene[:0]
	a := &l.assign
	dropped := uint64(0)
	var vbuf *protocol.Buffer // the last offload dropped after a refusal
	var verr error
	vslot, forced := -1, false
	for test := 0; ; test++ {
		b.assign(scene, dropped, a)
		b.build(scene, a, probe)
		if a.n == 0 {
			break // nothing offloaded: what every frame can show
		}
		err := b.testOnly(a)
		if err == nil {
			break
		}
		l.testRefusals++
		if test+1 >= maxTests {
			dropped, forced = ^uint64(0), true
			continue
		}
		var victim int
		victim, vslot = a.leastValuable(scene, b.out.Bounds())
		vbuf, verr = scene[victim].Buffer, err
		dropped |= 1 << victim
	}
	if vbuf != nil && !forced {
		// the configuration without it passed: remember the pair
		b.refusePair(vbuf, vslot, verr)
	}
	off := l.offload[:0]
	if a.primary >= 0 {
		off = append(off, scene[a.primary].Surface)
	}
	for _, i := range a.ovl {
		if i >= 0 {
			off = append(off, scene[i].Surface)
		}
	}
	if a.cursor >= 0 {
		off = append(off, scene[a.cursor].Surface)
	}
	b.out.Offload(off...)
	l.offload = off[:0]
	clear(scene) // drop the references until the next frame
}

// refusePair remembers that the TEST_ONLY check refused buf on slot.
func (b *Backend) refusePair(buf *protocol.Buffer, slot int, err error) {
	d := b.directEntry(buf)
	switch {
	case slot == slotCursor:
		b.refuse(d, &b.cur, err)
	case slot == slotPrimary:
		b.refuse(d, &b.prim, err)
	case slot-1 < len(b.overlays):
		b.refuse(d, &b.overlays[slot-1], err)
	}
}

// build turns the assignment into l.next (the primary shows probe when
// composited).
func (b *Backend) build(scene []compositor.Element, a *assignment, probe *scanBuf) {
	l := &b.loop
	n := &l.next
	*n = frameState{valid: true}
	bounds := b.out.Bounds()
	if a.primary >= 0 {
		e := &scene[a.primary]
		full := kms.Rect{W: uint32(bounds.Dx()), H: uint32(bounds.Dy())}
		n.primary = planeUse{fb: l.direct[e.Buffer].fb, client: e.Buffer, src: full, dst: full, surface: e.Surface}
	} else if probe != nil {
		n.sb = probe
		full := kms.Rect{W: uint32(b.chain.w), H: uint32(b.chain.h)}
		n.primary = planeUse{fb: probe.fb, src: full, dst: full}
	}
	for k, i := range a.ovl {
		if i < 0 {
			continue
		}
		e := &scene[i]
		vis := e.Dst.Intersect(bounds)
		src := vis.Sub(e.Dst.Min).Add(e.Src.Min)
		n.ovl[k] = planeUse{fb: l.direct[e.Buffer].fb, client: e.Buffer, surface: e.Surface,
			dst: kms.Rect{X: int32(vis.Min.X), Y: int32(vis.Min.Y), W: uint32(vis.Dx()), H: uint32(vis.Dy())},
			src: kms.Rect{X: int32(src.Min.X), Y: int32(src.Min.Y), W: uint32(src.Dx()), H: uint32(src.Dy())}}
	}
	if a.cursor >= 0 {
		e := &scene[a.cursor]
		cb := b.cursorImage(e)
		if cb == nil {
			// the copy failed (the client's memory went away): composite
			a.cursor = -1
			a.n--
		} else {
			sz := kms.Rect{W: uint32(b.curs.w), H: uint32(b.curs.h)}
			n.cb, n.hot = cb, e.Hotspot
			n.cur = planeUse{fb: cb.fb, src: sz, surface: e.Surface,
				dst: kms.Rect{X: int32(e.Dst.Min.X), Y: int32(e.Dst.Min.Y), W: sz.W, H: sz.H}}
		}
	}
}

// testOnly checks l.next with a TEST_ONLY commit.
func (b *Backend) testOnly(a *assignment) error {
	l := &b.loop
	if f := b.opts.Faults; f != nil && f.TestOnly != nil {
		u := PlaneUse{Primary: a.primary >= 0, Cursor: a.cursor >= 0}
		for _, i := range a.ovl {
			if i >= 0 {
				u.Overlays++
			}
		}
		if err := f.TestOnly(u); err != nil {
			return err
		}
	}
	l.req.Reset()
	b.setPlanes(l.req, b.crtc, &l.next, &l.shown)
	return l.req.Commit(kms.AtomicTestOnly, 0)
}

// setPlanes adds state s to req on crtc: every plane s uses, and the
// disabling of those prev used that s does not (prev may be nil: then
// every unused overlay and the cursor plane are disabled).
func (b *Backend) setPlanes(req *kms.AtomicRequest, crtc uint32, s, prev *frameState) {
	set := func(hp *hwPlane, u *planeUse, was bool) {
		switch {
		case u.on():
			req.SetPlane(hp.p.ID, crtc, u.fb, u.dst, u.src)
			if hp.setZ {
				req.Set(hp.p.ID, "zpos", uint64(hp.zpos))
			}
		case was:
			req.DisablePlane(hp.p.ID)
		}
	}
	set(&b.prim, &s.primary, false)
	for k := range b.overlays {
		set(&b.overlays[k], &s.ovl[k], prev == nil || prev.ovl[k].on())
	}
	if b.cursor != nil {
		set(&b.cur, &s.cur, prev == nil || prev.cur.on())
		if s.cur.on() && b.cur.hot {
			req.Set(b.cursor.ID, "HOTSPOT_X", uint64(int64(s.hot.X))).Set(b.cursor.ID, "HOTSPOT_Y", uint64(int64(s.hot.Y)))
		}
	}
}

// PlaneUse describes a plane configuration for Faults.TestOnly.
type PlaneUse struct {
	Primary  bool // a client buffer on the primary plane
	Overlays int  // overlay planes showing client buffers
	Cursor   bool // the cursor plane shows the cursor
}

// planeReport is the startup report's lines about the overlay and
// cursor planes.
func (b *Backend) planeReport() []string {
	var out []string
	if n := len(b.overlays); n > 0 {
		order := "stacked by zpos"
		if b.overlays[0].p.Zpos == nil {
			order = "no zpos property: stacked above the primary in plane order"
		}
		out = append(out, fmt.Sprintf("overlay planes: %d (%s; %s): a client dma-buf drawn 1:1 with nothing composited above it goes on one when the plane lists its format and TEST_ONLY accepts it",
			n, overlayIDs(b.overlays), order))
	} else {
		out = append(out, "overlay planes: none on this CRTC; client buffers smaller than the output are composited")
	}
	out = append(out, b.planeNotes...)
	switch {
	case b.cursor == nil:
		out = append(out, "cursor: no cursor plane on this CRTC (virtualised drivers such as virtio-gpu show theirs only to clients with CURSOR_PLANE_HOTSPOT, and this one did not grant it); the cursor is composited")
	case b.cursorNote != "":
		out = append(out, b.cursorNote)
	}
	return out
}

func overlayIDs(ps []hwPlane) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprint(p.p.ID)
	}
	return s
}
