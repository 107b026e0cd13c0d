package kms

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/go-scanout/scanout/allocator"
)

// FormatModifiers is one format of a plane with the modifiers the plane
// accepts for it.
type FormatModifiers struct {
	Format    allocator.Format     `json:"format"`
	Modifiers []allocator.Modifier `json:"modifiers"`
}

// The IN_FORMATS blob (struct drm_format_modifier_blob, version 1):
//
//	u32 version, flags, count_formats, formats_offset, count_modifiers, modifiers_offset
//	u32 formats[count_formats]                 at formats_offset
//	struct drm_format_modifier {               at modifiers_offset
//	    u64 formats; u32 offset; u32 pad; u64 modifier
//	} [count_modifiers]
//
// Bit i of a modifier's formats mask means formats[offset+i] supports it.
// Offsets are from the start of the blob. All integers are in the CPU's
// byte order.
const (
	inFormatsHeaderSize = 24
	inFormatsModSize    = 24
)

// ParseInFormats decodes an IN_FORMATS blob into format -> modifiers, in
// the blob's format order. Formats that no modifier covers are listed
// with no modifiers. It never reads outside b and rejects a malformed
// blob with an error saying what is wrong.
func ParseInFormats(b []byte) ([]FormatModifiers, error) {
	ne := binary.NativeEndian
	if len(b) < inFormatsHeaderSize {
		return nil, fmt.Errorf("IN_FORMATS blob: %d bytes, shorter than its %d-byte header", len(b), inFormatsHeaderSize)
	}
	version := ne.Uint32(b[0:])
	countFormats := uint64(ne.Uint32(b[8:]))
	formatsOffset := uint64(ne.Uint32(b[12:]))
	countMods := uint64(ne.Uint32(b[16:]))
	modsOffset := uint64(ne.Uint32(b[20:]))
	if version != 1 {
		return nil, fmt.Errorf("IN_FORMATS blob: version %d, only version 1 is known", version)
	}
	if formatsOffset+countFormats*4 > uint64(len(b)) {
		return nil, fmt.Errorf("IN_FORMATS blob: %d formats at offset %d overrun its %d bytes", countFormats, formatsOffset, len(b))
	}
	if modsOffset+countMods*inFormatsModSize > uint64(len(b)) {
		return nil, fmt.Errorf("IN_FORMATS blob: %d modifiers at offset %d overrun its %d bytes", countMods, modsOffset, len(b))
	}
	out := make([]FormatModifiers, countFormats)
	for i := range out {
		out[i].Format = allocator.Format(ne.Uint32(b[formatsOffset+uint64(i)*4:]))
	}
	for j := range countMods {
		m := b[modsOffset+j*inFormatsModSize:]
		mask := ne.Uint64(m[0:])
		offset := uint64(ne.Uint32(m[8:]))
		mod := allocator.Modifier(ne.Uint64(m[16:]))
		for bit := range uint64(64) {
			if mask&(1<<bit) == 0 {
				continue
			}
			i := offset + bit
			if i >= countFormats {
				return nil, fmt.Errorf("IN_FORMATS blob: modifier %s refers to format %d of %d", mod, i, countFormats)
			}
			out[i].Modifiers = append(out[i].Modifiers, mod)
		}
	}
	return out, nil
}

// EncodeInFormats builds an IN_FORMATS blob the way the kernel lays it
// out (formats right after the header, modifiers 8-byte aligned after
// them). It is the inverse of ParseInFormats, for tests and fakes.
func EncodeInFormats(fms []FormatModifiers) []byte {
	ne := binary.NativeEndian
	type modEntry struct {
		mask   uint64
		offset uint32
		mod    allocator.Modifier
	}
	var mods []modEntry
	seen := map[[2]uint64]int{}
	for i, fm := range fms {
		base := uint32(i/64) * 64
		for _, m := range fm.Modifiers {
			k := [2]uint64{uint64(base), uint64(m)}
			j, ok := seen[k]
			if !ok {
				j = len(mods)
				seen[k] = j
				mods = append(mods, modEntry{offset: base, mod: m})
			}
			mods[j].mask |= 1 << (uint32(i) - base)
		}
	}
	formatsOffset := inFormatsHeaderSize
	modsOffset := (formatsOffset + 4*len(fms) + 7) &^ 7
	b := make([]byte, modsOffset+inFormatsModSize*len(mods))
	ne.PutUint32(b[0:], 1)
	ne.PutUint32(b[8:], uint32(len(fms)))
	ne.PutUint32(b[12:], uint32(formatsOffset))
	ne.PutUint32(b[16:], uint32(len(mods)))
	ne.PutUint32(b[20:], uint32(modsOffset))
	for i, fm := range fms {
		ne.PutUint32(b[formatsOffset+4*i:], uint32(fm.Format))
	}
	for j, m := range mods {
		e := b[modsOffset+inFormatsModSize*j:]
		ne.PutUint64(e[0:], m.mask)
		ne.PutUint32(e[8:], m.offset)
		ne.PutUint64(e[16:], uint64(m.mod))
	}
	return b
}

// ParseFormatList decodes a blob that is a plain array of u32 fourcc
// codes (WRITEBACK_PIXEL_FORMATS). Trailing bytes that do not form a
// whole code are ignored.
func ParseFormatList(b []byte) []allocator.Format {
	out := make([]allocator.Format, 0, len(b)/4)
	for i := 0; i+4 <= len(b); i += 4 {
		out = append(out, allocator.Format(binary.NativeEndian.Uint32(b[i:])))
	}
	return out
}

// EDIDInfo is what scanout reads from an EDID blob: enough to name the
// monitor in reports.
type EDIDInfo struct {
	Manufacturer string `json:"manufacturer"` // three-letter PNP id, "RHT" for QEMU
	Product      uint16 `json:"product"`
	Serial       uint32 `json:"serial,omitempty"`
	Name         string `json:"name,omitempty"` // monitor name descriptor
	Year         int    `json:"year,omitempty"` // of manufacture
	Version      string `json:"version"`        // "1.4"
	WidthCM      int    `json:"width_cm,omitempty"`
	HeightCM     int    `json:"height_cm,omitempty"`
}

var edidHeader = [8]byte{0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}

// ParseEDID decodes the base block of an EDID blob. It checks the header
// and the checksum of the 128-byte base block and never reads past b.
func ParseEDID(b []byte) (EDIDInfo, error) {
	var e EDIDInfo
	if len(b) < 128 {
		return e, fmt.Errorf("EDID: %d bytes, shorter than the 128-byte base block", len(b))
	}
	if [8]byte(b[:8]) != edidHeader {
		return e, fmt.Errorf("EDID: bad header % x", b[:8])
	}
	var sum byte
	for _, c := range b[:128] {
		sum += c
	}
	if sum != 0 {
		return e, fmt.Errorf("EDID: base block checksum is off by %d", sum)
	}
	id := uint16(b[8])<<8 | uint16(b[9])
	e.Manufacturer = string([]byte{
		byte('A' - 1 + (id>>10)&0x1f), byte('A' - 1 + (id>>5)&0x1f), byte('A' - 1 + id&0x1f),
	})
	e.Product = binary.LittleEndian.Uint16(b[10:])
	e.Serial = binary.LittleEndian.Uint32(b[12:])
	if b[17] != 0 {
		e.Year = 1990 + int(b[17])
	}
	e.Version = fmt.Sprintf("%d.%d", b[18], b[19])
	e.WidthCM, e.HeightCM = int(b[21]), int(b[22])
	for d := 54; d+18 <= 126; d += 18 {
		desc := b[d : d+18]
		if desc[0] == 0 && desc[1] == 0 && desc[3] == 0xfc {
			name := desc[5:18]
			if i := strings.IndexByte(string(name), '\n'); i >= 0 {
				name = name[:i]
			}
			e.Name = strings.TrimRight(string(name), " ")
		}
	}
	return e, nil
}
