package scanout

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadHeapLinksToleratesABrokenTree(t *testing.T) {
	dir := filepath.Join("testdata", "boards", "broken", "sys", "class", "drm", "card0", HeapLinkDir)
	links, findings, err := ReadHeapLinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []HeapLink{
		{Heap: "gone", Dangling: true, Entry: "gone"},
		{Heap: "system", Entry: "badprio"},
	}
	if !reflect.DeepEqual(links, want) {
		t.Errorf("links = %+v, want %+v", links, want)
	}
	wantFindings := []string{
		`scanout_heaps/badprio/priority: priority "high" is not a decimal integer; using 0`,
		`scanout_heaps/gone: link to heap "gone" is broken (target ../../../../devices/virtual/dma_heap/gone missing): heap not registered on this kernel`,
		`scanout_heaps/nolink: no heap link inside (no such file or directory); ignored`,
		`scanout_heaps/plainfile: neither a symlink to a heap nor a directory; ignored`,
		dir + `: entry "system" names heap "system" again (already from "badprio"); ignored`,
	}
	if !reflect.DeepEqual(findings, wantFindings) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(wantFindings, "\n"))
	}
}

func TestReadHeapLinksMissingDirectoryIsSilent(t *testing.T) {
	links, findings, err := ReadHeapLinks(filepath.Join(t.TempDir(), "nope"))
	if links != nil || findings != nil || err != nil {
		t.Errorf("got %v %v %v, want nothing", links, findings, err)
	}
}

func TestSysfsLinksHints(t *testing.T) {
	root := filepath.Join("testdata", "boards", "rpi4", "sys")
	overlay := t.TempDir()
	// An overlay a udev rule filled for the same card is shadowed by the kernel's links.
	if err := os.MkdirAll(filepath.Join(overlay, "class", "drm", "card1", HeapLinkDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/sys/devices/virtual/dma_heap/system", filepath.Join(overlay, "class", "drm", "card1", HeapLinkDir, "system")); err != nil {
		t.Fatal(err)
	}
	r := SysfsLinks{Roots: []string{root, overlay}}.Hints(&Device{SysName: "card1"})
	if !r.Spoke || len(r.Hints) != 2 {
		t.Fatalf("report %+v", r)
	}
	if h := r.Hints[0]; h.Select != "heap:linux,cma" || h.Effect != Prefer || h.Weight != WeightSysfsLink+100 {
		t.Errorf("first hint %v", h)
	}
	if h := r.Hints[1]; h.Select != "heap:*" || h.Effect != Avoid || !reflect.DeepEqual(h.Except, []Selector{"heap:linux,cma"}) {
		t.Errorf("second hint %v", h)
	}
	if last := r.Findings[len(r.Findings)-1]; last != overlay+" shadowed by "+root {
		t.Errorf("last finding %q", last)
	}
	// The overlay speaks when the kernel has nothing.
	r = SysfsLinks{Roots: []string{t.TempDir(), overlay}}.Hints(&Device{SysName: "card1"})
	if !r.Spoke || r.Hints[0].Select != "heap:system" || !r.Hints[0].Matches(HeapRoute("system")) {
		t.Errorf("overlay report %+v", r)
	}
	r = SysfsLinks{Roots: []string{t.TempDir()}}.Hints(&Device{SysName: "card9"})
	if r.Spoke || !reflect.DeepEqual(r.Findings, []string{"no scanout_heaps directory for card9"}) {
		t.Errorf("empty report %+v", r)
	}
}

func TestIOMMUHints(t *testing.T) {
	for _, tc := range []struct {
		board, card string
		spoke       bool
		first       string
	}{
		{"asahi", "card3", true, "iommu: prefer class:system (100): device is in IOMMU group 7: scattered system memory can be scanned out"},
		{"rpi4", "card1", true, "iommu: avoid class:system (100): no IOMMU group on a SoC display engine: it needs physically contiguous memory"},
		{"rpi4", "card7", false, ""},
	} {
		r := IOMMU{Root: filepath.Join("testdata", "boards", tc.board, "sys")}.Hints(&Device{SysName: tc.card})
		if r.Spoke != tc.spoke {
			t.Errorf("%s/%s spoke=%v, want %v (%v)", tc.board, tc.card, r.Spoke, tc.spoke, r.Findings)
		}
		if tc.first != "" && (len(r.Hints) == 0 || r.Hints[0].String() != tc.first) {
			t.Errorf("%s/%s hints %v, want first %q", tc.board, tc.card, r.Hints, tc.first)
		}
	}
	// A virtual device (no firmware node) without an IOMMU says nothing.
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "class", "drm", "card1", "device"), 0o755)
	r := IOMMU{Root: root}.Hints(&Device{SysName: "card1"})
	if r.Spoke || len(r.Hints) != 0 || r.Findings[0] != "no iommu_group, but the device has no firmware node (virtual or PCI): says nothing" {
		t.Errorf("virtual device: %+v", r)
	}
}

func TestLookupDriverPrefersTheCompatibleRow(t *testing.T) {
	for _, tc := range []struct {
		driver string
		compat []string
		want   Need
		ok     bool
	}{
		{"vc4", []string{"brcm,bcm2711-vc5"}, NeedContiguous, true},
		{"vc4", []string{"brcm,bcm2712-vc6"}, NeedIOMMU, true},
		{"vc4", nil, NeedContiguous, true},
		{"virtio_gpu", nil, NeedOwn, true},
		{"vkms", nil, NeedAny, true},
		{"apple", nil, NeedIOMMU, true},
		{"rzg2l-du", nil, NeedContiguous, true},
		{"spacemit", nil, NeedDependsOnIOMMU, true},
		{"i915", nil, "", false},
	} {
		f, ok := LookupDriver(DriverTable, tc.driver, tc.compat)
		if ok != tc.ok || f.Need != tc.want {
			t.Errorf("%s %v: %v %v, want %v %v", tc.driver, tc.compat, f.Need, ok, tc.want, tc.ok)
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"driver=vc4 force", "f:1: want <device> <verb> <route>..., got \"driver=vc4 force\""},
		{"\n\nvc4 force dumb", `f:3: device "vc4": want *, driver=<name>, node=<path>, name=<cardN> or path=<by-path id>`},
		{"bus=pci force dumb", `f:1: device "bus=pci": unknown key "bus" (want driver, node, name or path)`},
		{"* allow dumb", `f:1: verb "allow": want force, forbid, prefer or avoid`},
		{"* forbid heap:", `f:1: selector "heap:": not a route, heap:*, class:<class> or *`},
		{"* forbid class:cma", `f:1: selector "class:cma": unknown memory class (want contiguous, system, display-own, render-own or unknown)`},
		{"* forbid dumb planes=sprite", `f:1: unknown plane types ["sprite"] (want primary, overlay, cursor)`},
		{"* forbid planes=primary", "f:1: no route given"},
	} {
		_, err := ParseRules(tc.text, "f", false)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: err = %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestConfigEnvForceOverridesFileForce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.conf")
	os.WriteFile(path, []byte("# kiosk\ndriver=vkms force heap:system dumb\n* forbid gbm\n"), 0o644)
	c, err := LoadConfig(path, func(k string) string {
		if k == EnvRoutes {
			return "driver=vkms force heap:reserved; driver=virtio_gpu forbid udmabuf"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Hints(&Device{Driver: "vkms"})
	var got []string
	for _, h := range r.Hints {
		got = append(got, h.String())
	}
	want := []string{
		"config: forbid gbm: " + path + ":3: forbid gbm",
		"config: force heap:reserved: $SCANOUT_ROUTES #1: force heap:reserved",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hints:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Findings[0] != path+":2: force overridden by $SCANOUT_ROUTES" {
		t.Errorf("findings %q", r.Findings)
	}
	ranked := rank([]Route{HeapRoute("system"), HeapRoute("reserved"), RouteUdmabuf, RouteDumb, RouteGBM}, r.Hints, PlanePrimary, false)
	var order []string
	for _, rr := range ranked {
		s := rr.Route
		if rr.Excluded != "" {
			s += " (" + rr.Excluded + ")"
		}
		order = append(order, s)
	}
	wantOrder := []string{"heap:reserved", "heap:system (not among the forced routes)", "udmabuf (not among the forced routes)",
		"dumb (not among the forced routes)", "gbm (forbidden by " + path + ":3: forbid gbm)"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(wantOrder, "\n"))
	}
	if _, err := LoadConfig(filepath.Join(dir, "absent"), func(string) string { return "" }); err != nil {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "absent"), func(string) string { return "vkms" }); err == nil ||
		err.Error() != "scanout configuration: $SCANOUT_ROUTES #1: want <device> <verb> <route>..., got \"vkms\"" {
		t.Errorf("bad env: %v", err)
	}
}

func TestRankWithoutHintsFollowsTheClassOrder(t *testing.T) {
	ranked := rank([]Route{RouteGBM, RouteDumb, HeapRoute("reserved"), RouteUdmabuf, HeapRoute("system"), HeapRoute("vendor")}, nil, PlanePrimary, false)
	var got []string
	for _, r := range ranked {
		got = append(got, r.Route)
	}
	want := []string{"heap:system", "udmabuf", "heap:reserved", "heap:vendor", "dumb", "gbm"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestTrustHintsExcludesRoutesHintsRuleOut(t *testing.T) {
	hints := Knowledge{}.Hints(&Device{Driver: "virtio_gpu"}).Hints
	ranked := rank([]Route{HeapRoute("system"), RouteUdmabuf, RouteDumb}, hints, PlanePrimary, true)
	if ranked[0].Route != "dumb" || ranked[0].Excluded != "" || ranked[1].Excluded != "hints rule it out (TrustHints)" {
		t.Errorf("ranked %+v", ranked)
	}
	// If hints rule out everything, nothing is excluded: probing decides.
	ranked = rank([]Route{HeapRoute("system"), RouteUdmabuf}, hints, PlanePrimary, true)
	for _, r := range ranked {
		if r.Excluded != "" {
			t.Errorf("%s excluded although no route is left", r.Route)
		}
	}
}

func TestPlaneLimitedHintsRankOnlyThosePlanes(t *testing.T) {
	hints := []Hint{{Source: "sysfs-links", Select: "dumb", Effect: Prefer, Weight: 1000, Planes: []PlaneType{PlaneCursor}}}
	routes := []Route{HeapRoute("system"), RouteDumb}
	if r := rank(routes, hints, PlanePrimary, false); r[0].Route != "heap:system" {
		t.Errorf("primary ranking %+v: the cursor-only hint applied", r)
	}
	if r := rank(routes, hints, PlaneCursor, false); r[0].Route != "dumb" || r[0].Score != 1020 {
		t.Errorf("cursor ranking %+v", r)
	}
}

func TestForCRTCSelectsThePlanesOfOneOutput(t *testing.T) {
	d := &DevicePlan{Planes: []PlanePlan{{ID: 1, CRTCs: 0b01}, {ID: 2, CRTCs: 0b10}, {ID: 3, CRTCs: 0b11}}}
	var ids []uint32
	for _, p := range d.ForCRTC(1) {
		ids = append(ids, p.ID)
	}
	if !reflect.DeepEqual(ids, []uint32{2, 3}) || d.ForCRTC(40) != nil {
		t.Errorf("ForCRTC(1) = %v", ids)
	}
}
