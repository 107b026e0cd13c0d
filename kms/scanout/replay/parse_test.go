package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms/scanout"
)

func readHW(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "hw", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseModetestFixtures(t *testing.T) {
	for _, tc := range []struct {
		file, driver string
		planes       []scanout.PlaneType
		formats      int // of the first plane
		modeW, modeH uint32
		firstHas     allocator.Format
	}{
		{"spacemit-k1-dpu.modetest.txt", "spacemit",
			[]scanout.PlaneType{"primary", "cursor", "overlay", "overlay", "overlay", "overlay", "overlay", "overlay"}, 14, 1200, 1920, allocator.P010},
		{"rzg2l-du.modetest.txt", "rzg2l-du", []scanout.PlaneType{"primary", "overlay"}, 25, 1920, 1080, allocator.YUV444},
		{"imx8mm-mxsfb-mainline.modetest-p.txt", "mxsfb-drm", []scanout.PlaneType{"primary"}, 2, 1920, 1080, allocator.RGB565},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			d, err := ParseModetest(readHW(t, tc.file), tc.driver, "/dev/dri/card1")
			if err != nil {
				t.Fatal(err)
			}
			var types []scanout.PlaneType
			for _, p := range d.Planes {
				types = append(types, p.Type)
				if p.NoInFormats {
					t.Errorf("plane %d: IN_FORMATS not found", p.ID)
				}
			}
			if len(types) != len(tc.planes) {
				t.Fatalf("plane types %v, want %v", types, tc.planes)
			}
			for i := range types {
				if types[i] != tc.planes[i] {
					t.Fatalf("plane types %v, want %v", types, tc.planes)
				}
			}
			p := d.Planes[0]
			if p.Formats.Len() != tc.formats {
				t.Errorf("first plane has %d formats, want %d: %v", p.Formats.Len(), tc.formats, p.Formats)
			}
			if !p.Formats.Has(tc.firstHas, allocator.ModifierLinear) || !p.Formats.Has(allocator.XRGB8888, allocator.ModifierLinear) {
				t.Errorf("first plane lacks %v or XRGB8888 with LINEAR: %v", tc.firstHas, p.Formats)
			}
			for f, m := range p.Formats.All() {
				if m != allocator.ModifierLinear {
					t.Errorf("%v has modifier %v; the dumps list LINEAR only", f, m)
				}
			}
			if d.ModeWidth != tc.modeW || d.ModeHeight != tc.modeH {
				t.Errorf("mode %dx%d, want %dx%d", d.ModeWidth, d.ModeHeight, tc.modeW, tc.modeH)
			}
		})
	}
}

func TestParseDrmInfoAsahi(t *testing.T) {
	devs, skipped, err := ParseDrmInfo(readHW(t, "apple-m2-asahi.drm_info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 {
		t.Fatalf("got %d devices, want adp and apple", len(devs))
	}
	adp, apple := devs[0], devs[1]
	if adp.Driver != "adp" || adp.Node != "/dev/dri/card1" || adp.DriverVersion != "0.1.0" || apple.Driver != "apple" || apple.Node != "/dev/dri/card3" {
		t.Fatalf("devices %+v / %+v", adp, apple)
	}
	if adp.MaxWidth != 64 || adp.MaxHeight != 2048 || adp.MinWidth != 32 || adp.ModeWidth != 60 || adp.ModeHeight != 2008 {
		t.Errorf("adp limits %d..%dx%d..%d mode %dx%d", adp.MinWidth, adp.MaxWidth, adp.MinHeight, adp.MaxHeight, adp.ModeWidth, adp.ModeHeight)
	}
	if len(apple.Compatible) != 1 || apple.Compatible[0] != "apple,display-subsystem" {
		t.Errorf("apple compatible %q", apple.Compatible)
	}
	if len(apple.Planes) != 2 || apple.Planes[0].Type != scanout.PlanePrimary || apple.Planes[1].Type != scanout.PlaneOverlay ||
		apple.Planes[0].ID != 33 || apple.Planes[1].ID != 36 {
		t.Fatalf("apple planes %+v", apple.Planes)
	}
	want := allocator.NewFormatSet([]allocator.Format{allocator.XRGB2101010, allocator.XRGB8888, allocator.ARGB8888, allocator.XBGR8888, allocator.ABGR8888}, allocator.ModifierLinear)
	if !apple.Planes[0].Formats.Equal(want) {
		t.Errorf("apple primary formats %v, want %v", apple.Planes[0].Formats, want)
	}
	if !apple.Dumb || !apple.PrimeImport || apple.CursorWidth != 64 {
		t.Errorf("apple caps dumb=%v prime=%v cursor=%d", apple.Dumb, apple.PrimeImport, apple.CursorWidth)
	}
	if len(skipped) != 2 || skipped[1] != "Failed to retrieve information from /dev/dri/card2" {
		t.Errorf("skipped %q", skipped)
	}
}

func TestParsePlanesJSONRaspberryPi4(t *testing.T) {
	d, err := ParsePlanesJSON([]byte(readHW(t, "rpi4-vc4.planes.derived.json")), "/dev/dri/card1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Driver != "vc4" || len(d.Planes) != 2 || d.Planes[0].Type != scanout.PlanePrimary || d.Planes[0].ID != 51 {
		t.Fatalf("device %+v", d)
	}
	p := d.Planes[0]
	if p.Formats.Len() != 23 {
		t.Errorf("primary has %d formats, want 23", p.Formats.Len())
	}
	for _, c := range []struct {
		f    allocator.Format
		m    allocator.Modifier
		want bool
	}{
		{allocator.XRGB8888, allocator.ModifierBroadcomVC4TTiled, true},
		{allocator.XRGB8888, allocator.ModifierLinear, true},
		{allocator.NV12, allocator.ModifierBroadcomSAND128, true},
		{allocator.RGB888, allocator.ModifierBroadcomVC4TTiled, false},
	} {
		if got := p.Formats.Has(c.f, c.m); got != c.want {
			t.Errorf("Has(%v, %v) = %v, want %v", c.f, c.m, got, c.want)
		}
	}
	p030, _ := ParseFourCC("P030")
	if ms := p.Formats.Modifiers(p030); len(ms) != 1 || ms[0] != allocator.ModifierBroadcomSAND128 {
		t.Errorf("P030 modifiers %v, want SAND128 only", ms)
	}
}

func TestParseByPathAsahi(t *testing.T) {
	got := ParseByPath(readHW(t, "apple-m2-asahi.dev-dri.txt"))
	want := map[string]string{
		"card2": "platform-206400000.gpu", "renderD128": "platform-206400000.gpu",
		"card1": "platform-228200000.display-pipe", "card3": "platform-soc:display-subsystem",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s -> %q, want %q", k, got[k], v)
		}
	}
}

func TestParseModetestRejects(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"empty", "", "parse modetest output: no planes found (is this modetest output with a Planes: section?)"},
		{"no type", "Planes:\n31 0 0 0,0 0,0 0 0x1\n  formats: XR24\n", "parse modetest output: plane 31 has no type property"},
		{"bad blob", "Planes:\n31 0 0 0,0 0,0 0 0x1\n 8 type:\n  value: 1\n 30 IN_FORMATS:\n  value:\n  0100\n",
			"parse modetest output: plane 31 IN_FORMATS: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseModetest(tc.text, "x", "/dev/dri/card0")
			if err == nil || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
				t.Fatalf("err = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestPlanesJSONRoundTrip(t *testing.T) {
	d, err := ParsePlanesJSON([]byte(readHW(t, "rpi4-vc4.planes.derived.json")), "/dev/dri/card1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := MarshalPlanesJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePlanesJSON(b, "/dev/dri/card1")
	if err != nil {
		t.Fatal(err)
	}
	if d.PlanesHash() != back.PlanesHash() {
		t.Errorf("round trip changed the planes:\n%s", b)
	}
}

// The RK3588 vendor kernel's heap names (an ls -l of /dev/dma_heap posted
// from a Rock 5B+) are classified right: the CMA heap there is called
// default_cma_region, not linux,cma.
func TestRK3588HeapNamesAreClassified(t *testing.T) {
	want := map[string]scanout.MemoryClass{
		"default_cma_region": scanout.ClassContiguous, "reserved": scanout.ClassContiguous,
		"system": scanout.ClassSystem, "system-uncached": scanout.ClassSystem,
	}
	n := 0
	for _, line := range strings.Split(readHW(t, "rk3588-rock5bplus.dma_heap.ls.txt"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		name := f[len(f)-1]
		n++
		if got := scanout.HeapRoute(name).Class; got != want[name] {
			t.Errorf("%s: class %s, want %s", name, got, want[name])
		}
	}
	if n != len(want) {
		t.Errorf("%d heaps in the listing, want %d", n, len(want))
	}
}
