package render

import (
	"fmt"

	"github.com/go-scanout/scanout/allocator"
)

// cpuModifiers are the layouts the CPU path reads and writes: linear only
// (the implicit modifier is accepted on single-plane buffers, as dumb
// buffers have it).
func cpuModifiers() []allocator.Modifier {
	return []allocator.Modifier{allocator.ModifierLinear}
}

// bufferImage checks that b is a linear buffer the CPU path can touch
// (single-plane MemoryFormats; NV12 with two planes as a source) and
// returns its Image geometry (pixels unset).
func bufferImage(b *allocator.Buffer, source bool) (Image, error) {
	if b.Modifier != allocator.ModifierLinear && b.Modifier != allocator.ModifierInvalid {
		return Image{}, fmt.Errorf("render/cpu: %v: %w (the CPU path needs LINEAR)", b, ErrUnsupportedFormat)
	}
	if b.Format == allocator.NV12 && source {
		if len(b.Planes) != 2 {
			return Image{}, fmt.Errorf("render/cpu: %v: %d planes, NV12 has 2: %w", b, len(b.Planes), ErrUnsupportedFormat)
		}
		return Image{Format: b.Format, Width: b.Width, Height: b.Height, Stride: int(b.Planes[0].Stride), UVStride: int(b.Planes[1].Stride)}, nil
	}
	if _, ok := layoutOf(b.Format); !ok {
		return Image{}, fmt.Errorf("render/cpu: %v: %w (the CPU path reads %v and writes %v)", b, ErrUnsupportedFormat, SourceFormats(), MemoryFormats())
	}
	if len(b.Planes) != 1 {
		return Image{}, fmt.Errorf("render/cpu: %v: %d planes: %w", b, len(b.Planes), ErrUnsupportedFormat)
	}
	return Image{Format: b.Format, Width: b.Width, Height: b.Height, Stride: int(b.Planes[0].Stride)}, nil
}

// withPixels runs fn on the pixels of t: its Image, or its buffer mapped
// through allocator.Buffer.Access (DMA_BUF_IOCTL_SYNC bracketed).
//
// scratch receives a dma-buf's pixel description: callers pass memory they
// own (a field of the renderer), so the frame path allocates nothing.
func withPixels(t *Target, write bool, scratch *Image, fn func(*Image) error) error {
	if t == nil || (t.Image == nil) == (t.DMABuf == nil) {
		return fmt.Errorf("render: exactly one of DMABuf and Image must be set: %w", ErrBadRect)
	}
	what := "source"
	if write {
		what = "target"
	}
	if t.Image != nil {
		if err := t.Image.check(what, !write); err != nil {
			return err
		}
		return fn(t.Image)
	}
	img, err := bufferImage(t.DMABuf, !write)
	if err != nil {
		return err
	}
	*scratch = img
	mode := allocator.AccessRead
	if write {
		mode = allocator.AccessReadWrite
	}
	return t.DMABuf.AccessPlanes(mode, func(planes [][]byte) error {
		scratch.Pix = planes[0]
		if len(planes) > 1 {
			scratch.UV = planes[1]
		}
		// Name the buffer only on failure: this runs every frame.
		if err := scratch.check(what, !write); err != nil {
			return fmt.Errorf("%w (buffer %v)", err, t.DMABuf)
		}
		return fn(scratch)
	})
}
