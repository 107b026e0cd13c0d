package compositor

import "image"

// MaxDamageRects bounds the rectangles kept for one frame's damage; more
// collapse into their bounding box, so a damage storm costs no memory.
const MaxDamageRects = 16

// MaxAge is the oldest buffer age Render repaints incrementally; older
// buffers (and age 0, unknown contents) are repainted whole.
const MaxAge = 4

// Damage is a bounded set of rectangles. The zero value is empty. It never
// allocates.
type Damage struct {
	n int
	r [MaxDamageRects]image.Rectangle
}

// Add adds r (ignored when empty).
func (d *Damage) Add(r image.Rectangle) {
	if r.Empty() {
		return
	}
	for i := 0; i < d.n; i++ {
		if r.In(d.r[i]) {
			return
		}
		if d.r[i].In(r) {
			d.r[i] = r
			return
		}
	}
	if d.n == MaxDamageRects {
		u := d.r[0]
		for _, x := range d.r[1:d.n] {
			u = u.Union(x)
		}
		d.r[0], d.n = u.Union(r), 1
		return
	}
	d.r[d.n] = r
	d.n++
}

// AddAll adds every rectangle of o.
func (d *Damage) AddAll(o *Damage) {
	for _, r := range o.r[:o.n] {
		d.Add(r)
	}
}

// Rects returns the rectangles (valid until the next change).
func (d *Damage) Rects() []image.Rectangle { return d.r[:d.n] }

// Empty reports whether nothing is damaged.
func (d *Damage) Empty() bool { return d.n == 0 }

// Reset empties the set.
func (d *Damage) Reset() { d.n = 0 }

// Area returns the number of pixels covered, counting overlaps once per
// rectangle (an upper bound).
func (d *Damage) Area() int {
	a := 0
	for _, r := range d.r[:d.n] {
		a += r.Dx() * r.Dy()
	}
	return a
}

// Bounds returns the bounding box.
func (d *Damage) Bounds() image.Rectangle {
	var u image.Rectangle
	for _, r := range d.r[:d.n] {
		u = u.Union(r)
	}
	return u
}
