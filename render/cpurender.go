package render

import (
	"errors"
	"fmt"
	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render/cpu"
	"image"
	"time"
)

// cpuRenderer is the CPU path of Renderer.
type cpuRenderer struct {
	target   Target
	damage   []image.Rectangle
	begun    bool
	closed   bool
	finished Target // last finished target, for ReadPixels
	haveLast bool
	clip     []image.Rectangle
	// Pixel descriptions of mapped dma-bufs, reused every frame.
	srcPix, dstPix Image
}

// NewCPU returns the CPU renderer. It draws into memory targets and, by
// mapping them with DMA_BUF_IOCTL_SYNC brackets, into dma-buf targets; it
// reads shm and dma-buf sources the same way. It never fails to start.
func NewCPU() Renderer {
	return &cpuRenderer{damage: make([]image.Rectangle, 0, 16), clip: make([]image.Rectangle, 0, 16)}
}

func (c *cpuRenderer) Name() string { return "cpu" }

func (c *cpuRenderer) Caps() Caps {
	return Caps{Renderer: "cpu", DMABufImport: true,
		Formats:       allocator.NewFormatSet(SourceFormats(), cpuModifiers()...),
		RenderFormats: allocator.NewFormatSet(MemoryFormats(), cpuModifiers()...),
		ShmFormats:    SourceFormats()}
}

func (c *cpuRenderer) Begin(t *Target, damage []image.Rectangle) error {
	if c.closed {
		return ErrClosed
	}
	c.begun = false
	var b image.Rectangle
	err := withPixels(t, true, &c.dstPix, func(img *Image) error { b = img.Bounds(); return nil })
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
	if len(c.damage) == 0 {
		return nil // all damage outside the target
	}
	return withPixels(&c.target, true, &c.dstPix, func(dst *Image) error {
		pc := cpu.Color(uint32(unit(col.A))<<24 | uint32(unit(col.R))<<16 | uint32(unit(col.G))<<8 | uint32(unit(col.B)))
		d := cpuImage(dst)
		return wrapCPU(cpu.Fill(&d, dst.Bounds(), pc, cpu.Src, c.damage))
	})
}

// cpuImage views an Image as a render/cpu image.
func cpuImage(m *Image) cpu.Image {
	return cpu.Image{Format: m.Format, Width: m.Width, Height: m.Height, Stride: m.Stride, Pix: m.Pix, UVStride: m.UVStride, UV: m.UV}
}

// wrapCPU maps render/cpu's errors onto this package's sentinels.
func wrapCPU(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cpu.ErrFormat):
		return fmt.Errorf("%w: %w", ErrUnsupportedFormat, err)
	case errors.Is(err, cpu.ErrRect), errors.Is(err, cpu.ErrShort), errors.Is(err, cpu.ErrStride), errors.Is(err, cpu.ErrSize):
		return fmt.Errorf("%w: %w", ErrBadRect, err)
	}
	return err
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
	return withPixels(&st, false, &c.srcPix, func(img *Image) error {
		sr := q.Src
		if sr.Empty() {
			sr = img.Bounds()
		}
		if !sr.In(img.Bounds()) {
			return fmt.Errorf("render/cpu: source rectangle %v outside buffer %v: %w", sr, img.Bounds(), ErrBadRect)
		}
		op := cpu.Over
		if q.Opaque {
			op = cpu.Src
		}
		b := cpu.Blit{Op: op, Src: sr, Dst: q.Dst, Transform: cpu.Transform(q.Transform), Filter: q.Filter, Alpha: unit(q.Opacity)}
		s := cpuImage(img)
		return withPixels(&c.target, true, &c.dstPix, func(dst *Image) error {
			d := cpuImage(dst)
			return wrapCPU(cpu.Composite(&d, &s, &b, c.clip))
		})
	})
}

func (c *cpuRenderer) Finish() (Sync, error) {
	if !c.begun {
		return nil, ErrNotBegun
	}
	c.finished, c.haveLast = c.target, true
	c.begun = false
	return doneSync{}, nil
}

type doneSync struct{}

func (doneSync) Wait(time.Duration) error { return nil }

func (c *cpuRenderer) ReadPixels(r image.Rectangle, dst *Image) error {
	if !c.haveLast {
		return fmt.Errorf("render/cpu: read pixels: %w", ErrNotBegun)
	}
	return withPixels(&c.finished, false, &c.srcPix, func(src *Image) error { return readImage(src, r, dst) })
}

// readImage copies r of src into dst at (0,0), converting formats.
func readImage(src *Image, r image.Rectangle, dst *Image) error {
	if err := dst.check("read pixels destination", false); err != nil {
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
	c.finished, c.haveLast = Target{}, false
	return nil
}
