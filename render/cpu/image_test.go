package cpu

import (
	"errors"
	"image"
	"testing"

	"github.com/go-scanout/scanout/allocator"
)

func img(f allocator.Format, w, h, stride, size int) *Image {
	return &Image{Format: f, Width: w, Height: h, Stride: stride, Pix: make([]byte, size)}
}

func TestCompositeRejectsBadArguments(t *testing.T) {
	good := img(allocator.XRGB8888, 4, 4, 16, 64)
	nv12 := &Image{Format: allocator.NV12, Width: 4, Height: 4, Stride: 4, Pix: make([]byte, 16), UVStride: 4, UV: make([]byte, 8)}
	tests := []struct {
		name     string
		dst, src *Image
		blit     Blit
		want     error
		msg      string
	}{
		{"unknown format", img(allocator.XRGB2101010, 4, 4, 16, 64), good, Blit{Alpha: 255}, ErrFormat,
			"cpu.Composite: dst: unsupported pixel format: format XRGB2101010 is not one of XRGB8888, ARGB8888, XBGR8888, ABGR8888, RGB565, NV12"},
		{"NV12 destination", nv12, good, Blit{Alpha: 255}, ErrFormat,
			"cpu.Composite: dst: unsupported pixel format: NV12 is accepted as a source only"},
		{"negative width", img(allocator.XRGB8888, -1, 4, 16, 64), good, Blit{Alpha: 255}, ErrSize,
			"cpu.Composite: dst: image size out of range: size -1x4 outside 0..32767"},
		{"huge height", good, img(allocator.XRGB8888, 4, 1<<20, 16, 64), Blit{Alpha: 255}, ErrSize,
			"cpu.Composite: src: image size out of range: size 4x1048576 outside 0..32767"},
		{"stride below the row", good, img(allocator.ARGB8888, 4, 4, 15, 64), Blit{Alpha: 255}, ErrStride,
			"cpu.Composite: src: stride too small for the width: stride 15 is less than the 16 bytes of one row"},
		{"negative stride", good, img(allocator.ARGB8888, 4, 4, -16, 64), Blit{Alpha: 255}, ErrStride,
			"cpu.Composite: src: stride too small for the width: stride -16 is less than the 16 bytes of one row"},
		{"buffer one byte short", good, img(allocator.ARGB8888, 4, 4, 16, 63), Blit{Alpha: 255}, ErrShort,
			"cpu.Composite: src: pixel buffer too short: buffer of 63 bytes is shorter than the 64 bytes needed for 4 rows of stride 16"},
		{"stride beyond the buffer", good, img(allocator.RGB565, 4, 2, 100, 60), Blit{Alpha: 255}, ErrShort,
			"cpu.Composite: src: pixel buffer too short: buffer of 60 bytes is shorter than 2 rows of stride 100"},
		{"NV12 chroma short", good, &Image{Format: allocator.NV12, Width: 4, Height: 4, Stride: 4, Pix: make([]byte, 16), UVStride: 4, UV: make([]byte, 7)}, Blit{Alpha: 255}, ErrShort,
			"cpu.Composite: src: pixel buffer too short: UV buffer of 7 bytes is shorter than the 8 bytes needed for 2 rows of stride 4"},
		{"NV12 odd width chroma stride", good, &Image{Format: allocator.NV12, Width: 5, Height: 4, Stride: 5, Pix: make([]byte, 20), UVStride: 5, UV: make([]byte, 12)}, Blit{Alpha: 255}, ErrStride,
			"cpu.Composite: src: stride too small for the width: UV stride 5 is less than the 6 bytes of one row"},
		{"source rectangle outside", good, good, Blit{Src: image.Rect(2, 2, 5, 4), Alpha: 255}, ErrRect,
			"cpu.Composite: srcRect: rectangle outside the image: (2,2)-(5,4) is empty or not inside the 4x4 source"},
		{"source rectangle negative", good, good, Blit{Src: image.Rect(-1, 0, 2, 2), Alpha: 255}, ErrRect,
			"cpu.Composite: srcRect: rectangle outside the image: (-1,0)-(2,2) is empty or not inside the 4x4 source"},
		{"source rectangle inverted", good, good, Blit{Src: image.Rectangle{Min: image.Pt(3, 0), Max: image.Pt(1, 2)}, Alpha: 255}, ErrRect,
			"cpu.Composite: srcRect: rectangle outside the image: (3,0)-(1,2) is empty or not inside the 4x4 source"},
		{"destination rectangle empty", good, good, Blit{Dst: image.Rect(1, 1, 1, 3), Alpha: 255}, ErrRect,
			"cpu.Composite: dstRect: rectangle outside the image: (1,1)-(1,3) is empty"},
		{"destination rectangle beyond MaxCoord", good, good, Blit{Dst: image.Rect(0, 0, 1<<30, 4), Alpha: 255}, ErrRect,
			"cpu.Composite: dstRect: rectangle outside the image: (0,0)-(1073741824,4) has coordinates beyond ±16777216"},
		{"operator", good, good, Blit{Op: 7, Alpha: 255}, ErrArg,
			"cpu.Composite: op: invalid argument: operator 7 is neither Src nor Over"},
		{"transform", good, good, Blit{Transform: 8, Alpha: 255}, ErrArg,
			"cpu.Composite: transform: invalid argument: transform 8 is not a wl_output.transform (0..7)"},
		{"filter", good, good, Blit{Filter: 2, Alpha: 255}, ErrArg,
			"cpu.Composite: filter: invalid argument: filter 2 is neither Bilinear nor Nearest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]byte(nil), tt.dst.Pix...)
			err := Composite(tt.dst, tt.src, &tt.blit, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Composite() = %v, want %v", err, tt.want)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got: %s\nwant: %s", err, tt.msg)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not *Error", err)
			}
			if string(before) != string(tt.dst.Pix) {
				t.Error("destination changed by a rejected call")
			}
		})
	}
}

func TestFillRejectsBadArguments(t *testing.T) {
	good := img(allocator.XRGB8888, 4, 4, 16, 64)
	tests := []struct {
		name string
		dst  *Image
		r    image.Rectangle
		op   Op
		want error
		msg  string
	}{
		{"short buffer", img(allocator.RGB565, 4, 4, 8, 31), image.Rect(0, 0, 4, 4), Src, ErrShort,
			"cpu.Fill: dst: pixel buffer too short: buffer of 31 bytes is shorter than the 32 bytes needed for 4 rows of stride 8"},
		{"empty rectangle", good, image.Rect(2, 2, 2, 2), Src, ErrRect,
			"cpu.Fill: rect: rectangle outside the image: (2,2)-(2,2) is empty"},
		{"operator", good, image.Rect(0, 0, 1, 1), 2, ErrArg,
			"cpu.Fill: op: invalid argument: operator is neither Src nor Over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Fill(tt.dst, tt.r, 0xff102030, tt.op, nil)
			if !errors.Is(err, tt.want) || err.Error() != tt.msg {
				t.Fatalf("Fill() = %v\nwant %s", err, tt.msg)
			}
		})
	}
}

func TestZeroSizedImagesDrawNothing(t *testing.T) {
	empty := &Image{Format: allocator.ARGB8888}
	dst := img(allocator.XRGB8888, 4, 4, 16, 64)
	if err := Composite(dst, empty, &Blit{Alpha: 255}, nil); !errors.Is(err, ErrRect) {
		t.Errorf("Composite from a 0x0 source = %v, want ErrRect (no source rectangle fits)", err)
	}
	if err := Composite(empty, dst, &Blit{Alpha: 255}, nil); err != nil {
		t.Errorf("Composite into a 0x0 destination = %v, want nil", err)
	}
}

// TestLastRowMayBeShort: the final row needs only its pixels, not a full
// stride, as with a buffer cut to the exact size.
func TestLastRowMayBeShort(t *testing.T) {
	src := img(allocator.XRGB8888, 2, 2, 64, 64+8)
	dst := img(allocator.XRGB8888, 2, 2, 8, 16)
	if err := Composite(dst, src, &Blit{Alpha: 255}, nil); err != nil {
		t.Fatal(err)
	}
}
