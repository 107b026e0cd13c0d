package allocator

import (
	"fmt"
	"strconv"
	"strings"
)

// Format is a DRM fourcc pixel format code (include/uapi/drm/drm_fourcc.h):
// four ASCII characters packed little-endian into 32 bits. Component order
// in the name is from the most significant bit of a little-endian word, so
// XRGB8888 stores bytes B, G, R, X in memory.
type Format uint32

// fourcc packs four characters like the kernel's fourcc_code macro.
func fourcc(a, b, c, d byte) Format {
	return Format(uint32(a) | uint32(b)<<8 | uint32(c)<<16 | uint32(d)<<24)
}

// The formats scanout knows. Their layout is in FormatInfo.
var (
	FormatInvalid Format = 0

	// 8 bits per component, 32-bit words.
	XRGB8888 = fourcc('X', 'R', '2', '4')
	ARGB8888 = fourcc('A', 'R', '2', '4')
	XBGR8888 = fourcc('X', 'B', '2', '4')
	ABGR8888 = fourcc('A', 'B', '2', '4')
	RGBX8888 = fourcc('R', 'X', '2', '4')
	RGBA8888 = fourcc('R', 'A', '2', '4')
	BGRX8888 = fourcc('B', 'X', '2', '4')
	BGRA8888 = fourcc('B', 'A', '2', '4')

	// 16 and 24 bits per pixel.
	RGB565 = fourcc('R', 'G', '1', '6')
	BGR565 = fourcc('B', 'G', '1', '6')
	RGB888 = fourcc('R', 'G', '2', '4')
	BGR888 = fourcc('B', 'G', '2', '4')

	// 10 bits per colour component.
	XRGB2101010 = fourcc('X', 'R', '3', '0')
	ARGB2101010 = fourcc('A', 'R', '3', '0')
	XBGR2101010 = fourcc('X', 'B', '3', '0')
	ABGR2101010 = fourcc('A', 'B', '3', '0')

	// 16 bits per component, 64-bit words: unsigned normalised (vkms's
	// XR48 and AR48) and half float.
	XRGB16161616  = fourcc('X', 'R', '4', '8')
	ARGB16161616  = fourcc('A', 'R', '4', '8')
	XBGR16161616  = fourcc('X', 'B', '4', '8')
	ABGR16161616  = fourcc('A', 'B', '4', '8')
	XRGB16161616F = fourcc('X', 'R', '4', 'H')
	ARGB16161616F = fourcc('A', 'R', '4', 'H')
	XBGR16161616F = fourcc('X', 'B', '4', 'H')
	ABGR16161616F = fourcc('A', 'B', '4', 'H')

	// Single and dual channel.
	R8   = fourcc('R', '8', ' ', ' ')
	R16  = fourcc('R', '1', '6', ' ')
	GR88 = fourcc('G', 'R', '8', '8')
	RG88 = fourcc('R', 'G', '8', '8')

	// Packed YUV 4:2:2 (one 32-bit word per two pixels).
	YUYV = fourcc('Y', 'U', 'Y', 'V')
	YVYU = fourcc('Y', 'V', 'Y', 'U')
	UYVY = fourcc('U', 'Y', 'V', 'Y')
	VYUY = fourcc('V', 'Y', 'U', 'Y')

	// Semi-planar YUV: a Y plane and an interleaved CbCr plane.
	NV12 = fourcc('N', 'V', '1', '2')
	NV21 = fourcc('N', 'V', '2', '1')
	NV16 = fourcc('N', 'V', '1', '6')
	NV61 = fourcc('N', 'V', '6', '1')
	NV24 = fourcc('N', 'V', '2', '4')
	NV42 = fourcc('N', 'V', '4', '2')
	P010 = fourcc('P', '0', '1', '0')
	P012 = fourcc('P', '0', '1', '2')
	P016 = fourcc('P', '0', '1', '6')

	// Fully planar YUV: Y, then two chroma planes.
	YUV420 = fourcc('Y', 'U', '1', '2')
	YVU420 = fourcc('Y', 'V', '1', '2')
	YUV422 = fourcc('Y', 'U', '1', '6')
	YVU422 = fourcc('Y', 'V', '1', '6')
	YUV444 = fourcc('Y', 'U', '2', '4')
	YVU444 = fourcc('Y', 'V', '2', '4')
)

// MaxPlanes is the largest number of memory planes a buffer can have
// (DRM framebuffers carry four).
const MaxPlanes = 4

// FormatInfo is the memory layout of a format, modelled on the kernel's
// struct drm_format_info. A plane is divided into blocks of BlockW x 1
// pixels (BlockW is 2 for packed 4:2:2 formats such as YUYV, 1 otherwise)
// of BlockBytes bytes each. Planes after the first are subsampled: their
// width is ceil(width/HSub) and their height ceil(height/VSub).
type FormatInfo struct {
	Format     Format
	Name       string // "XRGB8888"
	Planes     int    // number of memory planes, 1..3
	BlockBytes [MaxPlanes]int
	BlockW     [MaxPlanes]int
	HSub, VSub int  // chroma subsampling of planes 1 and 2 (1 = none)
	Alpha      bool // has an alpha channel
	YUV        bool
	// Opaque is the same layout with the alpha channel ignored
	// (ARGB8888 -> XRGB8888); for formats without alpha it is the format
	// itself.
	Opaque Format
}

// BytesPerPixel returns the bytes per pixel of plane i, rounded up for
// formats whose blocks hold several pixels (YUYV: 2).
func (fi *FormatInfo) BytesPerPixel(i int) int {
	if i < 0 || i >= fi.Planes {
		return 0
	}
	return (fi.BlockBytes[i] + fi.BlockW[i] - 1) / fi.BlockW[i]
}

// PlaneSize returns the size in pixels of plane i of a width x height image:
// ceil(width/HSub) x ceil(height/VSub) for chroma planes.
func (fi *FormatInfo) PlaneSize(i, width, height int) (w, h int) {
	if i == 0 {
		return width, height
	}
	return ceilDiv(width, fi.HSub), ceilDiv(height, fi.VSub)
}

// MinStride returns the smallest stride in bytes of plane i for an image
// width pixels wide: ceil(planeWidth/BlockW) * BlockBytes.
func (fi *FormatInfo) MinStride(i, width int) int {
	w, _ := fi.PlaneSize(i, width, 1)
	return ceilDiv(w, fi.BlockW[i]) * fi.BlockBytes[i]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// packed returns the info of a single-plane RGB format of bpp bytes.
func packed(f Format, name string, bpp int, opaque Format) FormatInfo {
	fi := FormatInfo{Format: f, Name: name, Planes: 1, HSub: 1, VSub: 1, Opaque: opaque}
	fi.BlockBytes[0], fi.BlockW[0] = bpp, 1
	if opaque == 0 {
		fi.Opaque = f
	} else {
		fi.Alpha = true
	}
	return fi
}

func yuvPacked(f Format, name string) FormatInfo {
	fi := FormatInfo{Format: f, Name: name, Planes: 1, HSub: 2, VSub: 1, YUV: true, Opaque: f}
	fi.BlockBytes[0], fi.BlockW[0] = 4, 2
	return fi
}

// yuvPlanar describes a planar format: luma of lumaBytes per pixel, then
// chroma planes of chromaBytes per (subsampled) pixel.
func yuvPlanar(f Format, name string, planes, lumaBytes, chromaBytes, hsub, vsub int) FormatInfo {
	fi := FormatInfo{Format: f, Name: name, Planes: planes, HSub: hsub, VSub: vsub, YUV: true, Opaque: f}
	for i := range planes {
		fi.BlockW[i] = 1
		fi.BlockBytes[i] = chromaBytes
	}
	fi.BlockBytes[0] = lumaBytes
	return fi
}

var formatTable = []FormatInfo{
	packed(XRGB8888, "XRGB8888", 4, 0),
	packed(ARGB8888, "ARGB8888", 4, XRGB8888),
	packed(XBGR8888, "XBGR8888", 4, 0),
	packed(ABGR8888, "ABGR8888", 4, XBGR8888),
	packed(RGBX8888, "RGBX8888", 4, 0),
	packed(RGBA8888, "RGBA8888", 4, RGBX8888),
	packed(BGRX8888, "BGRX8888", 4, 0),
	packed(BGRA8888, "BGRA8888", 4, BGRX8888),
	packed(RGB565, "RGB565", 2, 0),
	packed(BGR565, "BGR565", 2, 0),
	packed(RGB888, "RGB888", 3, 0),
	packed(BGR888, "BGR888", 3, 0),
	packed(XRGB2101010, "XRGB2101010", 4, 0),
	packed(ARGB2101010, "ARGB2101010", 4, XRGB2101010),
	packed(XBGR2101010, "XBGR2101010", 4, 0),
	packed(ABGR2101010, "ABGR2101010", 4, XBGR2101010),
	packed(XRGB16161616, "XRGB16161616", 8, 0),
	packed(ARGB16161616, "ARGB16161616", 8, XRGB16161616),
	packed(XBGR16161616, "XBGR16161616", 8, 0),
	packed(ABGR16161616, "ABGR16161616", 8, XBGR16161616),
	packed(XRGB16161616F, "XRGB16161616F", 8, 0),
	packed(ARGB16161616F, "ARGB16161616F", 8, XRGB16161616F),
	packed(XBGR16161616F, "XBGR16161616F", 8, 0),
	packed(ABGR16161616F, "ABGR16161616F", 8, XBGR16161616F),
	packed(R8, "R8", 1, 0),
	packed(R16, "R16", 2, 0),
	packed(GR88, "GR88", 2, 0),
	packed(RG88, "RG88", 2, 0),
	yuvPacked(YUYV, "YUYV"),
	yuvPacked(YVYU, "YVYU"),
	yuvPacked(UYVY, "UYVY"),
	yuvPacked(VYUY, "VYUY"),
	yuvPlanar(NV12, "NV12", 2, 1, 2, 2, 2),
	yuvPlanar(NV21, "NV21", 2, 1, 2, 2, 2),
	yuvPlanar(NV16, "NV16", 2, 1, 2, 2, 1),
	yuvPlanar(NV61, "NV61", 2, 1, 2, 2, 1),
	yuvPlanar(NV24, "NV24", 2, 1, 2, 1, 1),
	yuvPlanar(NV42, "NV42", 2, 1, 2, 1, 1),
	yuvPlanar(P010, "P010", 2, 2, 4, 2, 2),
	yuvPlanar(P012, "P012", 2, 2, 4, 2, 2),
	yuvPlanar(P016, "P016", 2, 2, 4, 2, 2),
	yuvPlanar(YUV420, "YUV420", 3, 1, 1, 2, 2),
	yuvPlanar(YVU420, "YVU420", 3, 1, 1, 2, 2),
	yuvPlanar(YUV422, "YUV422", 3, 1, 1, 2, 1),
	yuvPlanar(YVU422, "YVU422", 3, 1, 1, 2, 1),
	yuvPlanar(YUV444, "YUV444", 3, 1, 1, 1, 1),
	yuvPlanar(YVU444, "YVU444", 3, 1, 1, 1, 1),
}

var (
	formatByCode = map[Format]*FormatInfo{}
	formatByName = map[string]Format{}
)

func init() {
	for i := range formatTable {
		fi := &formatTable[i]
		formatByCode[fi.Format] = fi
		formatByName[fi.Name] = fi.Format
	}
}

// Formats returns every format scanout knows, in table order.
func Formats() []Format {
	out := make([]Format, len(formatTable))
	for i := range formatTable {
		out[i] = formatTable[i].Format
	}
	return out
}

// Info returns the layout of f; ok is false when scanout does not know f.
func (f Format) Info() (fi FormatInfo, ok bool) {
	if p := formatByCode[f]; p != nil {
		return *p, true
	}
	return FormatInfo{}, false
}

// Known reports whether scanout knows the layout of f.
func (f Format) Known() bool { return formatByCode[f] != nil }

// FourCC returns the four-character code as written in drm_fourcc.h
// ("XR24"), with trailing spaces trimmed ("R8") and non-printable bytes
// shown as '?'.
func (f Format) FourCC() string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return strings.TrimRight(string(b), " ")
}

// String returns the format's name ("XRGB8888"); unknown formats print as
// their four-character code and hex value ("'ZZ99' (0x39395a5a)").
func (f Format) String() string {
	if fi := formatByCode[f]; fi != nil {
		return fi.Name
	}
	if f == 0 {
		return "INVALID"
	}
	return fmt.Sprintf("'%s' (0x%08x)", f.FourCC(), uint32(f))
}

// HasAlpha reports whether f has an alpha channel.
func (f Format) HasAlpha() bool {
	fi := formatByCode[f]
	return fi != nil && fi.Alpha
}

// Opaque returns the format with the alpha channel ignored (ARGB8888 ->
// XRGB8888), or f itself when it has no alpha or is unknown.
func (f Format) Opaque() Format {
	if fi := formatByCode[f]; fi != nil {
		return fi.Opaque
	}
	return f
}

// ParseFormat parses a format given by name ("XRGB8888", case-insensitive),
// by four-character code ("XR24", case-sensitive, as in drm_info and
// kernel logs; codes shorter than four characters are padded with spaces)
// or by number ("0x34325258").
func ParseFormat(s string) (Format, error) {
	if f, ok := formatByName[strings.ToUpper(s)]; ok {
		return f, nil
	}
	if len(s) >= 1 && len(s) <= 4 {
		b := []byte(s + "    ")[:4]
		f := fourcc(b[0], b[1], b[2], b[3])
		if f.Known() {
			return f, nil
		}
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		if v, err := strconv.ParseUint(s[2:], 16, 32); err == nil {
			return Format(v), nil
		}
	}
	return 0, &FormatError{Input: s}
}

// FormatError reports a format string ParseFormat does not understand.
// It matches ErrUnknownFormat under errors.Is.
type FormatError struct{ Input string }

func (e *FormatError) Error() string {
	return fmt.Sprintf("unknown pixel format %q: use a DRM name such as XRGB8888, a fourcc code such as XR24, or a hex value", e.Input)
}

// Unwrap returns ErrUnknownFormat.
func (e *FormatError) Unwrap() error { return ErrUnknownFormat }
