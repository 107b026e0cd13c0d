package allocator

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFormatCodesMatchDRMFourcc(t *testing.T) {
	// Values from include/uapi/drm/drm_fourcc.h, written as numbers so a
	// typo in the fourcc() calls cannot hide.
	tests := []struct {
		f      Format
		name   string
		code   string
		number uint32
	}{
		{XRGB8888, "XRGB8888", "XR24", 0x34325258},
		{ARGB8888, "ARGB8888", "AR24", 0x34325241},
		{XBGR8888, "XBGR8888", "XB24", 0x34324258},
		{ABGR8888, "ABGR8888", "AB24", 0x34324241},
		{RGBX8888, "RGBX8888", "RX24", 0x34325852},
		{RGBA8888, "RGBA8888", "RA24", 0x34324152},
		{BGRX8888, "BGRX8888", "BX24", 0x34325842},
		{BGRA8888, "BGRA8888", "BA24", 0x34324142},
		{RGB565, "RGB565", "RG16", 0x36314752},
		{BGR565, "BGR565", "BG16", 0x36314742},
		{XRGB2101010, "XRGB2101010", "XR30", 0x30335258},
		{ARGB2101010, "ARGB2101010", "AR30", 0x30335241},
		{XBGR2101010, "XBGR2101010", "XB30", 0x30334258},
		{ABGR2101010, "ABGR2101010", "AB30", 0x30334241},
		{XRGB16161616F, "XRGB16161616F", "XR4H", 0x48345258},
		{ABGR16161616F, "ABGR16161616F", "AB4H", 0x48344241},
		{XRGB16161616, "XRGB16161616", "XR48", 0x38345258},
		{ARGB16161616, "ARGB16161616", "AR48", 0x38345241},
		{RGB888, "RGB888", "RG24", 0x34324752},
		{BGR888, "BGR888", "BG24", 0x34324742},
		{R8, "R8", "R8", 0x20203852},
		{GR88, "GR88", "GR88", 0x38385247},
		{NV12, "NV12", "NV12", 0x3231564e},
		{NV21, "NV21", "NV21", 0x3132564e},
		{NV16, "NV16", "NV16", 0x3631564e},
		{P010, "P010", "P010", 0x30313050},
		{YUV420, "YUV420", "YU12", 0x32315559},
		{YVU420, "YVU420", "YV12", 0x32315659},
		{YUYV, "YUYV", "YUYV", 0x56595559},
		{UYVY, "UYVY", "UYVY", 0x59565955},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if uint32(tt.f) != tt.number {
				t.Errorf("value = %#08x, want %#08x", uint32(tt.f), tt.number)
			}
			if got := tt.f.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.f.FourCC(); got != tt.code {
				t.Errorf("FourCC() = %q, want %q", got, tt.code)
			}
			for _, in := range []string{tt.name, tt.code} {
				got, err := ParseFormat(in)
				if err != nil || got != tt.f {
					t.Errorf("ParseFormat(%q) = %v, %v; want %v", in, got, err, tt.f)
				}
			}
		})
	}
}

func TestUnknownFormatPrintsCodeAndHex(t *testing.T) {
	f := fourcc('Z', 'Z', '9', '9')
	if got, want := f.String(), "'ZZ99' (0x39395a5a)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := Format(0).String(); got != "INVALID" {
		t.Errorf("Format(0).String() = %q", got)
	}
	if got := Format(0x01020304).FourCC(); got != "????" {
		t.Errorf("non-printable FourCC() = %q, want ????", got)
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		err  bool
	}{
		{"xrgb8888", XRGB8888, false},
		{"XR24", XRGB8888, false},
		{"0x34325258", XRGB8888, false},
		{"0x39395a5a", fourcc('Z', 'Z', '9', '9'), false},
		{"R8", R8, false},
		{"NOPE1234", 0, true},
		{"", 0, true},
		{"0xzz", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if tt.err {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Input != tt.in || !errors.Is(err, ErrUnknownFormat) || !errors.Is(err, unix.EINVAL) {
				t.Errorf("ParseFormat(%q) error = %v, want *FormatError matching ErrUnknownFormat and EINVAL", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatLayoutFacts(t *testing.T) {
	tests := []struct {
		f          Format
		planes     int
		bpp        [3]int
		hsub, vsub int
		alpha, yuv bool
		opaque     Format
	}{
		{XRGB8888, 1, [3]int{4}, 1, 1, false, false, XRGB8888},
		{ARGB8888, 1, [3]int{4}, 1, 1, true, false, XRGB8888},
		{ABGR8888, 1, [3]int{4}, 1, 1, true, false, XBGR8888},
		{RGBA8888, 1, [3]int{4}, 1, 1, true, false, RGBX8888},
		{BGRA8888, 1, [3]int{4}, 1, 1, true, false, BGRX8888},
		{ARGB2101010, 1, [3]int{4}, 1, 1, true, false, XRGB2101010},
		{ABGR2101010, 1, [3]int{4}, 1, 1, true, false, XBGR2101010},
		{ARGB16161616, 1, [3]int{8}, 1, 1, true, false, XRGB16161616},
		{ABGR16161616F, 1, [3]int{8}, 1, 1, true, false, XBGR16161616F},
		{RGB565, 1, [3]int{2}, 1, 1, false, false, RGB565},
		{RGB888, 1, [3]int{3}, 1, 1, false, false, RGB888},
		{R8, 1, [3]int{1}, 1, 1, false, false, R8},
		{GR88, 1, [3]int{2}, 1, 1, false, false, GR88},
		{YUYV, 1, [3]int{2}, 2, 1, false, true, YUYV},
		{UYVY, 1, [3]int{2}, 2, 1, false, true, UYVY},
		{NV12, 2, [3]int{1, 2}, 2, 2, false, true, NV12},
		{NV21, 2, [3]int{1, 2}, 2, 2, false, true, NV21},
		{NV16, 2, [3]int{1, 2}, 2, 1, false, true, NV16},
		{P010, 2, [3]int{2, 4}, 2, 2, false, true, P010},
		{YUV420, 3, [3]int{1, 1, 1}, 2, 2, false, true, YUV420},
		{YVU420, 3, [3]int{1, 1, 1}, 2, 2, false, true, YVU420},
	}
	for _, tt := range tests {
		t.Run(tt.f.String(), func(t *testing.T) {
			fi, ok := tt.f.Info()
			if !ok {
				t.Fatal("Info() not found")
			}
			if fi.Planes != tt.planes || fi.HSub != tt.hsub || fi.VSub != tt.vsub || fi.Alpha != tt.alpha || fi.YUV != tt.yuv {
				t.Errorf("got planes %d sub %dx%d alpha %v yuv %v", fi.Planes, fi.HSub, fi.VSub, fi.Alpha, fi.YUV)
			}
			for i := range tt.planes {
				if got := fi.BytesPerPixel(i); got != tt.bpp[i] {
					t.Errorf("BytesPerPixel(%d) = %d, want %d", i, got, tt.bpp[i])
				}
			}
			if got := tt.f.Opaque(); got != tt.opaque {
				t.Errorf("Opaque() = %v, want %v", got, tt.opaque)
			}
			if tt.f.HasAlpha() != tt.alpha {
				t.Errorf("HasAlpha() = %v", !tt.alpha)
			}
		})
	}
}

func TestEveryFormatIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Formats() {
		fi, _ := f.Info()
		if seen[fi.Name] {
			t.Errorf("duplicate name %s", fi.Name)
		}
		seen[fi.Name] = true
		if fi.Planes < 1 || fi.Planes > 3 {
			t.Errorf("%v: %d planes", f, fi.Planes)
		}
		for i := range fi.Planes {
			if fi.BlockBytes[i] <= 0 || fi.BlockW[i] <= 0 {
				t.Errorf("%v plane %d: block %d bytes x %d px", f, i, fi.BlockBytes[i], fi.BlockW[i])
			}
		}
		if op, _ := fi.Opaque.Info(); op.Alpha || op.BlockBytes != fi.BlockBytes || op.Planes != fi.Planes {
			t.Errorf("%v: opaque counterpart %v has alpha or a different layout", f, fi.Opaque)
		}
		if got, err := ParseFormat(f.FourCC()); err != nil || got != f {
			t.Errorf("ParseFormat(FourCC of %v) = %v, %v", f, got, err)
		}
	}
}
