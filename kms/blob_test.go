package kms

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/uapi"
)

// vkmsFormats are the formats of every vkms plane in 6.12 (facts.md).
var vkmsFormats = []allocator.Format{allocator.ARGB8888, allocator.XRGB8888, allocator.XRGB16161616, allocator.ARGB16161616, allocator.RGB565}

func linearOnly(fs []allocator.Format) []FormatModifiers {
	var out []FormatModifiers
	for _, f := range fs {
		out = append(out, FormatModifiers{Format: f, Modifiers: []allocator.Modifier{allocator.ModifierLinear}})
	}
	return out
}

// blobBytes writes an IN_FORMATS blob field by field, independently of
// EncodeInFormats.
func blobBytes(formats []uint32, mods [][3]uint64, formatsOffset, modsOffset uint32) []byte {
	size := max(24, int(modsOffset)+24*len(mods))
	if end := uint64(formatsOffset) + 4*uint64(len(formats)); end < 1<<20 {
		size = max(size, int(end))
	}
	b := make([]byte, size)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], 1)
	ne.PutUint32(b[8:], uint32(len(formats)))
	ne.PutUint32(b[12:], formatsOffset)
	ne.PutUint32(b[16:], uint32(len(mods)))
	ne.PutUint32(b[20:], modsOffset)
	for i, f := range formats {
		if o := uint64(formatsOffset) + 4*uint64(i); o+4 <= uint64(len(b)) {
			ne.PutUint32(b[o:], f)
		}
	}
	for j, m := range mods { // mask, offset, modifier
		e := b[int(modsOffset)+24*j:]
		ne.PutUint64(e[0:], m[0])
		ne.PutUint32(e[8:], uint32(m[1]))
		ne.PutUint64(e[16:], m[2])
	}
	return b
}

func TestParseInFormats(t *testing.T) {
	xr24, ar24, nv12 := uint32(allocator.XRGB8888), uint32(allocator.ARGB8888), uint32(allocator.NV12)
	afbc := allocator.ModifierARMAFBC(1)
	tests := []struct {
		name string
		blob []byte
		want []FormatModifiers
	}{
		{
			name: "vkms recorded: five formats, LINEAR only",
			blob: mustRead(t, "testdata/vkms-in_formats.bin"),
			want: linearOnly(vkmsFormats),
		},
		{
			name: "two modifiers with different format masks",
			blob: blobBytes([]uint32{xr24, ar24, nv12}, [][3]uint64{{0b111, 0, 0}, {0b011, 0, uint64(afbc)}}, 24, 40),
			want: []FormatModifiers{
				{allocator.XRGB8888, []allocator.Modifier{allocator.ModifierLinear, afbc}},
				{allocator.ARGB8888, []allocator.Modifier{allocator.ModifierLinear, afbc}},
				{allocator.NV12, []allocator.Modifier{allocator.ModifierLinear}},
			},
		},
		{
			name: "a format no modifier covers is listed without modifiers",
			blob: blobBytes([]uint32{xr24, nv12}, [][3]uint64{{0b01, 0, 0}}, 24, 32),
			want: []FormatModifiers{
				{allocator.XRGB8888, []allocator.Modifier{allocator.ModifierLinear}},
				{allocator.NV12, nil},
			},
		},
		{
			name: "modifier offset shifts the mask past 64 formats",
			blob: blobBytes(append(make([]uint32, 64), xr24), [][3]uint64{{0b1, 64, 0}}, 24, 24+65*4+4),
			want: append(func() []FormatModifiers {
				out := make([]FormatModifiers, 64)
				return out
			}(), FormatModifiers{allocator.XRGB8888, []allocator.Modifier{allocator.ModifierLinear}}),
		},
		{
			name: "no formats",
			blob: blobBytes(nil, nil, 24, 24),
			want: []FormatModifiers{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInFormats(tt.blob)
			if err != nil {
				t.Fatalf("ParseInFormats: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseInFormats =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestParseInFormatsRejectsMalformedBlobs(t *testing.T) {
	good := blobBytes([]uint32{1, 2}, [][3]uint64{{0b11, 0, 0}}, 24, 32)
	badVersion := bytes.Clone(good)
	binary.NativeEndian.PutUint32(badVersion, 2)
	tests := []struct {
		name, blob, want string
	}{
		{"empty", "", "IN_FORMATS blob: 0 bytes, shorter than its 24-byte header"},
		{"header cut short", string(good[:23]), "IN_FORMATS blob: 23 bytes, shorter than its 24-byte header"},
		{"unknown version", string(badVersion), "IN_FORMATS blob: version 2, only version 1 is known"},
		{"formats overrun", string(blobBytes([]uint32{1, 2}, nil, 24, 24)[:28]), "IN_FORMATS blob: 2 formats at offset 24 overrun its 28 bytes"},
		{"modifiers overrun", string(good[:50]), "IN_FORMATS blob: 1 modifiers at offset 32 overrun its 50 bytes"},
		{"mask names a format past the list", string(blobBytes([]uint32{1, 2}, [][3]uint64{{0b100, 0, 0}}, 24, 32)), "IN_FORMATS blob: modifier LINEAR refers to format 2 of 2"},
		{"offset far out of range", string(blobBytes([]uint32{1}, [][3]uint64{{1, 0, 0}}, 0xfffffff0, 24)[:24]), "overrun"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseInFormats([]byte(tt.blob))
			if err == nil {
				t.Fatalf("ParseInFormats accepted a malformed blob")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEncodeInFormatsRoundTrips(t *testing.T) {
	afbc := allocator.ModifierARMAFBC(1)
	in := linearOnly(vkmsFormats)
	in[1].Modifiers = append(in[1].Modifiers, afbc)
	got, err := ParseInFormats(EncodeInFormats(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("round trip = %v, want %v", got, in)
	}
}

func FuzzParseInFormats(f *testing.F) {
	f.Add(blobBytes([]uint32{1, 2, 3}, [][3]uint64{{0b111, 0, 0}, {0b010, 0, 7}}, 24, 40))
	f.Add(blobBytes(nil, nil, 24, 24))
	f.Fuzz(func(t *testing.T, b []byte) {
		fms, err := ParseInFormats(b)
		if err != nil {
			return
		}
		// What parses must survive a round trip through the encoder.
		again, err := ParseInFormats(EncodeInFormats(fms))
		if err != nil {
			t.Fatalf("re-encoded blob does not parse: %v", err)
		}
		if len(again) != len(fms) {
			t.Fatalf("round trip changed the format count: %d -> %d", len(fms), len(again))
		}
	})
}

func TestParseFormatList(t *testing.T) {
	b := mustRead(t, "testdata/vkms-writeback_pixel_formats.bin")
	got := ParseFormatList(b)
	if !reflect.DeepEqual(got, vkmsFormats) {
		t.Errorf("ParseFormatList = %v, want %v", got, vkmsFormats)
	}
	if got := ParseFormatList([]byte{1, 2, 3}); len(got) != 0 {
		t.Errorf("ParseFormatList(3 bytes) = %v, want empty", got)
	}
}

func TestParseEDID(t *testing.T) {
	b := mustRead(t, "testdata/qemu-edid.bin")
	e, err := ParseEDID(b)
	if err != nil {
		t.Fatal(err)
	}
	want := EDIDInfo{Manufacturer: "RHT", Product: 0x1234, Name: "QEMU Monitor", Version: "1.4", Year: 2014, WidthCM: 32, HeightCM: 20}
	if e != want {
		t.Errorf("ParseEDID = %+v, want %+v", e, want)
	}
}

func TestParseEDIDRejectsMalformed(t *testing.T) {
	good := mustRead(t, "testdata/qemu-edid.bin")
	badSum := bytes.Clone(good)
	badSum[20] ^= 1
	badHeader := bytes.Clone(good)
	badHeader[0] = 1
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", good[:127], "EDID: 127 bytes, shorter than the 128-byte base block"},
		{"bad header", badHeader, "EDID: bad header 01 ff ff ff ff ff ff 00"},
		{"bad checksum", badSum, "EDID: base block checksum is off by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEDID(tt.b)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ParseEDID error = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func FuzzParseEDID(f *testing.F) {
	if b, err := os.ReadFile("testdata/qemu-edid.bin"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { ParseEDID(b) })
}

func TestModeBlobRoundTrips(t *testing.T) {
	m := Mode{Name: "1920x1080", Clock: 148500, HDisplay: 1920, HSyncStart: 2008, HSyncEnd: 2052, HTotal: 2200,
		VDisplay: 1080, VSyncStart: 1084, VSyncEnd: 1089, VTotal: 1125, VRefresh: 60, Flags: 5, Type: ModeTypePreferred | ModeTypeDriver}
	b := m.Blob()
	if len(b) != 68 {
		t.Fatalf("mode blob is %d bytes, want 68 (struct drm_mode_modeinfo)", len(b))
	}
	got, err := ParseModeBlob(b)
	if err != nil || got != m {
		t.Errorf("ParseModeBlob = %+v, %v; want %+v", got, err, m)
	}
	if got := m.RefreshMilliHz(); got != 60000 {
		t.Errorf("RefreshMilliHz = %d, want 60000", got)
	}
	if _, err := ParseModeBlob(b[:67]); err == nil || err.Error() != "kms: mode blob of 67 bytes is shorter than struct drm_mode_modeinfo" {
		t.Errorf("ParseModeBlob(67 bytes) error = %v", err)
	}
}

func eventBytes(typ uint32, userData uint64, a, b, c, d uint32) []byte {
	buf := make([]byte, 32)
	ne := binary.NativeEndian
	ne.PutUint32(buf[0:], typ)
	ne.PutUint32(buf[4:], 32)
	ne.PutUint64(buf[8:], userData)
	ne.PutUint32(buf[16:], a)
	ne.PutUint32(buf[20:], b)
	ne.PutUint32(buf[24:], c)
	ne.PutUint32(buf[28:], d)
	return buf
}

func TestDispatchEvents(t *testing.T) {
	seq := make([]byte, 32)
	ne := binary.NativeEndian
	ne.PutUint32(seq[0:], uapi.DRM_EVENT_CRTC_SEQUENCE)
	ne.PutUint32(seq[4:], 32)
	ne.PutUint64(seq[8:], 9)
	ne.PutUint64(seq[16:], 5_000_000_123)
	ne.PutUint64(seq[24:], 1<<40)
	private := []byte{0, 0, 0, 0x80, 12, 0, 0, 0, 1, 2, 3, 4}
	b := slicesConcat(
		eventBytes(uapi.DRM_EVENT_FLIP_COMPLETE, 7, 3, 250, 100, 42),
		private,
		eventBytes(uapi.DRM_EVENT_VBLANK, 8, 4, 0, 101, 42),
		seq,
	)
	var got []Event
	if err := dispatchEvents(b, func(e Event) { got = append(got, e) }); err != nil {
		t.Fatal(err)
	}
	want := []Event{
		{Kind: EventFlipComplete, CRTC: 42, Sequence: 100, Time: 3_000_250_000, UserData: 7},
		{Kind: EventVblank, CRTC: 42, Sequence: 101, Time: 4_000_000_000, UserData: 8},
		{Kind: EventSequence, Sequence: 1 << 40, Time: 5_000_000_123, UserData: 9},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDispatchEventsRejectsTruncation(t *testing.T) {
	ev := eventBytes(uapi.DRM_EVENT_FLIP_COMPLETE, 1, 0, 0, 1, 1)
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"header cut", ev[:5], "kms: malformed DRM event (type 0, length 0, 5 bytes left)"},
		{"body cut", ev[:20], "kms: malformed DRM event (type 2, length 32, 20 bytes left)"},
		{"length below header", []byte{2, 0, 0, 0, 4, 0, 0, 0}, "kms: malformed DRM event (type 2, length 4, 8 bytes left)"},
		{"flip event too short for its type", []byte{2, 0, 0, 0, 8, 0, 0, 0}, "kms: short vblank event (8 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := dispatchEvents(tt.b, func(Event) {})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzDispatchEvents(f *testing.F) {
	f.Add(eventBytes(uapi.DRM_EVENT_FLIP_COMPLETE, 7, 3, 250, 100, 42))
	f.Fuzz(func(t *testing.T, b []byte) { dispatchEvents(b, func(Event) {}) })
}

func TestDecodeProperty(t *testing.T) {
	name := func(s string) (n [32]byte) { copy(n[:], s); return }
	enum := func(v uint64, s string) uapi.DRMModePropertyEnum {
		return uapi.DRMModePropertyEnum{Value: v, Name: name(s)}
	}
	tests := []struct {
		name   string
		g      uapi.DRMModeGetProperty
		values []uint64
		enums  []uapi.DRMModePropertyEnum
		want   Property
		desc   string
	}{
		{"range", uapi.DRMModeGetProperty{PropID: 1, Name: name("alpha"), Flags: uapi.DRM_MODE_PROP_RANGE}, []uint64{0, 0xffff}, nil,
			Property{ID: 1, Name: "alpha", Kind: PropRange, Max: 0xffff}, "range [0, 65535]"},
		{"signed range, atomic", uapi.DRMModeGetProperty{PropID: 2, Name: name("CRTC_X"), Flags: uapi.DRM_MODE_PROP_SIGNED_RANGE | uapi.DRM_MODE_PROP_ATOMIC}, []uint64{uint64(1 << 63), 1<<63 - 1}, nil,
			Property{ID: 2, Name: "CRTC_X", Kind: PropSignedRange, Atomic: true, SignedMin: -1 << 63, SignedMax: 1<<63 - 1}, "signed range [-9223372036854775808, 9223372036854775807], atomic"},
		{"immutable enum", uapi.DRMModeGetProperty{PropID: 3, Name: name("type"), Flags: uapi.DRM_MODE_PROP_ENUM | uapi.DRM_MODE_PROP_IMMUTABLE}, []uint64{0, 1, 2},
			[]uapi.DRMModePropertyEnum{enum(0, "Overlay"), enum(1, "Primary"), enum(2, "Cursor")},
			Property{ID: 3, Name: "type", Kind: PropEnum, Immutable: true, Enums: []EnumValue{{"Overlay", 0}, {"Primary", 1}, {"Cursor", 2}}}, "enum {Overlay, Primary, Cursor}, immutable"},
		{"bitmask", uapi.DRMModeGetProperty{PropID: 4, Name: name("rotation"), Flags: uapi.DRM_MODE_PROP_BITMASK}, []uint64{0, 4},
			[]uapi.DRMModePropertyEnum{enum(0, "rotate-0"), enum(4, "reflect-x")},
			Property{ID: 4, Name: "rotation", Kind: PropBitmask, Enums: []EnumValue{{"rotate-0", 0}, {"reflect-x", 4}}}, "bitmask {rotate-0, reflect-x}"},
		{"blob", uapi.DRMModeGetProperty{PropID: 5, Name: name("IN_FORMATS"), Flags: uapi.DRM_MODE_PROP_BLOB | uapi.DRM_MODE_PROP_IMMUTABLE}, nil, nil,
			Property{ID: 5, Name: "IN_FORMATS", Kind: PropBlob, Immutable: true}, "blob, immutable"},
		{"object", uapi.DRMModeGetProperty{PropID: 6, Name: name("FB_ID"), Flags: uapi.DRM_MODE_PROP_OBJECT | uapi.DRM_MODE_PROP_ATOMIC}, []uint64{uapi.DRM_MODE_OBJECT_FB}, nil,
			Property{ID: 6, Name: "FB_ID", Kind: PropObject, Atomic: true, ObjectType: uapi.DRM_MODE_OBJECT_FB}, "object FB, atomic"},
		{"range with values missing reads zero", uapi.DRMModeGetProperty{PropID: 7, Name: name("x"), Flags: uapi.DRM_MODE_PROP_RANGE}, nil, nil,
			Property{ID: 7, Name: "x", Kind: PropRange}, "range [0, 0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeProperty(tt.g, tt.values, tt.enums)
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("decodeProperty = %+v, want %+v", *got, tt.want)
			}
			if d := got.Describe(); d != tt.desc {
				t.Errorf("Describe = %q, want %q", d, tt.desc)
			}
		})
	}
}

func TestPropertyFormat(t *testing.T) {
	rot := &Property{Kind: PropBitmask, Enums: []EnumValue{{"rotate-0", 0}, {"rotate-90", 1}, {"reflect-x", 4}}}
	if got := rot.Format(0b10010); got != "{rotate-90, reflect-x}" {
		t.Errorf("bitmask Format = %q", got)
	}
	typ := &Property{Kind: PropEnum, Enums: []EnumValue{{"Overlay", 0}, {"Primary", 1}}}
	if got := typ.Format(1); got != "Primary" {
		t.Errorf("enum Format = %q", got)
	}
	if got := (&Property{Kind: PropSignedRange}).Format(uint64(1<<64 - 5)); got != "-5" {
		t.Errorf("signed Format = %q", got)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(name))
	if err != nil {
		t.Fatalf("recorded blob missing: %v", err)
	}
	return b
}

func slicesConcat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}
