package render

import (
	"fmt"
	"image"
	"time"

	"github.com/go-scanout/scanout/allocator"
)

var argb8888 = allocator.ARGB8888

const probeTimeout = 5 * time.Second

func rect(x0, y0, x1, y1 int) image.Rectangle { return image.Rect(x0, y0, x1, y1) }

// NewImage allocates a zeroed w x h image of a 32-bit format.
func NewImage(f allocator.Format, w, h int) *Image {
	return &Image{Format: f, Width: w, Height: h, Stride: w * 4, Pix: make([]byte, w*h*4)}
}

// layout is how a 32-bit format stores a pixel: byte offsets of R, G, B, A
// in little-endian memory, and whether A is meaningful.
type layout struct {
	r, g, b, a int
	alpha      bool
}

// layoutOf returns the byte layout of the 32-bit RGB formats both paths
// read and write.
func layoutOf(f allocator.Format) (layout, bool) {
	switch f {
	case allocator.ARGB8888:
		return layout{2, 1, 0, 3, true}, true
	case allocator.XRGB8888:
		return layout{2, 1, 0, 3, false}, true
	case allocator.ABGR8888:
		return layout{0, 1, 2, 3, true}, true
	case allocator.XBGR8888:
		return layout{0, 1, 2, 3, false}, true
	}
	return layout{}, false
}

// MemoryFormats are the formats both renderers read from and render into
// memory and dma-bufs: 32-bit RGB with or without alpha.
func MemoryFormats() []allocator.Format {
	return []allocator.Format{allocator.ARGB8888, allocator.XRGB8888, allocator.ABGR8888, allocator.XBGR8888}
}

// check validates an image's geometry against its pixel slice.
func (m *Image) check(what string) error {
	if m == nil {
		return fmt.Errorf("render: %s: no image", what)
	}
	if _, ok := layoutOf(m.Format); !ok {
		return fmt.Errorf("render: %s: format %v: %w (have %v)", what, m.Format, ErrUnsupportedFormat, MemoryFormats())
	}
	if m.Width <= 0 || m.Height <= 0 || m.Stride < m.Width*4 {
		return fmt.Errorf("render: %s: %dx%d stride %d: %w", what, m.Width, m.Height, m.Stride, ErrBadRect)
	}
	if need := (m.Height-1)*m.Stride + m.Width*4; len(m.Pix) < need {
		return fmt.Errorf("render: %s: %dx%d stride %d needs %d bytes, have %d: %w", what, m.Width, m.Height, m.Stride, need, len(m.Pix), ErrBadRect)
	}
	return nil
}

// Inverse returns the transform that undoes t.
func (t Transform) Inverse() Transform {
	switch t {
	case Rotate90:
		return Rotate270
	case Rotate270:
		return Rotate90
	}
	return t // identity, 180 and every flipped variant are involutions
}
