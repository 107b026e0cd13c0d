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

// SourceFormats are the formats the CPU path reads from memory and
// dma-bufs: MemoryFormats and NV12 (two planes). The GL path reads them
// too (NV12 shm through a CPU conversion).
func SourceFormats() []allocator.Format {
	return append(MemoryFormats(), allocator.NV12)
}

// check validates an image's geometry against its pixel slices. NV12 is
// accepted only when source is true.
func (m *Image) check(what string, source bool) error {
	if m == nil {
		return fmt.Errorf("render: %s: no image", what)
	}
	if m.Width <= 0 || m.Height <= 0 {
		return fmt.Errorf("render: %s: %dx%d: %w", what, m.Width, m.Height, ErrBadRect)
	}
	if m.Format == allocator.NV12 && source {
		cw, ch := (m.Width+1)/2, (m.Height+1)/2
		if m.Stride < m.Width || len(m.Pix) < (m.Height-1)*m.Stride+m.Width ||
			m.UVStride < cw*2 || len(m.UV) < (ch-1)*m.UVStride+cw*2 {
			return fmt.Errorf("render: %s: NV12 %dx%d with strides %d/%d and %d/%d bytes: %w", what, m.Width, m.Height, m.Stride, m.UVStride, len(m.Pix), len(m.UV), ErrBadRect)
		}
		return nil
	}
	if _, ok := layoutOf(m.Format); !ok {
		have := MemoryFormats()
		if source {
			have = SourceFormats()
		}
		return fmt.Errorf("render: %s: format %v: %w (have %v)", what, m.Format, ErrUnsupportedFormat, have)
	}
	if m.Stride < m.Width*4 {
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
