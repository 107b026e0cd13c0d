package allocator

import (
	"fmt"
	"math"
	"math/bits"
)

// MaxDimension is the largest width or height scanout accepts. It is
// above every DRM driver's max_width/max_height (16384 on the largest
// display engines) and small enough that no stride or size computation
// can overflow.
const MaxDimension = 1 << 15

// Alignment says how a linear buffer is laid out in one allocation. Zero
// fields mean 1 (no alignment). Every non-zero value must be a power of
// two no larger than 1 MiB.
type Alignment struct {
	Stride int // each plane's stride is a multiple of this many bytes
	Offset int // each plane starts at a multiple of this many bytes
	Size   int // the total size is a multiple of this (the page size for mappable memory)
	// Rows rounds each plane's height up to a multiple (video engines
	// that fetch in macroblock rows want 16); 0 or 1 for none. The
	// extra rows are allocated but not part of the image.
	Rows int
}

// DefaultAlignment is what the linear allocators (DMA heaps, udmabuf,
// dumb buffers) use unless configured otherwise: strides aligned to 256
// bytes, which satisfies every display engine scanout is known to meet
// (AMD DC wants 256, Intel 64, Arm/Rockchip/Broadcom 64 or less; 1080p
// and 4K XRGB8888 strides are already multiples of 256), planes starting
// on page boundaries so each can be mapped or imported on its own, and
// a page-aligned total size as every kernel allocator requires.
var DefaultAlignment = Alignment{Stride: 256, Offset: 4096, Size: 4096}

// ShmAlignment is the layout used for CPU-only memory and wl_shm pools:
// strides aligned to 64 bytes (one cache line, and what SIMD loops like),
// page-aligned size.
var ShmAlignment = Alignment{Stride: 64, Offset: 64, Size: 4096}

// PlaneLayout is where one plane lives inside a buffer's memory.
type PlaneLayout struct {
	Offset uint64 // bytes from the start of the memory
	Stride uint32 // bytes from one row to the next
	Rows   int    // rows allocated (the plane height, rounded up to Alignment.Rows)
	Size   uint64 // Stride * Rows
}

// Layout is the memory layout of a linear buffer: planes packed one after
// another in one allocation.
type Layout struct {
	Format Format
	Width  int
	Height int
	Planes []PlaneLayout
	Size   uint64 // total bytes to allocate
}

func alignUp(v, a uint64) (uint64, bool) {
	if a <= 1 {
		return v, true
	}
	r := (v + a - 1) &^ (a - 1)
	return r, r >= v
}

func checkAlign(name string, v int) error {
	if v == 0 || v == 1 {
		return nil
	}
	if v < 0 || v > 1<<20 || bits.OnesCount(uint(v)) != 1 {
		return &RequestError{Field: "alignment." + name, Reason: fmt.Sprintf("%d is not a power of two between 1 and 1048576", v), Kind: ErrInvalidRequest}
	}
	return nil
}

// CheckSize validates a width and height: both in 1..MaxDimension.
func CheckSize(width, height int) error {
	for _, d := range []struct {
		name string
		v    int
	}{{"width", width}, {"height", height}} {
		if d.v <= 0 {
			return &RequestError{Field: d.name, Reason: fmt.Sprintf("%d: must be at least 1", d.v), Kind: ErrInvalidRequest}
		}
		if d.v > MaxDimension {
			return &RequestError{Field: d.name, Reason: fmt.Sprintf("%d: larger than the maximum %d", d.v, MaxDimension), Kind: ErrInvalidRequest}
		}
	}
	return nil
}

// ComputeLayout lays out a linear width x height buffer of format f:
//
//	plane i: w_i = ceil(width / HSub) for chroma planes (width for plane 0)
//	         h_i = ceil(height / VSub) likewise, rounded up to a.Rows
//	         stride_i = alignUp(ceil(w_i / BlockW_i) * BlockBytes_i, a.Stride)
//	         offset_i = alignUp(offset_{i-1} + stride_{i-1} * h_{i-1}, a.Offset), offset_0 = 0
//	size = alignUp(offset_last + stride_last * h_last, a.Size)
//
// It fails with a *RequestError (ErrInvalidRequest or ErrUnknownFormat)
// for zero, negative or too large dimensions, an unknown format, a bad
// alignment, or a stride that does not fit in 32 bits.
func ComputeLayout(width, height int, f Format, a Alignment) (Layout, error) {
	var planes [MaxPlanes]PlaneLayout
	n, size, err := layoutInto(width, height, f, a, &planes)
	if err != nil {
		return Layout{}, err
	}
	return Layout{Format: f, Width: width, Height: height, Planes: append([]PlaneLayout(nil), planes[:n]...), Size: size}, nil
}

// layoutInto is ComputeLayout without allocating: it fills planes and
// returns their number and the total size.
func layoutInto(width, height int, f Format, a Alignment, planes *[MaxPlanes]PlaneLayout) (int, uint64, error) {
	if err := CheckSize(width, height); err != nil {
		return 0, 0, err
	}
	fi := formatByCode[f]
	if fi == nil {
		return 0, 0, &RequestError{Field: "format", Reason: fmt.Sprintf("%v is not in scanout's format table", f), Kind: ErrUnknownFormat}
	}
	for _, c := range [...]struct {
		n string
		v int
	}{{"stride", a.Stride}, {"offset", a.Offset}, {"size", a.Size}, {"rows", a.Rows}} {
		if err := checkAlign(c.n, c.v); err != nil {
			return 0, 0, err
		}
	}
	var off uint64
	for i := range fi.Planes {
		_, ph := fi.PlaneSize(i, width, height)
		stride, ok := alignUp(uint64(fi.MinStride(i, width)), uint64(a.Stride))
		if !ok || stride > math.MaxUint32 {
			return 0, 0, &RequestError{Field: "width", Reason: fmt.Sprintf("%d pixels of %v: stride overflows 32 bits", width, f), Kind: ErrInvalidRequest}
		}
		rows, _ := alignUp(uint64(ph), uint64(a.Rows))
		if i > 0 {
			off, _ = alignUp(off, uint64(a.Offset))
		}
		size := stride * rows // < 2^32 * 2^16: no overflow
		planes[i] = PlaneLayout{Offset: off, Stride: uint32(stride), Rows: int(rows), Size: size}
		off += size
	}
	total, ok := alignUp(off, uint64(a.Size))
	if !ok {
		return 0, 0, &RequestError{Field: "size", Reason: "total size overflows", Kind: ErrInvalidRequest}
	}
	return fi.Planes, total, nil
}
