package allocator

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestComputeLayout(t *testing.T) {
	type pl struct {
		off    uint64
		stride uint32
		rows   int
	}
	tests := []struct {
		name string
		w, h int
		f    Format
		a    Alignment
		want []pl
		size uint64
	}{
		{"1080p XRGB8888 tight", 1920, 1080, XRGB8888, Alignment{}, []pl{{0, 7680, 1080}}, 1920 * 1080 * 4},
		{"1080p XRGB8888 default", 1920, 1080, XRGB8888, DefaultAlignment, []pl{{0, 7680, 1080}}, 8294400},
		{"4K ARGB8888 default", 3840, 2160, ARGB8888, DefaultAlignment, []pl{{0, 15360, 2160}}, 33177600},
		{"odd width stride aligned", 641, 1, XRGB8888, DefaultAlignment, []pl{{0, 2816, 1}}, 4096},
		{"RGB888 3 bytes", 5, 2, RGB888, Alignment{}, []pl{{0, 15, 2}}, 30},
		{"RGB565", 1366, 768, RGB565, Alignment{Stride: 64}, []pl{{0, 2752, 768}}, 2752 * 768},
		{"XR48", 100, 10, XRGB16161616, Alignment{}, []pl{{0, 800, 10}}, 8000},
		{"YUYV odd width rounds up a block", 3, 2, YUYV, Alignment{}, []pl{{0, 8, 2}}, 16},
		{"NV12 1080p", 1920, 1080, NV12, Alignment{}, []pl{{0, 1920, 1080}, {1920 * 1080, 1920, 540}}, 1920 * 1080 * 3 / 2},
		{"NV12 odd size", 5, 3, NV12, Alignment{}, []pl{{0, 5, 3}, {15, 6, 2}}, 27},
		{"NV12 default alignment", 1920, 1080, NV12, DefaultAlignment, []pl{{0, 2048, 1080}, {2211840, 2048, 540}}, 3317760},
		{"NV16", 4, 4, NV16, Alignment{}, []pl{{0, 4, 4}, {16, 4, 4}}, 32},
		{"P010", 4, 4, P010, Alignment{}, []pl{{0, 8, 4}, {32, 8, 2}}, 48},
		{"YUV420", 4, 4, YUV420, Alignment{}, []pl{{0, 4, 4}, {16, 2, 2}, {20, 2, 2}}, 24},
		{"YVU420 rows 16", 8, 8, YVU420, Alignment{Rows: 16}, []pl{{0, 8, 16}, {128, 4, 16}, {192, 4, 16}}, 256},
		{"max dimension", MaxDimension, 1, ARGB16161616, Alignment{}, []pl{{0, MaxDimension * 8, 1}}, MaxDimension * 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ComputeLayout(tt.w, tt.h, tt.f, tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Planes) != len(tt.want) {
				t.Fatalf("%d planes, want %d", len(l.Planes), len(tt.want))
			}
			for i, p := range l.Planes {
				if p.Offset != tt.want[i].off || p.Stride != tt.want[i].stride || p.Rows != tt.want[i].rows {
					t.Errorf("plane %d = off %d stride %d rows %d, want %+v", i, p.Offset, p.Stride, p.Rows, tt.want[i])
				}
			}
			if l.Size != tt.size {
				t.Errorf("size = %d, want %d", l.Size, tt.size)
			}
		})
	}
}

func TestComputeLayoutRefusesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		w, h  int
		f     Format
		a     Alignment
		field string
		kind  error
	}{
		{"zero width", 0, 10, XRGB8888, Alignment{}, "width", ErrInvalidRequest},
		{"zero height", 10, 0, XRGB8888, Alignment{}, "height", ErrInvalidRequest},
		{"negative", -1, 10, XRGB8888, Alignment{}, "width", ErrInvalidRequest},
		{"overflowing width", MaxDimension + 1, 10, XRGB8888, Alignment{}, "width", ErrInvalidRequest},
		{"huge height", 10, 1 << 40, XRGB8888, Alignment{}, "height", ErrInvalidRequest},
		{"unknown format", 10, 10, fourcc('Z', 'Z', '9', '9'), Alignment{}, "format", ErrUnknownFormat},
		{"zero format", 10, 10, 0, Alignment{}, "format", ErrUnknownFormat},
		{"non power of two", 10, 10, XRGB8888, Alignment{Stride: 3}, "alignment.stride", ErrInvalidRequest},
		{"negative alignment", 10, 10, XRGB8888, Alignment{Size: -4096}, "alignment.size", ErrInvalidRequest},
		{"alignment too large", 10, 10, XRGB8888, Alignment{Offset: 1 << 21}, "alignment.offset", ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ComputeLayout(tt.w, tt.h, tt.f, tt.a)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *RequestError", err)
			}
			if re.Field != tt.field || !errors.Is(err, tt.kind) || !errors.Is(err, unix.EINVAL) {
				t.Errorf("err = %v (field %q), want field %q kind %v matching EINVAL", err, re.Field, tt.field, tt.kind)
			}
		})
	}
}

// checkLayoutInvariants verifies what every consumer of a Layout relies
// on; the fuzzer and the per-format test share it.
func checkLayoutInvariants(t *testing.T, w, h int, f Format, a Alignment, l Layout) {
	t.Helper()
	fi, _ := f.Info()
	var end uint64
	for i, p := range l.Planes {
		pw, ph := fi.PlaneSize(i, w, h)
		minStride := uint64((pw+fi.BlockW[i]-1)/fi.BlockW[i]) * uint64(fi.BlockBytes[i])
		if uint64(p.Stride) < minStride {
			t.Fatalf("%v %dx%d plane %d: stride %d < minimum %d", f, w, h, i, p.Stride, minStride)
		}
		if a.Stride > 1 && p.Stride%uint32(a.Stride) != 0 {
			t.Fatalf("%v %dx%d plane %d: stride %d not aligned to %d", f, w, h, i, p.Stride, a.Stride)
		}
		if p.Rows < ph {
			t.Fatalf("%v %dx%d plane %d: %d rows < %d", f, w, h, i, p.Rows, ph)
		}
		if p.Offset < end {
			t.Fatalf("%v %dx%d plane %d at %d overlaps the previous plane ending at %d", f, w, h, i, p.Offset, end)
		}
		if i > 0 && a.Offset > 1 && p.Offset%uint64(a.Offset) != 0 {
			t.Fatalf("%v plane %d offset %d not aligned to %d", f, i, p.Offset, a.Offset)
		}
		if p.Size != uint64(p.Stride)*uint64(p.Rows) {
			t.Fatalf("plane size %d != stride*rows", p.Size)
		}
		end = p.Offset + p.Size
	}
	if l.Size < end || (a.Size > 1 && l.Size%uint64(a.Size) != 0) || l.Size-end >= uint64(max(a.Size, 1)) {
		t.Fatalf("%v %dx%d: size %d for planes ending at %d (align %d)", f, w, h, l.Size, end, a.Size)
	}
}

func TestLayoutInvariantsForEveryFormat(t *testing.T) {
	sizes := [][2]int{{1, 1}, {2, 2}, {3, 5}, {641, 479}, {1920, 1080}, {3840, 2160}, {MaxDimension, 3}}
	for _, f := range Formats() {
		for _, a := range []Alignment{{}, DefaultAlignment, ShmAlignment, {Stride: 64, Rows: 16}} {
			for _, s := range sizes {
				l, err := ComputeLayout(s[0], s[1], f, a)
				if err != nil {
					t.Fatalf("%v %v: %v", f, s, err)
				}
				checkLayoutInvariants(t, s[0], s[1], f, a, l)
			}
		}
	}
}

func FuzzComputeLayout(f *testing.F) {
	f.Add(1920, 1080, uint32(XRGB8888), 256, 4096, 4096, 0)
	f.Add(5, 3, uint32(NV12), 0, 0, 0, 0)
	f.Add(0, 0, uint32(0), 3, -1, 1<<30, 7)
	f.Add(MaxDimension, MaxDimension, uint32(ARGB16161616), 1<<20, 1<<20, 1<<20, 1<<20)
	for i, fm := range Formats() { // every format is in the corpus
		f.Add(1+i*37, 3+i*11, uint32(fm), 256, 4096, 4096, i%3*8)
	}
	f.Fuzz(func(t *testing.T, w, h int, code uint32, sa, oa, za, ra int) {
		a := Alignment{Stride: sa, Offset: oa, Size: za, Rows: ra}
		l, err := ComputeLayout(w, h, Format(code), a)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RequestError", err)
			}
			return
		}
		checkLayoutInvariants(t, w, h, Format(code), a, l)
	})
}
