//go:build pixman && cgo

package pixmanref

// #cgo pkg-config: pixman-1
// #include <stdlib.h>
// #include <string.h>
// #include <pixman.h>
//
// static void composite_n(pixman_op_t op, pixman_image_t *src, pixman_image_t *mask,
//     pixman_image_t *dst, int sx, int sy, int dx, int dy, int w, int h, int n) {
//     for (int i = 0; i < n; i++)
//         pixman_image_composite32(op, src, mask, dst, sx, sy, 0, 0, dx, dy, w, h);
// }
//
// static void composite_rects(pixman_op_t op, pixman_image_t *src, pixman_image_t *dst,
//     const int *r, int n) {
//     for (int i = 0; i < n; i++, r += 4)
//         pixman_image_composite32(op, src, NULL, dst, r[0], r[1], 0, 0, r[0], r[1], r[2], r[3]);
// }
import "C"

import (
	"fmt"
	"unsafe"
)

// Buffer is C memory holding pixels.
type Buffer struct {
	p   unsafe.Pointer
	Pix []byte
}

// Alloc returns n bytes of zeroed C memory.
func Alloc(n int) *Buffer {
	if n == 0 {
		n = 1
	}
	p := C.calloc(C.size_t(n), 1)
	if p == nil {
		panic("pixmanref: out of memory")
	}
	return &Buffer{p: p, Pix: unsafe.Slice((*byte)(p), n)}
}

// Free releases the memory; Pix must not be used afterwards.
func (b *Buffer) Free() {
	if b.p != nil {
		C.free(b.p)
		b.p, b.Pix = nil, nil
	}
}

// Format is a pixman format code.
type Format C.pixman_format_code_t

// The formats package cpu supports, under pixman's names. Pixman names
// components from the most significant bit of a native-endian word, as
// DRM does, so a8r8g8b8 is DRM's ARGB8888 on little-endian machines.
const (
	A8R8G8B8 = Format(C.PIXMAN_a8r8g8b8)
	X8R8G8B8 = Format(C.PIXMAN_x8r8g8b8)
	A8B8G8R8 = Format(C.PIXMAN_a8b8g8r8)
	X8B8G8R8 = Format(C.PIXMAN_x8b8g8r8)
	R5G6B5   = Format(C.PIXMAN_r5g6b5)
	YV12     = Format(C.PIXMAN_yv12)
	A8       = Format(C.PIXMAN_a8)
)

// Op is a pixman operator.
type Op C.pixman_op_t

// Operators.
const (
	OpSrc  = Op(C.PIXMAN_OP_SRC)
	OpOver = Op(C.PIXMAN_OP_OVER)
)

// Image is a pixman image.
type Image struct{ p *C.pixman_image_t }

// NewImage wraps w x h pixels of format f at byte offset off of b, with
// stride bytes per row (a multiple of 4, as pixman requires).
func NewImage(f Format, w, h int, b *Buffer, off, stride int) (*Image, error) {
	if stride%4 != 0 || off < 0 || off > len(b.Pix) {
		return nil, fmt.Errorf("pixmanref: stride %d not a multiple of 4 or offset %d out of range", stride, off)
	}
	p := C.pixman_image_create_bits(C.pixman_format_code_t(f), C.int(w), C.int(h),
		(*C.uint32_t)(unsafe.Add(b.p, off)), C.int(stride))
	if p == nil {
		return nil, fmt.Errorf("pixmanref: pixman_image_create_bits(%#x, %d, %d, stride %d) failed", uint32(f), w, h, stride)
	}
	return &Image{p}, nil
}

// NewSolid returns a solid colour image of premultiplied 0xAARRGGBB.
func NewSolid(argb uint32) *Image {
	c := C.pixman_color_t{
		red:   C.uint16_t(argb >> 16 & 0xff * 0x101),
		green: C.uint16_t(argb >> 8 & 0xff * 0x101),
		blue:  C.uint16_t(argb & 0xff * 0x101),
		alpha: C.uint16_t(argb >> 24 * 0x101),
	}
	return &Image{C.pixman_image_create_solid_fill(&c)}
}

// Unref releases the image.
func (m *Image) Unref() {
	if m != nil && m.p != nil {
		C.pixman_image_unref(m.p)
		m.p = nil
	}
}

// SetTransform sets the 16.16 fixed-point matrix mapping destination to
// source coordinates.
func (m *Image) SetTransform(t [3][3]int32) {
	var ct C.pixman_transform_t
	for i := range 3 {
		for j := range 3 {
			ct.matrix[i][j] = C.pixman_fixed_t(t[i][j])
		}
	}
	C.pixman_image_set_transform(m.p, &ct)
}

// SetFilter selects nearest (false) or bilinear (true) sampling.
func (m *Image) SetFilter(bilinear bool) {
	f := C.PIXMAN_FILTER_NEAREST
	if bilinear {
		f = C.PIXMAN_FILTER_BILINEAR
	}
	C.pixman_image_set_filter(m.p, C.pixman_filter_t(f), nil, 0)
}

// SetRepeatPad clamps samples outside the image to its edge.
func (m *Image) SetRepeatPad() { C.pixman_image_set_repeat(m.p, C.PIXMAN_REPEAT_PAD) }

// SetClip limits drawing into m to the union of rects (x, y, w, h each);
// nil removes the clip.
func (m *Image) SetClip(rects [][4]int) {
	if rects == nil {
		C.pixman_image_set_clip_region32(m.p, nil)
		return
	}
	boxes := make([]C.pixman_box32_t, len(rects))
	for i, r := range rects {
		boxes[i] = C.pixman_box32_t{x1: C.int32_t(r[0]), y1: C.int32_t(r[1]), x2: C.int32_t(r[0] + r[2]), y2: C.int32_t(r[1] + r[3])}
	}
	var reg C.pixman_region32_t
	C.pixman_region32_init_rects(&reg, &boxes[0], C.int(len(boxes)))
	C.pixman_image_set_clip_region32(m.p, &reg)
	C.pixman_region32_fini(&reg)
}

// Composite is pixman_image_composite32 (mask may be nil).
func Composite(op Op, src, mask, dst *Image, sx, sy, dx, dy, w, h int) {
	CompositeN(op, src, mask, dst, sx, sy, dx, dy, w, h, 1)
}

// CompositeN runs the same composite n times in one cgo call.
func CompositeN(op Op, src, mask, dst *Image, sx, sy, dx, dy, w, h, n int) {
	var mp *C.pixman_image_t
	if mask != nil {
		mp = mask.p
	}
	C.composite_n(C.pixman_op_t(op), src.p, mp, dst.p, C.int(sx), C.int(sy), C.int(dx), C.int(dy), C.int(w), C.int(h), C.int(n))
}

// CompositeRects runs one unscaled composite per rectangle (x, y, w, h;
// the same coordinates in src and dst) in one cgo call: damage drawn
// rectangle by rectangle without a clip region.
func CompositeRects(op Op, src, dst *Image, rects []int32) {
	if len(rects) < 4 {
		return
	}
	C.composite_rects(C.pixman_op_t(op), src.p, dst.p, (*C.int)(unsafe.Pointer(&rects[0])), C.int(len(rects)/4))
}

// Memcpy is C memcpy, the baseline of the copy benchmarks.
func Memcpy(dst, src *Buffer, n int) { C.memcpy(dst.p, src.p, C.size_t(n)) }

// Version is pixman's version string.
func Version() string { return C.GoString(C.pixman_version_string()) }
