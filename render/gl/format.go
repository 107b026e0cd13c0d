//go:build gl && egl && cgo

package gl

import (
	"fmt"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render"
)

// layout of the 32-bit formats in memory: bgr when bytes are B,G,R,A
// (ARGB8888, XRGB8888), else R,G,B,A (ABGR8888, XBGR8888).
type layout struct{ bgr, alpha bool }

func layoutOf(f allocator.Format) (layout, bool) {
	switch f {
	case allocator.ARGB8888:
		return layout{true, true}, true
	case allocator.XRGB8888:
		return layout{true, false}, true
	case allocator.ABGR8888:
		return layout{false, true}, true
	case allocator.XBGR8888:
		return layout{false, false}, true
	}
	return layout{}, false
}

func checkImage(m *render.Image) error {
	if m == nil {
		return fmt.Errorf("render/gl: no image: %w", render.ErrBadRect)
	}
	if _, ok := layoutOf(m.Format); !ok {
		return fmt.Errorf("render/gl: image format %v: %w (have %v)", m.Format, render.ErrUnsupportedFormat, render.MemoryFormats())
	}
	if m.Width <= 0 || m.Height <= 0 || m.Stride < m.Width*4 || m.Stride%4 != 0 || len(m.Pix) < (m.Height-1)*m.Stride+m.Width*4 {
		return fmt.Errorf("render/gl: image %dx%d stride %d with %d bytes: %w", m.Width, m.Height, m.Stride, len(m.Pix), render.ErrBadRect)
	}
	return nil
}

// convert copies src into dst at (0,0), converting channel order; X
// destinations or sources get alpha 0xff.
func convert(src, dst *render.Image) error {
	sl, _ := layoutOf(src.Format)
	dl, _ := layoutOf(dst.Format)
	for y := 0; y < src.Height; y++ {
		s := src.Pix[y*src.Stride : y*src.Stride+src.Width*4]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+src.Width*4]
		for x := 0; x < len(s); x += 4 {
			r, g, b, a := s[x], s[x+1], s[x+2], s[x+3]
			if sl.bgr {
				r, b = b, r
			}
			if !sl.alpha || !dl.alpha {
				a = 0xff
			}
			if dl.bgr {
				r, b = b, r
			}
			d[x], d[x+1], d[x+2], d[x+3] = r, g, b, a
		}
	}
	return nil
}
