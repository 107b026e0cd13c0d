package replay

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms/scanout"
)

var update = flag.Bool("update", false, "rewrite the golden reports under testdata/golden")

// board is a replay profile: devices parsed from a real dump, a sysfs
// heap-link tree, and an oracle of outcomes.
type board struct {
	name    string
	devices func(t *testing.T) []*scanout.Device
	primary map[string]string // device node -> expected route of the primary plane's XRGB8888/LINEAR
}

func boardDir(name string) string { return filepath.Join("..", "testdata", "boards", name) }

func withRender(render string, sysroot string, devs ...*scanout.Device) []*scanout.Device {
	for _, d := range devs {
		d.Render, d.Split = render, true
		d.Compatible = scanout.ReadCompatible(sysroot, d.SysName)
	}
	return devs
}

var boards = []board{
	{name: "rpi4", primary: map[string]string{"/dev/dri/card1": "heap:linux,cma"},
		devices: func(t *testing.T) []*scanout.Device {
			d, err := ParsePlanesJSON([]byte(readHW(t, "rpi4-vc4.planes.derived.json")), "/dev/dri/card1")
			if err != nil {
				t.Fatal(err)
			}
			d.ModeWidth, d.ModeHeight = 1920, 1080
			return withRender("/dev/dri/renderD128", filepath.Join(boardDir("rpi4"), "sys"), d)
		}},
	{name: "asahi", primary: map[string]string{"/dev/dri/card1": "heap:system", "/dev/dri/card3": "heap:system"},
		devices: func(t *testing.T) []*scanout.Device {
			devs, _, err := ParseDrmInfo(readHW(t, "apple-m2-asahi.drm_info.txt"))
			if err != nil {
				t.Fatal(err)
			}
			// The GPU (card2 + renderD128) is another platform device than
			// both display devices: a split render/display SoC.
			paths := ParseByPath(readHW(t, "apple-m2-asahi.dev-dri.txt"))
			if paths["renderD128"] == paths["card1"] || paths["renderD128"] == paths["card3"] {
				t.Fatalf("by-path pairing %v: render node belongs to a display device", paths)
			}
			for _, d := range devs {
				d.BusPath = paths[d.SysName]
			}
			return withRender("/dev/dri/renderD128", filepath.Join(boardDir("asahi"), "sys"), devs...)
		}},
	{name: "imx8mm", primary: map[string]string{"/dev/dri/card0": "heap:linux,cma"},
		devices: func(t *testing.T) []*scanout.Device {
			d, err := ParseModetest(readHW(t, "imx8mm-mxsfb-mainline.modetest-p.txt"), "mxsfb-drm", "/dev/dri/card0")
			if err != nil {
				t.Fatal(err)
			}
			return withRender("/dev/dri/renderD128", filepath.Join(boardDir("imx8mm"), "sys"), d)
		}},
	{name: "rzg2l", primary: map[string]string{"/dev/dri/card0": "heap:linux,cma"},
		devices: func(t *testing.T) []*scanout.Device {
			d, err := ParseModetest(readHW(t, "rzg2l-du.modetest.txt"), "rzg2l-du", "/dev/dri/card0")
			if err != nil {
				t.Fatal(err)
			}
			return withRender("/dev/dri/renderD128", filepath.Join(boardDir("rzg2l"), "sys"), d)
		}},
	{name: "spacemit", primary: map[string]string{"/dev/dri/card1": "heap:linux,cma"},
		devices: func(t *testing.T) []*scanout.Device {
			d, err := ParseModetest(readHW(t, "spacemit-k1-dpu.modetest.txt"), "spacemit", "/dev/dri/card1")
			if err != nil {
				t.Fatal(err)
			}
			return withRender("/dev/dri/renderD128", filepath.Join(boardDir("spacemit"), "sys"), d)
		}},
}

func loadOracle(t testing.TB, name string) *Oracle {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(boardDir(name), "outcomes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOracle(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func boardSources(name string) []scanout.HintSource {
	root := filepath.Join(boardDir(name), "sys")
	return []scanout.HintSource{scanout.SysfsLinks{Roots: []string{root}}, scanout.Knowledge{}, scanout.IOMMU{Root: root}}
}

func fixedClock() func() time.Time {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	return func() time.Time { return t0 }
}

func negotiateBoard(t *testing.T, b board, opt scanout.Options) (*scanout.Plan, *Oracle, []*scanout.Device) {
	t.Helper()
	devs := b.devices(t)
	o := loadOracle(t, b.name)
	if opt.Sources == nil {
		opt.Sources = boardSources(b.name)
	}
	opt.KernelRelease = "replay"
	opt.Now = fixedClock()
	plan, err := scanout.Negotiate(context.Background(), devs, o, opt)
	if err != nil {
		t.Fatal(err)
	}
	return plan, o, devs
}

func TestReplayBoardsPickTheExpectedPrimaryRoute(t *testing.T) {
	for _, b := range boards {
		t.Run(b.name, func(t *testing.T) {
			plan, o, _ := negotiateBoard(t, b, scanout.Options{})
			if !plan.Complete {
				t.Fatalf("plan incomplete: %s", plan.Budget)
			}
			for node, want := range b.primary {
				dp := plan.Device(node)
				if dp == nil {
					t.Fatalf("no plan for %s", node)
				}
				fp := dp.Primary().Lookup(allocator.XRGB8888, allocator.ModifierLinear)
				if fp == nil || fp.Route != want {
					t.Errorf("%s primary XRGB8888/LINEAR route = %+v, want %s", node, fp, want)
				}
			}
			// Stopping at the first working route: every probed format has
			// exactly one accepted verdict and nothing probed after it.
			if plan.Probes != len(o.Probes()) {
				t.Errorf("plan counts %d probes, oracle saw %d", plan.Probes, len(o.Probes()))
			}
			var buf bytes.Buffer
			if err := scanout.BuildReport(plan).WriteText(&buf, false); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("..", "testdata", "golden", b.name+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update once and review the file)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("report differs from %s (go test -update rewrites it):\n%s", golden, buf.String())
			}
		})
	}
}

func TestRaspberryPi4PrimaryIsServedFromCMANeverSystemMemory(t *testing.T) {
	rpi4 := boards[0]
	for _, tc := range []struct {
		name    string
		sources []scanout.HintSource
	}{
		{"with all hint sources", nil},
		{"with driver knowledge only", []scanout.HintSource{scanout.Knowledge{}}},
		{"with no hints, probing alone", []scanout.HintSource{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, _, _ := negotiateBoard(t, rpi4, scanout.Options{ProbeAll: true, Sources: tc.sources})
			dp := plan.Device("/dev/dri/card1")
			pp := dp.Primary()
			if pp == nil || pp.ID != 51 {
				t.Fatalf("primary plane %+v", pp)
			}
			choices := pp.Choices()
			if len(choices) != len(pp.Formats) {
				t.Errorf("%d choices for %d formats: every format should have a route", len(choices), len(pp.Formats))
			}
			for _, fp := range pp.Formats {
				if fp.Route == "" {
					t.Errorf("%s: no route", fp.String())
					continue
				}
				r, _ := scanout.ParseRoute(fp.Route)
				if r.Class == scanout.ClassSystem {
					t.Errorf("%s served from %s (system memory)", fp.String(), fp.Route)
				}
				for _, v := range fp.Verdicts {
					vr, _ := scanout.ParseRoute(v.Route)
					if vr.Class == scanout.ClassSystem && (v.Result != scanout.ResultRefused && v.Result != scanout.ResultSkipped || v.Stage != scanout.StageImport || v.Errno != "EINVAL") {
						t.Errorf("%s: %s verdict %+v, want refused at import with EINVAL", fp.String(), v.Route, v)
					}
				}
			}
			if tc.sources == nil || len(tc.sources) > 0 {
				for _, fp := range pp.Formats {
					if fp.Route != "heap:linux,cma" {
						t.Errorf("%s: route %s, want heap:linux,cma", fp.String(), fp.Route)
					}
				}
			}
			s := dp.Sharing()
			if s.Route != "heap:linux,cma" || s.Allocator != "DMA heap linux,cma (neither device)" || s.Render != "/dev/dri/renderD128" {
				t.Errorf("sharing %+v", s)
			}
		})
	}
}

func TestRaspberryPi4Feedback(t *testing.T) {
	plan, _, _ := negotiateBoard(t, boards[0], scanout.Options{})
	fb := plan.Device("/dev/dri/card1").Feedback(nil)
	if fb.MainDevice != "/dev/dri/renderD128" || len(fb.Tranches) != 2 {
		t.Fatalf("feedback %+v", fb)
	}
	scan := fb.Tranches[0]
	if !scan.Scanout || scan.TargetDevice != "/dev/dri/card1" {
		t.Fatalf("first tranche %+v, want the scanout tranche for card1", scan)
	}
	for _, c := range []struct {
		f allocator.Format
		m allocator.Modifier
	}{{allocator.XRGB8888, allocator.ModifierLinear}, {allocator.XRGB8888, allocator.ModifierBroadcomVC4TTiled}, {allocator.NV12, allocator.ModifierBroadcomSAND128}} {
		if !scan.Formats.Has(c.f, c.m) {
			t.Errorf("scanout tranche lacks %v/%v", c.f, c.m)
		}
	}
	if r := fb.Tranches[1]; r.Scanout || r.TargetDevice != "/dev/dri/renderD128" {
		t.Errorf("render tranche %+v", r)
	}
}

func TestProbeBudgetIsRespected(t *testing.T) {
	for _, max := range []int{1, 3, 10} {
		plan, o, _ := negotiateBoard(t, boards[0], scanout.Options{ProbeAll: true, Budget: scanout.Budget{MaxProbes: max}})
		if plan.Probes != max || len(o.Probes()) != max {
			t.Errorf("budget %d: plan counted %d, oracle answered %d", max, plan.Probes, len(o.Probes()))
		}
		if plan.Complete || plan.Budget != "probe budget of "+strconv.Itoa(max)+" probes used up" {
			t.Errorf("budget %d: complete=%v budget=%q", max, plan.Complete, plan.Budget)
		}
		var noBudget int
		for _, fp := range plan.Devices[0].Planes[0].Formats {
			for _, v := range fp.Verdicts {
				if v.Result == scanout.ResultNoBudget {
					noBudget++
				}
			}
		}
		if noBudget == 0 {
			t.Errorf("budget %d: no verdict says the budget ran out", max)
		}
		if err := scanout.SaveCache(filepath.Join(t.TempDir(), "plan.json"), plan); err == nil {
			t.Errorf("budget %d: an incomplete plan was cached", max)
		}
	}
}

func TestCacheIsInvalidatedWhenInFormatsChange(t *testing.T) {
	b := boards[0]
	plan, _, devs := negotiateBoard(t, b, scanout.Options{})
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := scanout.SaveCache(path, plan); err != nil {
		t.Fatal(err)
	}
	sources := boardSources(b.name)
	got, err := scanout.LoadCache(path, scanout.KeyFor(devs, sources, "replay"))
	if err != nil {
		t.Fatalf("same devices: %v", err)
	}
	if !got.FromCache || got.Probes != plan.Probes || got.Device("/dev/dri/card1").Primary().Lookup(allocator.XRGB8888, allocator.ModifierLinear).Route != "heap:linux,cma" {
		t.Errorf("cached plan differs: %+v", got)
	}

	// A kernel update that drops T_TILED from XRGB8888 on the primary plane.
	changed := b.devices(t)
	var fs allocator.FormatSet
	for f, m := range changed[0].Planes[0].Formats.All() {
		if !(f == allocator.XRGB8888 && m == allocator.ModifierBroadcomVC4TTiled) {
			fs.Add(f, m)
		}
	}
	changed[0].Planes[0].Formats = fs
	_, err = scanout.LoadCache(path, scanout.KeyFor(changed, sources, "replay"))
	if !errors.Is(err, scanout.ErrCacheMiss) || !strings.HasSuffix(err.Error(), "is stale: planes' IN_FORMATS changed") {
		t.Errorf("IN_FORMATS change: err = %v", err)
	}
	_, err = scanout.LoadCache(path, scanout.KeyFor(devs, sources, "6.12.0-other"))
	if !errors.Is(err, scanout.ErrCacheMiss) || !strings.HasSuffix(err.Error(), "is stale: kernel replay -> 6.12.0-other") {
		t.Errorf("kernel change: err = %v", err)
	}
	devs[0].DriverVersion = "1.2.3"
	_, err = scanout.LoadCache(path, scanout.KeyFor(devs, sources, "replay"))
	if !errors.Is(err, scanout.ErrCacheMiss) || !strings.Contains(err.Error(), "drivers [") {
		t.Errorf("driver version change: err = %v", err)
	}
}

// The recordings made in the test VM (TestRecordedOutcomesReplayTheLivePlan
// with SCANOUT_RECORD_DIR) replay on any host.
func TestReplayVMRecordings(t *testing.T) {
	for _, tc := range []struct {
		driver, route string
		refused       []string // routes refused at import with ENODEV
	}{
		{"vkms", "heap:system", nil},
		{"virtio_gpu", "dumb", []string{"heap:system", "udmabuf", "heap:reserved"}},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "recorded")
			desc, err := os.ReadFile(filepath.Join(dir, tc.driver+".planes.json"))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := os.ReadFile(filepath.Join(dir, tc.driver+".outcomes.txt"))
			if err != nil {
				t.Fatal(err)
			}
			d, err := ParsePlanesJSON(desc, "/dev/dri/card1")
			if err != nil {
				t.Fatal(err)
			}
			o, err := ParseOracle(string(rec))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := scanout.Negotiate(context.Background(), []*scanout.Device{d}, o,
				scanout.Options{ProbeAll: true, Sources: []scanout.HintSource{scanout.Knowledge{}}, KernelRelease: "replay", Now: fixedClock()})
			if err != nil {
				t.Fatal(err)
			}
			fp := plan.Devices[0].Primary().Lookup(allocator.XRGB8888, allocator.ModifierLinear)
			if fp == nil || fp.Route != tc.route {
				t.Fatalf("primary XRGB8888/LINEAR: %+v, want %s", fp, tc.route)
			}
			for _, r := range tc.refused {
				found := false
				for _, v := range fp.Verdicts {
					if v.Route == r {
						found = v.Result == scanout.ResultRefused && v.Stage == scanout.StageImport && v.Errno == "ENODEV"
					}
				}
				if !found {
					t.Errorf("%s not refused at import with ENODEV: %+v", r, fp.Verdicts)
				}
			}
		})
	}
}

// Planes that reuse another plane's verdicts are stored without them and
// restored on load: the loaded plan equals the saved one.
func TestCacheRoundTripRestoresSharedPlanes(t *testing.T) {
	plan, _, _ := negotiateBoard(t, boards[4], scanout.Options{}) // spacemit: six identical overlays
	shared := 0
	for _, pp := range plan.Devices[0].Planes {
		if pp.SameAs != 0 {
			shared++
		}
	}
	if shared != 5 {
		t.Fatalf("%d planes share verdicts, want 5", shared)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := scanout.SaveCache(path, plan); err != nil {
		t.Fatal(err)
	}
	got, err := scanout.LoadCache(path, plan.Key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Devices[0].Planes, plan.Devices[0].Planes) {
		t.Error("loaded planes differ from the saved ones")
	}
}
