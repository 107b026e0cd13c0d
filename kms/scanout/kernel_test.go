package scanout

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/kms"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// openDisplay opens the card node of driver with atomic enabled, describes
// it and returns a prober for it; everything is closed at the end of t.
func openDisplay(t *testing.T, driver string, opt *ProberOptions) (*Device, *KMSProber) {
	t.Helper()
	testenv.RequireRoot(t)
	path := testenv.RequireDRMCard(t, driver)
	dev, err := kms.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	if _, err := dev.EnableAtomic(); err != nil {
		t.Fatal(err)
	}
	d, err := DescribeKMS(dev, "", "", false)
	if err != nil {
		t.Fatal(err)
	}
	p := NewProber(dev, opt)
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return d, p
}

func cmaHeap(t *testing.T) string {
	t.Helper()
	return filepath.Base(testenv.RequireHeap(t, testenv.CMAHeapNames...))
}

func verdictOf(fp *FormatPlan, route string) Verdict {
	for _, v := range fp.Verdicts {
		if v.Route == route {
			return v
		}
	}
	return Verdict{}
}

func report(t *testing.T, plan *Plan) string {
	t.Helper()
	var b bytes.Buffer
	if err := BuildReport(plan).WriteText(&b, true); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestVKMSAcceptsHeapUdmabufAndDumbRoutes(t *testing.T) {
	d, p := openDisplay(t, "vkms", nil)
	cma := cmaHeap(t)
	testenv.RequireHeap(t, "system")
	testenv.RequireFile(t, "/dev/udmabuf")
	plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{ProbeAll: true, Sources: []HintSource{Knowledge{}}})
	if err != nil {
		t.Fatal(err)
	}
	dp := plan.Devices[0]
	for _, pp := range dp.Planes {
		if pp.SameAs != 0 {
			continue
		}
		fp := pp.Lookup(allocator.XRGB8888, allocator.ModifierLinear)
		if fp == nil {
			t.Fatalf("plane %d (%s) has no XRGB8888/LINEAR", pp.ID, pp.Type)
		}
		for _, r := range []string{"heap:system", "heap:" + cma, "udmabuf", "dumb"} {
			if v := verdictOf(fp, r); v.Result != ResultAccepted {
				t.Errorf("plane %d (%s) %s: %s, want accepted", pp.ID, pp.Type, r, v.Why())
			}
		}
		if fp.Route != "heap:system" {
			t.Errorf("plane %d (%s): won by %s, want heap:system (system memory first when any memory works)", pp.ID, pp.Type, fp.Route)
		}
	}
	if t.Failed() {
		t.Log(report(t, plan))
	}
}

func TestVirtioGPUPlanPicksItsOwnDumbBuffers(t *testing.T) {
	d, p := openDisplay(t, "virtio_gpu", nil)
	for _, tc := range []struct {
		name    string
		sources []HintSource
		probes  int // at most
	}{
		// Knowledge ranks dumb first: one probe per format.
		{"with driver knowledge", []HintSource{Knowledge{}}, 1},
		// Without hints the heaps are tried first, fail with ENODEV at
		// import, and are skipped for the rest of the device.
		{"probing alone", []HintSource{}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: tc.sources})
			if err != nil {
				t.Fatal(err)
			}
			pp := plan.Devices[0].Primary()
			fp := pp.Lookup(allocator.XRGB8888, allocator.ModifierLinear)
			if fp == nil || fp.Route != "dumb" {
				t.Fatalf("primary XRGB8888: %+v, want dumb\n%s", fp, report(t, plan))
			}
			if plan.Probes > tc.probes*len(pp.Formats)+3 {
				t.Errorf("%d probes for %d formats", plan.Probes, len(pp.Formats))
			}
			if len(tc.sources) == 0 {
				v := verdictOf(fp, "heap:system")
				if v.Result != ResultRefused || v.Stage != StageImport || v.Errno != "ENODEV" {
					t.Errorf("heap:system verdict %+v, want refused at import with ENODEV", v)
				}
				if txt := report(t, plan); !strings.Contains(txt, "heap:system") || !strings.Contains(txt, "refused at import with ENODEV") {
					t.Errorf("report does not say why the heap lost:\n%s", txt)
				}
			}
		})
	}
}

func TestCMAOnlyConstraintMakesVKMSPickTheCMAHeap(t *testing.T) {
	d, p := openDisplay(t, "vkms", nil)
	cma := cmaHeap(t)
	// Through a sysfs heap-link tree (an overlay root, as a udev rule would
	// publish it) ...
	root := t.TempDir()
	entry := filepath.Join(root, "class", "drm", d.SysName, HeapLinkDir, "cma")
	if err := os.MkdirAll(entry, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/sys/class/dma_heap/"+cma, filepath.Join(entry, "heap")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(entry, "memory"), []byte("contiguous\n"), 0o644)
	// ... and through configuration.
	rules, err := ParseRules("driver=vkms force heap:"+cma, "test", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		sources []HintSource
	}{
		{"sysfs link", []HintSource{SysfsLinks{Roots: []string{"/sys", root}}, Knowledge{}}},
		{"configuration", []HintSource{&Config{File: rules}, Knowledge{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: tc.sources})
			if err != nil {
				t.Fatal(err)
			}
			for _, pp := range plan.Devices[0].Planes {
				for _, fp := range pp.Formats {
					if fp.Route != "heap:"+cma {
						t.Errorf("plane %d %s: route %q, want heap:%s", pp.ID, fp.String(), fp.Route, cma)
					}
				}
			}
			if t.Failed() {
				t.Log(report(t, plan))
			}
		})
	}
}

func TestCMAExhaustedTakesTheNextRouteAndSaysWhy(t *testing.T) {
	d, p := openDisplay(t, "vkms", nil)
	cma := cmaHeap(t)
	heap, err := dmaheap.Open(cma, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer heap.Close()
	// Exhaust the pool: 1 MiB buffers until the heap says ENOMEM.
	var held []*allocator.Buffer
	defer func() {
		for _, b := range held {
			b.Close()
		}
	}()
	for len(held) < 4096 {
		b, err := heap.Allocate(allocator.Request{Width: 512, Height: 512, Format: allocator.XRGB8888})
		if err != nil {
			if !errors.Is(err, allocator.ErrNoMemory) {
				t.Fatalf("exhausting %s: %v", cma, err)
			}
			break
		}
		held = append(held, b)
	}
	t.Logf("CMA heap %s exhausted after %d MiB", cma, len(held))
	rules, _ := ParseRules("driver=vkms force heap:"+cma+" heap:system", "kiosk.conf", false)
	plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: []HintSource{&Config{File: rules}}})
	if err != nil {
		t.Fatal(err)
	}
	fp := plan.Devices[0].Primary().Lookup(allocator.XRGB8888, allocator.ModifierLinear)
	if fp == nil || fp.Route != "heap:system" {
		t.Fatalf("primary XRGB8888: %+v, want heap:system\n%s", fp, report(t, plan))
	}
	v := verdictOf(fp, "heap:"+cma)
	if v.Result != ResultRefused || v.Stage != StageAlloc || v.Errno != "ENOMEM" {
		t.Errorf("%s verdict %+v, want refused at alloc with ENOMEM", cma, v)
	}
	txt := report(t, plan)
	if !strings.Contains(txt, "CMA) pool is exhausted") {
		t.Errorf("report does not say the pool is exhausted:\n%s", txt)
	}
}

func TestSplitRenderDisplayVKMSWithVGEM(t *testing.T) {
	testenv.RequireRoot(t)
	rpath := testenv.RequireDRMRender(t, "vgem")
	render, err := kms.Open(rpath)
	if err != nil {
		t.Fatal(err)
	}
	defer render.Close()
	d, p := openDisplay(t, "vkms", &ProberOptions{Render: render})
	d.Render, d.Split = rpath, true
	plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: []HintSource{Knowledge{}}})
	if err != nil {
		t.Fatal(err)
	}
	s := plan.Devices[0].Sharing()
	if s.Render != rpath || s.Route != "heap:system" || s.Allocator != "DMA heap system (neither device)" {
		t.Errorf("sharing %+v", s)
	}
	fb := plan.Devices[0].Feedback(nil)
	if fb.MainDevice != rpath || len(fb.Tranches) != 2 || !fb.Tranches[0].Scanout || !fb.Tranches[0].Formats.Has(allocator.XRGB8888, allocator.ModifierLinear) {
		t.Errorf("feedback %+v", fb)
	}
}

func TestWarmStartFromCacheNeedsNoProbes(t *testing.T) {
	d, p := openDisplay(t, "vkms", nil)
	sources := []HintSource{Knowledge{}, IOMMU{}}
	plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: sources})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := SaveCache(path, plan); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := LoadCache(path, KeyFor([]*Device{d}, sources, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warm start: %v (probes the cold run made: %d)", time.Since(start), plan.Probes)
	if !got.FromCache || got.Devices[0].Primary().Lookup(allocator.XRGB8888, allocator.ModifierLinear).Route != "heap:system" {
		t.Errorf("cached plan %+v", got)
	}
}
