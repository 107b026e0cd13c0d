package cpu

import (
	"fmt"
	"image"

	"github.com/go-scanout/scanout/allocator"
)

// MaxSize is the largest width or height of an Image, in pixels. It keeps
// every coordinate of the 16.16 fixed-point scaling arithmetic inside 32
// bits of integer part, as in pixman, and every byte offset inside an int.
const MaxSize = 32767

// MaxCoord bounds the coordinates of destination rectangles and damage
// (either sign). Geometry beyond it is rejected with ErrRect before any
// arithmetic can overflow.
const MaxCoord = 1 << 24

// Image is pixels in memory: a wl_shm buffer, a mapped dma-buf, a
// swapchain buffer. Pixel (x, y) of a packed format starts at byte
// y*Stride + x*BytesPerPixel of Pix. Colour is premultiplied by alpha.
//
// NV12 (a source only) has its luma plane in Pix/Stride and its
// interleaved CbCr plane, subsampled 2x2, in UV/UVStride.
//
// An Image does not own its memory; operations never retain it.
type Image struct {
	Format        allocator.Format
	Width, Height int
	Stride        int
	Pix           []byte

	// UV and UVStride describe the chroma plane of NV12; unused otherwise.
	UVStride int
	UV       []byte
}

// Bounds returns the image rectangle, (0,0)-(Width,Height).
func (m *Image) Bounds() image.Rectangle { return image.Rect(0, 0, m.Width, m.Height) }

// kind is the package's internal name for a supported format, resolved
// once per operation so kernels switch on a small integer.
type kind uint8

const (
	kInvalid kind = iota
	kXRGB         // bytes B G R X
	kARGB         // bytes B G R A
	kXBGR         // bytes R G B X
	kABGR         // bytes R G B A
	kRGB565       // little-endian 16-bit R:G:B 5:6:5
	kNV12         // Y plane + CbCr plane, 2x2 subsampled
)

func kindOf(f allocator.Format) kind {
	switch f {
	case allocator.XRGB8888:
		return kXRGB
	case allocator.ARGB8888:
		return kARGB
	case allocator.XBGR8888:
		return kXBGR
	case allocator.ABGR8888:
		return kABGR
	case allocator.RGB565:
		return kRGB565
	case allocator.NV12:
		return kNV12
	}
	return kInvalid
}

// bpp is the bytes per pixel of the first plane.
func (k kind) bpp() int {
	switch k {
	case kRGB565:
		return 2
	case kNV12:
		return 1
	}
	return 4
}

func (k kind) is8888() bool   { return k >= kXRGB && k <= kABGR }
func (k kind) hasAlpha() bool { return k == kARGB || k == kABGR }

// bgr reports whether red is in the low byte of the 32-bit word.
func (k kind) bgr() bool { return k == kXBGR || k == kABGR }

// Formats lists the formats every operation accepts as source and
// destination. NV12 is accepted as a source too.
func Formats() []allocator.Format {
	return []allocator.Format{allocator.XRGB8888, allocator.ARGB8888, allocator.XBGR8888, allocator.ABGR8888, allocator.RGB565}
}

// check validates m up front so that no later access can leave Pix or UV:
// sizes in range, a supported format, strides large enough for the width
// and buffers long enough for the height. role names the argument in
// errors ("dst", "src").
func (m *Image) check(op, role string) (kind, error) {
	k := kindOf(m.Format)
	if k == kInvalid {
		return k, &Error{Op: op, Arg: role, Err: ErrFormat,
			Detail: fmt.Sprintf("format %v is not one of XRGB8888, ARGB8888, XBGR8888, ABGR8888, RGB565, NV12", m.Format)}
	}
	if m.Width < 0 || m.Height < 0 || m.Width > MaxSize || m.Height > MaxSize {
		return k, &Error{Op: op, Arg: role, Err: ErrSize,
			Detail: fmt.Sprintf("size %dx%d outside 0..%d", m.Width, m.Height, MaxSize)}
	}
	if err := checkPlane(op, role, "", m.Pix, m.Stride, m.Width*k.bpp(), m.Height); err != nil {
		return k, err
	}
	if k == kNV12 {
		cw, ch := (m.Width+1)/2, (m.Height+1)/2
		if err := checkPlane(op, role, "UV", m.UV, m.UVStride, cw*2, ch); err != nil {
			return k, err
		}
	}
	return k, nil
}

// checkPlane checks one plane of rowBytes x rows (width and height at most
// MaxSize, so rowBytes cannot overflow; the total is computed in 64 bits).
func checkPlane(op, role, plane string, pix []byte, stride, rowBytes, rows int) error {
	if rows == 0 || rowBytes == 0 {
		return nil
	}
	if stride < rowBytes {
		return &Error{Op: op, Arg: role, Err: ErrStride,
			Detail: fmt.Sprintf("%sstride %d is less than the %d bytes of one row", planeName(plane), stride, rowBytes)}
	}
	if stride > len(pix) {
		// Also keeps stride*(rows-1) from overflowing below.
		if rows > 1 || rowBytes > len(pix) {
			return &Error{Op: op, Arg: role, Err: ErrShort,
				Detail: fmt.Sprintf("%sbuffer of %d bytes is shorter than %d rows of stride %d", planeName(plane), len(pix), rows, stride)}
		}
		return nil
	}
	if need := int64(stride)*int64(rows-1) + int64(rowBytes); int64(len(pix)) < need { // int64: 32-bit targets
		return &Error{Op: op, Arg: role, Err: ErrShort,
			Detail: fmt.Sprintf("%sbuffer of %d bytes is shorter than the %d bytes needed for %d rows of stride %d", planeName(plane), len(pix), need, rows, stride)}
	}
	return nil
}

func planeName(p string) string {
	if p == "" {
		return ""
	}
	return p + " "
}
