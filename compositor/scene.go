package compositor

import (
	"image"

	"github.com/go-scanout/scanout/protocol"
)

// Element is one drawn item of an output's scene, bottom first: what a
// backend needs to decide which surfaces go on hardware planes (see
// Output.Scene and Output.Offload).
type Element struct {
	Surface *protocol.Surface
	Buffer  *protocol.Buffer
	Src     image.Rectangle // buffer pixels sampled
	Dst     image.Rectangle // output pixels covered (may extend past the output bounds)
	Exact   bool            // no scale, no transform, no crop: Src and Dst have the same size
	Opaque  bool            // the buffer format has no alpha
	Cursor  bool            // the pointer's cursor image (always the topmost element)
	Hotspot image.Point     // cursor only: hotspot in surface pixels (Dst.Min = pointer - Hotspot)
}

// MaxOffload is the most surfaces Output.Offload takes (more are
// ignored).
const MaxOffload = 8

func (p *placement) element() Element {
	return Element{
		Surface: p.s, Buffer: p.buf, Src: p.src, Dst: p.dst,
		Exact:   p.exact,
		Opaque:  !p.buf.Format().HasAlpha(),
		Cursor:  p.cursor,
		Hotspot: p.hotspot,
	}
}

// Scene appends the output's current scene, bottom first, to dst and
// returns it: the shown toplevel, its subsurfaces in order, its popups
// (each with its own subsurfaces), and last the pointer's cursor when one
// is shown on this output. It allocates nothing when cap(dst) suffices
// (maxPlacements+1 always does). Lock held.
func (o *Output) Scene(dst []Element) []Element {
	for i := range o.scene {
		dst = append(dst, o.scene[i].element())
	}
	if o.cursorOn {
		dst = append(dst, o.cursor.element())
	}
	return dst
}

// Offload tells the output which surfaces the backend shows on hardware
// planes from the next Render on: Render neither draws them nor lets
// their commits (or moves) damage the composited buffer. Their commits
// still make NeedsFrame true, because the plane needs the new buffer. A
// surface entering or leaving the set damages its Dst so that the
// composited buffer stays right. Calling Offload with nothing composites
// everything again. At most MaxOffload surfaces are taken; the call
// allocates nothing. Lock held.
func (o *Output) Offload(surfaces ...*protocol.Surface) {
	if len(surfaces) > MaxOffload {
		surfaces = surfaces[:MaxOffload]
	}
	for _, s := range o.offload[:o.nOffload] {
		if !containsSurface(surfaces, s) {
			o.damageSurface(s)
		}
	}
	for _, s := range surfaces {
		if s != nil && !o.offloaded(s) {
			o.damageSurface(s)
		}
	}
	o.nOffload = 0
	for _, s := range surfaces {
		if s != nil && !containsSurface(o.offload[:o.nOffload], s) {
			o.offload[o.nOffload] = s
			o.nOffload++
		}
	}
	clear(o.offload[o.nOffload:])
}

// Offloaded returns the surfaces given to Offload (valid until the next
// call). Lock held.
func (o *Output) Offloaded() []*protocol.Surface { return o.offload[:o.nOffload] }

func containsSurface(list []*protocol.Surface, s *protocol.Surface) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// offloaded reports whether s is shown on a plane, not composited.
func (o *Output) offloaded(s *protocol.Surface) bool {
	if o.nOffload == 0 || s == nil {
		return false
	}
	return containsSurface(o.offload[:o.nOffload], s)
}

// damageSurface damages the rectangle s covers on this output (the
// cursor included).
func (o *Output) damageSurface(s *protocol.Surface) {
	hit := false
	for i := range o.scene {
		if o.scene[i].s == s {
			o.pending.Add(o.scene[i].dst.Intersect(o.bounds))
			hit = true
		}
	}
	if o.cursorOn && o.cursor.s == s {
		o.pending.Add(o.cursor.dst.Intersect(o.bounds))
		hit = true
	}
	if hit {
		o.kick()
	}
}

// dropOffload forgets a destroyed surface.
func (o *Output) dropOffload(s *protocol.Surface) {
	for i, x := range o.offload[:o.nOffload] {
		if x == s {
			copy(o.offload[i:], o.offload[i+1:o.nOffload])
			o.nOffload--
			o.offload[o.nOffload] = nil
			return
		}
	}
}
