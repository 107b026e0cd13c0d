package cpu

import "image"

// Op is a Porter-Duff operator on premultiplied colour.
type Op uint8

// Operators.
const (
	// Src replaces the destination with the source.
	Src Op = iota
	// Over blends the source over the destination:
	// dst = src + dst*(255-srcAlpha)/255, per channel, rounded as pixman.
	Over
)

func (o Op) String() string {
	switch o {
	case Src:
		return "src"
	case Over:
		return "over"
	}
	return "invalid"
}

// Transform is a wl_output.transform value: the source is flipped
// horizontally (Flipped variants), then rotated counter-clockwise by a
// multiple of 90 degrees, then scaled into the destination rectangle. The
// numeric values are the protocol's.
type Transform uint8

// Output transforms.
const (
	Normal Transform = iota
	Rotate90
	Rotate180
	Rotate270
	Flipped
	Flipped90
	Flipped180
	Flipped270
)

// Swaps reports whether t exchanges width and height.
func (t Transform) Swaps() bool { return t&1 == 1 }

func (t Transform) String() string {
	names := [...]string{"normal", "90", "180", "270", "flipped", "flipped-90", "flipped-180", "flipped-270"}
	if int(t) < len(names) {
		return names[t]
	}
	return "invalid"
}

// Filter is the sampling filter used when a Composite scales.
type Filter uint8

// Filters. Both sample at pixel centres and clamp to the source rectangle
// (pixman's PAD repeat), so nothing outside Blit.Src bleeds in.
const (
	// Bilinear weighs the four nearest source pixels with 7-bit weights
	// (pixman's default BILINEAR_INTERPOLATION_BITS).
	Bilinear Filter = iota
	// Nearest takes the source pixel whose area contains the sample
	// point; a pixel centre lying exactly on an edge rounds down.
	Nearest
)

func (f Filter) String() string {
	switch f {
	case Bilinear:
		return "bilinear"
	case Nearest:
		return "nearest"
	}
	return "invalid"
}

// Opaque is the Blit.Alpha that draws the source unchanged.
const Opaque = 255

// Blit says what Composite draws. Src is rotated/flipped by Transform and
// scaled to Dst with Filter.
type Blit struct {
	Op Op

	// Src is the source rectangle in source pixels. It must lie inside
	// the source image; the zero rectangle means all of it.
	Src image.Rectangle

	// Dst is the destination rectangle in destination pixels. It may
	// extend beyond the destination image (the part outside is clipped,
	// as a GPU clips to its viewport) but its coordinates must lie within
	// ±MaxCoord. The zero rectangle means Src's transformed size at the
	// origin.
	Dst image.Rectangle

	Transform Transform
	Filter    Filter

	// Alpha multiplies the source (every channel, it is premultiplied):
	// Opaque (255) draws it unchanged, 0 makes it invisible. Note that
	// the zero Blit therefore draws nothing visible with Over, and
	// transparent black with Src.
	Alpha uint8
}

// Color is a premultiplied colour, 0xAARRGGBB: each of red, green and blue
// at most alpha.
type Color uint32

// RGBA returns the premultiplied Color of non-premultiplied 8-bit
// channels, rounding as pixman does.
func RGBA(r, g, b, a uint8) Color {
	return Color(mulPixel(0xff000000|uint32(r)<<16|uint32(g)<<8|uint32(b), uint32(a)))
}
