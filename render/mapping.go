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

// bufferImage checks that b is a single-plane linear buffer of a
// MemoryFormats format and returns its Image geometry (Pix unset).
func bufferImage(b *allocator.Buffer) (Image, error) {
	if _, ok := layoutOf(b.Format); !ok {
		return Image{}, fmt.Errorf("render/cpu: %v: %w (the CPU path reads and writes %v)", b, ErrUnsupportedFormat, MemoryFormats())
	}
	if b.Modifier != allocator.ModifierLinear && b.Modifier != allocator.ModifierInvalid {
		return Image{}, fmt.Errorf("render/cpu: %v: %w (the CPU path needs LINEAR)", b, ErrUnsupportedFormat)
	}
	if len(b.Planes) != 1 {
		return Image{}, fmt.Errorf("render/cpu: %v: %d planes: %w", b, len(b.Planes), ErrUnsupportedFormat)
	}
	return Image{Format: b.Format, Width: b.Width, Height: b.Height, Stride: int(b.Planes[0].Stride)}, nil
}

// withPixels runs fn on the pixels of t: its Image, or its buffer mapped
// through allocator.Buffer.Access (DMA_BUF_IOCTL_SYNC bracketed).
func withPixels(t *Target, write bool, fn func(*Image) error) error {
	if t == nil || (t.Image == nil) == (t.DMABuf == nil) {
		return fmt.Errorf("render: exactly one of DMABuf and Image must be set: %w", ErrBadRect)
	}
	what := "source"
	if write {
		what = "target"
	}
	if t.Image != nil {
		if err := t.Image.check(what); err != nil {
			return err
		}
		return fn(t.Image)
	}
	img, err := bufferImage(t.DMABuf)
	if err != nil {
		return err
	}
	mode := allocator.AccessRead
	if write {
		mode = allocator.AccessReadWrite
	}
	return t.DMABuf.Access(mode, func(mem []byte) error {
		off := int(t.DMABuf.Planes[0].Offset)
		if off > len(mem) {
			return fmt.Errorf("render/cpu: %v: plane offset %d beyond %d bytes: %w", t.DMABuf, off, len(mem), ErrBadRect)
		}
		img.Pix = mem[off:]
		if err := img.check(what + " " + t.DMABuf.String()); err != nil {
			return err
		}
		return fn(&img)
	})
}
