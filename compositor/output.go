package compositor

import (
	"fmt"
	"image"

	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
)

// OutputConfig describes an output: its name, mode and position.
type OutputConfig struct {
	Name        string // "HEADLESS-1", "Virtual-1"
	Description string
	Make, Model string
	Width       int
	Height      int
	// RefreshMilliHz is the refresh rate (60000 for 60 Hz); 0 means on
	// demand (announced to clients as 60 Hz).
	RefreshMilliHz int
	// PhysicalW and PhysicalH are millimetres, 0 when unknown.
	PhysicalW, PhysicalH int
}

// placement is one surface drawn on an output.
type placement struct {
	s         *protocol.Surface
	buf       *protocol.Buffer
	dst       image.Rectangle // output pixels
	src       image.Rectangle // buffer pixels
	transform render.Transform
	exact     bool // buffer pixels map 1:1 onto dst (damage translates)
	scale     int
	cursor    bool        // the pointer's cursor image
	hotspot   image.Point // cursor only
}

// maxPlacements bounds the surfaces drawn per output (a toplevel and its
// subsurfaces); deeper trees are cut.
const maxPlacements = 32

// Output is one output's scene, damage and frame state. Its methods must
// be called with the compositor's lock held.
type Output struct {
	c      *Compositor
	cfg    OutputConfig
	proto  *protocol.Output
	bounds image.Rectangle

	scene, prev []placement
	pending     Damage         // damage since the last frame
	history     [MaxAge]Damage // history[0]: damage of the last frame
	frame       Damage         // scratch: the damage Render repaints
	needFrame   bool
	wake        func()
	full        bool // everything damaged (age-independent)

	offload  [MaxOffload]*protocol.Surface // shown on planes by the backend
	nOffload int
	cursor   placement // the pointer's cursor, when cursorOn
	cursorOn bool
}

// AddOutput adds an output and announces it to clients (wl_output). Call
// it with the lock held (or before Listen).
func (c *Compositor) AddOutput(cfg OutputConfig) *Output {
	refresh := cfg.RefreshMilliHz
	if refresh <= 0 {
		refresh = 60000
	}
	o := &Output{
		c: c, cfg: cfg,
		bounds: image.Rect(0, 0, cfg.Width, cfg.Height),
		scene:  make([]placement, 0, maxPlacements),
		prev:   make([]placement, 0, maxPlacements),
	}
	o.proto = c.srv.AddOutput(protocol.OutputConfig{
		Name: cfg.Name, Description: cfg.Description, Make: cfg.Make, Model: cfg.Model,
		Width: int32(cfg.Width), Height: int32(cfg.Height), RefreshMilliHz: int32(refresh),
		PhysicalW: int32(cfg.PhysicalW), PhysicalH: int32(cfg.PhysicalH),
	})
	c.outputs = append(c.outputs, o)
	o.damageAll()
	o.rebuild(nil)
	return o
}

// RemoveOutput removes o (its wl_output global goes away).
func (c *Compositor) RemoveOutput(o *Output) {
	for i, x := range c.outputs {
		if x == o {
			c.outputs = append(c.outputs[:i], c.outputs[i+1:]...)
			break
		}
	}
	o.proto.Remove()
	if c.in.out == o {
		c.in.out = nil
		c.srv.SetPointerFocus(nil, 0, 0)
		c.updateCursor()
	}
	for i := range c.in.touchOut {
		if c.in.touchOut[i].out == o {
			c.in.touchOut[i] = touchSlot{}
		}
	}
}

// Config returns the output's configuration.
func (o *Output) Config() OutputConfig { return o.cfg }

// Protocol returns the protocol side of the output.
func (o *Output) Protocol() *protocol.Output { return o.proto }

// Bounds returns the output rectangle in its own pixels.
func (o *Output) Bounds() image.Rectangle { return o.bounds }

// SetWake installs the function called (with the lock held, so it must
// not block) when the output needs a frame: new damage or a client
// waiting for a frame callback. Backends rendering on demand use it to
// schedule a frame; a fixed frame clock can ignore it.
func (o *Output) SetWake(f func()) { o.wake = f }

// NeedsFrame reports whether a frame should be produced: there is damage,
// or clients committed since the last frame (they wait for frame
// callbacks).
func (o *Output) NeedsFrame() bool { return o.needFrame || !o.pending.Empty() || o.full }

// Damaged reports whether anything must be redrawn.
func (o *Output) Damaged() bool { return !o.pending.Empty() || o.full }

// AddDamage damages r (output pixels) and schedules a frame, for
// backends and tools that change what is shown outside the clients
// (overlays, tests).
func (o *Output) AddDamage(r image.Rectangle) {
	o.pending.Add(r.Intersect(o.bounds))
	o.kick()
}

// DamageAll marks the whole output damaged (after a modeset, or when
// the target contents are unknown).
func (o *Output) DamageAll() { o.damageAll(); o.kick() }

func (o *Output) damageAll() { o.full = true }

func (o *Output) kick() {
	if o.wake != nil {
		o.wake()
	}
}

// rebuild recomputes the scene and damages the rectangles of surfaces that
// appeared, disappeared, moved or resized. If x is not nil and kept its
// place, its commit damage (surface and buffer coordinates) is added.
func (o *Output) rebuild(x *protocol.Surface, damage ...[]protocol.Rect) {
	o.prev, o.scene = o.scene, o.prev[:0]
	if t := o.c.Toplevel(); t != nil {
		w, h := t.Size()
		pos := image.Pt((o.cfg.Width-int(w))/2, (o.cfg.Height-int(h))/2)
		o.place(t, pos, 0)
		// popups above, each relative to its parent's window geometry
		for _, pu := range o.c.popups {
			parent := pu.PopupParent()
			pp := o.placementOf(parent)
			if pp == nil || rootOf(pu) != t {
				continue
			}
			pg, g := parent.WindowGeometry(), pu.WindowGeometry()
			px, py := pu.PopupPosition()
			o.place(pu, pp.dst.Min.Add(image.Pt(int(pg.X+px-g.X), int(pg.Y+py-g.Y))), 0)
		}
	}
	for _, p := range o.scene {
		if o.offloaded(p.s) {
			continue // on a plane: the composited buffer does not change
		}
		old, ok := findPlacement(o.prev, p.s)
		if !ok || old.dst != p.dst || old.buf != p.buf && !sameSize(old.buf, p.buf) || old.src != p.src || old.transform != p.transform {
			if ok {
				o.pending.Add(old.dst.Intersect(o.bounds))
			}
			o.pending.Add(p.dst.Intersect(o.bounds))
			continue
		}
		if p.s == x && len(damage) == 2 {
			o.addCommitDamage(&p, damage[0], damage[1])
		}
	}
	for _, p := range o.prev {
		if o.offloaded(p.s) {
			continue
		}
		if _, ok := findPlacement(o.scene, p.s); !ok {
			o.pending.Add(p.dst.Intersect(o.bounds))
		}
	}
}

func sameSize(a, b *protocol.Buffer) bool {
	if a == nil || b == nil {
		return a == b
	}
	aw, ah := a.Size()
	bw, bh := b.Size()
	return aw == bw && ah == bh
}

func findPlacement(list []placement, s *protocol.Surface) (placement, bool) {
	for _, p := range list {
		if p.s == s {
			return p, true
		}
	}
	return placement{}, false
}

// place adds s and its subsurfaces at pos (output pixels).
func (o *Output) place(s *protocol.Surface, pos image.Point, depth int) {
	if len(o.scene) == cap(o.scene) || depth > 8 {
		return
	}
	if p, ok := makePlacement(s, pos); ok {
		o.scene = append(o.scene, p)
	}
	for i := range s.NumSubsurfaces() {
		c := s.Subsurface(i)
		x, y := c.Position()
		o.place(c, pos.Add(image.Pt(int(x), int(y))), depth+1)
	}
}

// addCommitDamage turns a surface's commit damage into output damage.
func (o *Output) addCommitDamage(p *placement, sd, bd []protocol.Rect) {
	for _, r := range sd {
		o.pending.Add(rect(r).Add(p.dst.Min).Intersect(p.dst).Intersect(o.bounds))
	}
	if len(bd) == 0 {
		return
	}
	if !p.exact {
		// scaled, rotated or cropped: damage the whole surface
		o.pending.Add(p.dst.Intersect(o.bounds))
		return
	}
	for _, r := range bd {
		o.pending.Add(rect(r).Add(p.dst.Min).Intersect(p.dst).Intersect(o.bounds))
	}
}

func rect(r protocol.Rect) image.Rectangle {
	return image.Rect(int(r.X), int(r.Y), int(r.X)+int(r.W), int(r.Y)+int(r.H))
}

func (o *Output) surfaceCommitted(x *protocol.Surface, sd, bd []protocol.Rect) {
	o.needFrame = true
	o.rebuild(x, sd, bd)
	o.kick()
}

func (o *Output) surfaceGone(x *protocol.Surface) {
	o.dropOffload(x)
	if _, ok := findPlacement(o.scene, x); ok {
		o.rebuild(nil)
		o.kick()
	}
}

// ScanoutCandidate returns the client buffer that alone covers the whole
// output pixel for pixel (one opaque-by-placement surface, no scaling, no
// transform, no subsurfaces), which a backend may try to scan out
// directly instead of compositing; nil otherwise (also while a cursor is
// shown that is not offloaded to a plane).
func (o *Output) ScanoutCandidate() *protocol.Buffer {
	if len(o.scene) != 1 || o.cursorOn && !o.offloaded(o.cursor.s) {
		return nil // a composited cursor must be drawn over the buffer
	}
	p := &o.scene[0]
	if !p.exact || p.dst != o.bounds || p.src != o.bounds {
		return nil
	}
	return p.buf
}

// FrameResult says what Render did.
type FrameResult struct {
	// Drawn is false when nothing needed repainting (the target is
	// unchanged and need not be presented).
	Drawn bool
	// Damage is what was repainted, in output pixels (valid until the
	// next Render).
	Damage []image.Rectangle
	// BytesCopied is what Draw wrote into the target.
	BytesCopied int
}

// Render repaints the damaged part of the scene into target with r. age
// is the target's buffer age: 1 if it holds the previous frame, n if it
// was drawn n frames ago, 0 if its contents are unknown. The frame's
// damage moves into the history, so call Render (or Skip) exactly once
// per frame.
func (o *Output) Render(r render.Renderer, target *render.Target, age int) (FrameResult, error) {
	o.Latch()
	d := &o.frame
	d.Reset()
	if o.full || age < 1 || age > MaxAge {
		d.Add(o.bounds)
	} else {
		d.AddAll(&o.pending)
		for i := 0; i < age-1; i++ {
			d.AddAll(&o.history[i])
		}
	}
	o.push()
	if d.Empty() {
		return FrameResult{}, nil
	}
	o.c.noteRenderer(r)
	res := FrameResult{Drawn: true, Damage: d.Rects()}
	if err := r.Begin(target, d.Rects()); err != nil {
		o.full = true
		return res, fmt.Errorf("compositor: output %s: %w", o.cfg.Name, err)
	}
	if !o.coveredOpaque() {
		if err := r.Clear(o.c.opts.Background); err != nil {
			o.full = true
			return res, fmt.Errorf("compositor: output %s: clear: %w", o.cfg.Name, err)
		}
	}
	for i := range o.scene {
		p := &o.scene[i]
		if o.offloaded(p.s) {
			continue
		}
		n, err := o.draw(r, p, d)
		res.BytesCopied += n
		if err != nil {
			o.full = true
			return res, fmt.Errorf("compositor: output %s: draw wl_surface@%d: %w", o.cfg.Name, p.s.ID(), err)
		}
	}
	if o.cursorOn && !o.offloaded(o.cursor.s) {
		n, err := o.draw(r, &o.cursor, d)
		res.BytesCopied += n
		if err != nil {
			o.full = true
			return res, fmt.Errorf("compositor: output %s: draw cursor wl_surface@%d: %w", o.cfg.Name, o.cursor.s.ID(), err)
		}
	}
	if _, err := r.Finish(); err != nil {
		o.full = true
		return res, fmt.Errorf("compositor: output %s: finish: %w", o.cfg.Name, err)
	}
	o.c.stats.Composited.Add(1)
	o.c.stats.BytesCopied.Add(uint64(res.BytesCopied))
	o.c.pruneKeys()
	return res, nil
}

// Skip ends a frame without rendering (the backend scanned out a client
// buffer directly, or had nothing to draw): the damage moves into the
// history so later buffer ages stay right.
func (o *Output) Skip() { o.Latch(); o.push() }

// Latch fixes the content of the frame being prepared: frame callbacks
// and presentation feedbacks committed so far complete at the next
// Presented, later ones at the frame after (protocol.Server.Latch).
// Render and Skip latch; a backend that prepares a frame without either
// (only a vblank to wait for, or only plane changes) calls Latch itself
// when it decides the frame. Lock held; allocation-free.
func (o *Output) Latch() { o.c.srv.Latch(o.proto) }

func (o *Output) push() {
	copy(o.history[1:], o.history[:MaxAge-1])
	o.history[0] = o.pending
	if o.full {
		o.history[0].Reset()
		o.history[0].Add(o.bounds)
	}
	o.pending.Reset()
	o.full = false
}

// coveredOpaque reports whether every damaged rectangle lies inside one
// surface drawn opaquely (a format without alpha), so clearing the
// background first would be overwritten anyway.
func (o *Output) coveredOpaque() bool {
	for _, r := range o.frame.Rects() {
		covered := false
		for i := range o.scene {
			p := &o.scene[i]
			if r.In(p.dst) && !p.buf.Format().HasAlpha() && !o.offloaded(p.s) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

func (o *Output) draw(r render.Renderer, p *placement, d *Damage) (int, error) {
	area := 0
	for _, x := range d.Rects() {
		area += x.Intersect(p.dst).Dx() * x.Intersect(p.dst).Dy()
	}
	if area == 0 {
		return 0, nil
	}
	k := o.c.key(p.buf, p.s)
	q := render.Quad{Src: p.src, Dst: p.dst, Transform: p.transform, Opacity: 1, Filter: render.Bilinear}
	if p.exact {
		q.Filter = render.Nearest
	}
	q.Opaque = !p.buf.Format().HasAlpha()
	if err := o.c.drawBuffer(r, k, p.buf, &q); err != nil {
		return 0, err
	}
	return area * 4, nil
}

// Presented completes the latched frame on this output: frame callbacks get done
// with p.Time and presentation feedbacks get presented. direct says the
// frame was a client buffer scanned out without copies.
func (o *Output) Presented(p protocol.Presentation, direct bool) {
	o.needFrame = false
	o.c.stats.Frames.Add(1)
	if direct {
		o.c.stats.DirectScanout.Add(1)
		p.Flags |= protocol.PresentZeroCopy
	}
	o.c.srv.FrameDone(o.proto, p.Time)
	o.c.srv.Presented(o.proto, p)
}
