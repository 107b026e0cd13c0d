package render

import (
	"fmt"
	"github.com/go-scanout/scanout/allocator"
	"image"
	"math"
	"time"
)

// cpuRenderer is the CPU path of Renderer.
type cpuRenderer struct {
	target   Target
	damage   []image.Rectangle
	begun    bool
	closed   bool
	finished *Target // last finished target, for ReadPixels
	clip     []image.Rectangle
}

// NewCPU returns the CPU renderer. It draws into memory targets and, by
// mapping them with DMA_BUF_IOCTL_SYNC brackets, into dma-buf targets; it
// reads shm and dma-buf sources the same way. It never fails to start.
func NewCPU() Renderer {
	return &cpuRenderer{damage: make([]image.Rectangle, 0, 16), clip: make([]image.Rectangle, 0, 16)}
}

func (c *cpuRenderer) Name() string { return "cpu" }

func (c *cpuRenderer) Caps() Caps {
	fs := allocator.NewFormatSet(MemoryFormats(), cpuModifiers()...)
	return Caps{Renderer: "cpu", DMABufImport: true, Formats: fs, RenderFormats: fs.Clone(), ShmFormats: MemoryFormats()}
}

func (c *cpuRenderer) Begin(t *Target, damage []image.Rectangle) error {
	if c.closed {
		return ErrClosed
	}
	c.begun = false
	var b image.Rectangle
	err := withPixels(t, true, func(img *Image) error { b = img.Bounds(); return nil })
	if err != nil {
		return fmt.Errorf("render/cpu: bind target: %w", err)
	}
	c.target = *t
	c.damage = clipDamage(c.damage[:0], damage, b)
	c.begun = true
	return nil
}

// clipDamage appends damage clipped to b to dst; nil damage means b.
func clipDamage(dst, damage []image.Rectangle, b image.Rectangle) []image.Rectangle {
	if damage == nil {
		return append(dst, b)
	}
	for _, r := range damage {
		if r = r.Intersect(b); !r.Empty() {
			dst = append(dst, r)
		}
	}
	return dst
}

func (c *cpuRenderer) Clear(col Color) error {
	if !c.begun {
		return ErrNotBegun
	}
	return withPixels(&c.target, true, func(dst *Image) error {
		fill(dst, col, c.damage)
		return nil
	})
}

func fill(dst *Image, col Color, rects []image.Rectangle) {
	l, _ := layoutOf(dst.Format)
	var px [4]byte
	px[l.r], px[l.g], px[l.b], px[l.a] = unit(col.R), unit(col.G), unit(col.B), unit(col.A)
	if !l.alpha {
		px[l.a] = 0xff
	}
	for _, r := range rects {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := dst.Pix[y*dst.Stride+r.Min.X*4 : y*dst.Stride+r.Max.X*4]
			for i := 0; i < len(row); i += 4 {
				copy(row[i:i+4], px[:])
			}
		}
	}
}

func unit(v float32) byte {
	switch {
	case v <= 0:
		return 0
	case v >= 1:
		return 255
	}
	return byte(v*255 + 0.5)
}

func (c *cpuRenderer) Draw(src *Source, q *Quad) error {
	if !c.begun {
		return ErrNotBegun
	}
	if q.Dst.Empty() || q.Opacity <= 0 {
		return nil
	}
	c.clip = c.clip[:0]
	for _, r := range c.damage {
		if r = r.Intersect(q.Dst); !r.Empty() {
			c.clip = append(c.clip, r)
		}
	}
	if len(c.clip) == 0 {
		return nil
	}
	st := Target{Key: src.Key, DMABuf: src.DMABuf, Image: src.Image}
	return withPixels(&st, false, func(img *Image) error {
		sr := q.Src
		if sr.Empty() {
			sr = img.Bounds()
		}
		if !sr.In(img.Bounds()) {
			return fmt.Errorf("render/cpu: source rectangle %v outside buffer %v: %w", sr, img.Bounds(), ErrBadRect)
		}
		return withPixels(&c.target, true, func(dst *Image) error {
			composite(dst, img, sr, q, c.clip)
			return nil
		})
	})
}

// composite is the reference kernel both paths are held to: for every
// target pixel centre in clip, find the source point through the inverse
// transform, sample it (nearest or bilinear, clamped to sr), multiply by
// opacity and blend premultiplied OVER (or SRC).
func composite(dst, src *Image, sr image.Rectangle, q *Quad, clip []image.Rectangle) {
	dl, _ := layoutOf(dst.Format)
	sl, _ := layoutOf(src.Format)
	op := float32(math.Min(float64(q.Opacity), 1))
	replace := q.Opaque || (!sl.alpha && op >= 1)
	inv := q.Transform.Inverse()
	dw, dh := float64(q.Dst.Dx()), float64(q.Dst.Dy())
	sw, sh := float64(sr.Dx()), float64(sr.Dy())
	fetch := func(x, y int) (r, g, b, a float32) {
		o := y*src.Stride + x*4
		p := src.Pix[o : o+4 : o+4]
		r, g, b = float32(p[sl.r])/255, float32(p[sl.g])/255, float32(p[sl.b])/255
		a = 1
		if sl.alpha {
			a = float32(p[sl.a]) / 255
		}
		return
	}
	clampi := func(v, lo, hi int) int {
		if v < lo {
			return lo
		}
		if v > hi {
			return hi
		}
		return v
	}
	for _, cr := range clip {
		for y := cr.Min.Y; y < cr.Max.Y; y++ {
			ny := (float64(y) + 0.5 - float64(q.Dst.Min.Y)) / dh
			for x := cr.Min.X; x < cr.Max.X; x++ {
				nx := (float64(x) + 0.5 - float64(q.Dst.Min.X)) / dw
				u, v := inv.Map(nx, ny)
				sx := float64(sr.Min.X) + u*sw
				sy := float64(sr.Min.Y) + v*sh
				var r, g, b, a float32
				if q.Filter == Nearest {
					ix := clampi(int(math.Floor(sx)), sr.Min.X, sr.Max.X-1)
					iy := clampi(int(math.Floor(sy)), sr.Min.Y, sr.Max.Y-1)
					r, g, b, a = fetch(ix, iy)
				} else {
					fx, fy := sx-0.5, sy-0.5
					x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
					ax, ay := float32(fx-float64(x0)), float32(fy-float64(y0))
					x1, y1 := clampi(x0+1, sr.Min.X, sr.Max.X-1), clampi(y0+1, sr.Min.Y, sr.Max.Y-1)
					x0, y0 = clampi(x0, sr.Min.X, sr.Max.X-1), clampi(y0, sr.Min.Y, sr.Max.Y-1)
					r00, g00, b00, a00 := fetch(x0, y0)
					r10, g10, b10, a10 := fetch(x1, y0)
					r01, g01, b01, a01 := fetch(x0, y1)
					r11, g11, b11, a11 := fetch(x1, y1)
					lerp2 := func(v00, v10, v01, v11 float32) float32 {
						top := v00 + (v10-v00)*ax
						bot := v01 + (v11-v01)*ax
						return top + (bot-top)*ay
					}
					r, g, b, a = lerp2(r00, r10, r01, r11), lerp2(g00, g10, g01, g11), lerp2(b00, b10, b01, b11), lerp2(a00, a10, a01, a11)
				}
				r, g, b, a = r*op, g*op, b*op, a*op
				o := y*dst.Stride + x*4
				p := dst.Pix[o : o+4 : o+4]
				if !replace {
					k := 1 - a
					r += float32(p[dl.r]) / 255 * k
					g += float32(p[dl.g]) / 255 * k
					b += float32(p[dl.b]) / 255 * k
					da := float32(1)
					if dl.alpha {
						da = float32(p[dl.a]) / 255
					}
					a += da * k
				}
				p[dl.r], p[dl.g], p[dl.b] = unit(r), unit(g), unit(b)
				if dl.alpha {
					p[dl.a] = unit(a)
				} else {
					p[dl.a] = 0xff
				}
			}
		}
	}
}

func (c *cpuRenderer) Finish() (Sync, error) {
	if !c.begun {
		return nil, ErrNotBegun
	}
	t := c.target
	c.finished = &t
	c.begun = false
	return doneSync{}, nil
}

type doneSync struct{}

func (doneSync) Wait(time.Duration) error { return nil }

func (c *cpuRenderer) ReadPixels(r image.Rectangle, dst *Image) error {
	if c.finished == nil {
		return fmt.Errorf("render/cpu: read pixels: %w", ErrNotBegun)
	}
	return withPixels(c.finished, false, func(src *Image) error { return readImage(src, r, dst) })
}

// readImage copies r of src into dst at (0,0), converting formats.
func readImage(src *Image, r image.Rectangle, dst *Image) error {
	if err := dst.check("read pixels destination"); err != nil {
		return err
	}
	if !r.In(src.Bounds()) || r.Empty() {
		return fmt.Errorf("render: read pixels %v of %v: %w", r, src.Bounds(), ErrBadRect)
	}
	if r.Dx() > dst.Width || r.Dy() > dst.Height {
		return fmt.Errorf("render: read pixels %v into %dx%d: %w", r, dst.Width, dst.Height, ErrBadRect)
	}
	sl, _ := layoutOf(src.Format)
	dl, _ := layoutOf(dst.Format)
	for y := 0; y < r.Dy(); y++ {
		so := (r.Min.Y+y)*src.Stride + r.Min.X*4
		do := y * dst.Stride
		for x := 0; x < r.Dx(); x++ {
			s := src.Pix[so+x*4 : so+x*4+4 : so+x*4+4]
			d := dst.Pix[do+x*4 : do+x*4+4 : do+x*4+4]
			d[dl.r], d[dl.g], d[dl.b] = s[sl.r], s[sl.g], s[sl.b]
			if sl.alpha && dl.alpha {
				d[dl.a] = s[sl.a]
			} else {
				d[dl.a] = 0xff
			}
		}
	}
	return nil
}

// Forget has nothing to drop: the CPU path caches no per-buffer state
// (allocator.Buffer keeps its own mapping).
func (c *cpuRenderer) Forget(key uint64) {}

func (c *cpuRenderer) Close() error {
	c.closed = true
	c.begun = false
	c.finished = nil
	return nil
}
