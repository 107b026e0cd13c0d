package scanout

import (
	"fmt"
	"strings"
)

// Need is what a display driver needs from scanout memory.
type Need string

// The needs a DriverFact can state.
const (
	// NeedContiguous: the display engine has no IOMMU and fetches only
	// physically contiguous memory (foreign dma-bufs must be contiguous).
	NeedContiguous Need = "contiguous"
	// NeedIOMMU: the display engine sits behind an IOMMU; scattered system
	// memory works and contiguous memory should be saved for others.
	NeedIOMMU Need = "iommu"
	// NeedOwn: the device scans out only buffers it allocated itself;
	// PRIME import of foreign dma-bufs is refused.
	NeedOwn Need = "own"
	// NeedAny: any memory works (a virtual display that reads with the CPU).
	NeedAny Need = "any"
	// NeedDependsOnIOMMU: it depends on the board's device tree; the IOMMU
	// source decides.
	NeedDependsOnIOMMU Need = "depends-on-iommu"
)

// DriverFact is one row of the driver knowledge table.
type DriverFact struct {
	// Driver is the name DRM_IOCTL_VERSION reports.
	Driver string
	// Compatible, when set, restricts the row to devices one of whose
	// device-tree compatible strings starts with it; rows with Compatible
	// are tried before the driver's catch-all row.
	Compatible string
	Need       Need
	// Note says what the fact rests on.
	Note string
}

// DriverTable is the built-in knowledge, as data. Rows are matched by
// driver name, most specific compatible first. It is a hint only: probing
// has the last word, and a wrong row costs probes, not correctness.
var DriverTable = []DriverFact{
	{Driver: "vc4", Compatible: "brcm,bcm2712", Need: NeedIOMMU,
		Note: "Raspberry Pi 5 (BCM2712): the HVS fetches through an IOMMU"},
	{Driver: "vc4", Compatible: "brcm,bcm2711", Need: NeedContiguous,
		Note: "Raspberry Pi 4 (BCM2711): HVS without IOMMU, GEM DMA helpers; imports must be contiguous (v3d renders into vc4 dumb/CMA buffers)"},
	{Driver: "vc4", Need: NeedContiguous,
		Note: "vc4 before the Pi 5 has no display IOMMU"},
	{Driver: "drm-rp1-dsi", Need: NeedIOMMU, Note: "Raspberry Pi 5 RP1 DSI output: DMA through the BCM2712 IOMMU (per the vc4 heap thread)"},
	{Driver: "drm-rp1-dpi", Need: NeedIOMMU, Note: "Raspberry Pi 5 RP1 DPI output: DMA through the BCM2712 IOMMU (per the vc4 heap thread)"},
	{Driver: "drm-rp1-vec", Need: NeedIOMMU, Note: "Raspberry Pi 5 RP1 composite output: DMA through the BCM2712 IOMMU (per the vc4 heap thread)"},
	{Driver: "rockchip", Need: NeedDependsOnIOMMU,
		Note: "Rockchip VOP/VOP2: behind an IOMMU when the device tree enables it, contiguous otherwise"},
	{Driver: "imx-dcss", Need: NeedContiguous, Note: "i.MX8MQ DCSS has no IOMMU (GEM DMA helpers)"},
	{Driver: "mxsfb-drm", Need: NeedContiguous, Note: "i.MX eLCDIF (mxsfb) has no IOMMU (GEM DMA helpers)"},
	{Driver: "imx-lcdif", Need: NeedContiguous, Note: "i.MX8MP/i.MX93 LCDIF has no IOMMU (GEM DMA helpers)"},
	{Driver: "imx-drm", Need: NeedContiguous, Note: "i.MX6 IPUv3 has no IOMMU (GEM DMA helpers)"},
	{Driver: "sun4i-drm", Need: NeedContiguous, Note: "Allwinner display engine has no IOMMU (GEM DMA helpers)"},
	{Driver: "rzg2l-du", Need: NeedContiguous, Note: "Renesas RZ/G2L DU fetches through the VSPD without an IOMMU (GEM DMA helpers)"},
	{Driver: "spacemit", Need: NeedDependsOnIOMMU, Note: "SpacemiT K1 DPU: vendor driver with its own MMU; not known, probe decides"},
	{Driver: "apple", Need: NeedIOMMU, Note: "Apple DCP (Asahi): every display DMA goes through a DART IOMMU"},
	{Driver: "adp", Need: NeedIOMMU, Note: "Apple display pipe (touch bar, Asahi): behind a DART IOMMU"},
	{Driver: "virtio_gpu", Need: NeedOwn,
		Note: "virtio-gpu scans out only its own resources; PRIME import of foreign dma-bufs gives ENODEV without a virtio dma-buf exporter"},
	{Driver: "vkms", Need: NeedAny, Note: "vkms composes with the CPU: any mappable dma-buf works"},
	{Driver: "vgem", Need: NeedAny, Note: "vgem has no display; any memory"},
}

// LookupDriver returns the table row for driver and compatible strings, and
// false when the table does not know the driver.
func LookupDriver(table []DriverFact, driver string, compatible []string) (DriverFact, bool) {
	var fallback *DriverFact
	for i := range table {
		f := &table[i]
		if f.Driver != driver {
			continue
		}
		if f.Compatible == "" {
			if fallback == nil {
				fallback = f
			}
			continue
		}
		for _, c := range compatible {
			if strings.HasPrefix(c, f.Compatible) {
				return *f, true
			}
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return DriverFact{}, false
}

// Knowledge is the hint source backed by a driver table.
type Knowledge struct {
	// Table to consult; nil means DriverTable.
	Table []DriverFact
}

// Name implements HintSource.
func (k Knowledge) Name() string { return "driver-knowledge" }

// Hints implements HintSource.
func (k Knowledge) Hints(d *Device) SourceReport {
	r := SourceReport{Source: k.Name()}
	table := k.Table
	if table == nil {
		table = DriverTable
	}
	f, ok := LookupDriver(table, d.Driver, d.Compatible)
	if !ok {
		r.Findings = append(r.Findings, fmt.Sprintf("driver %q not in the table", d.Driver))
		return r
	}
	r.Findings = append(r.Findings, fmt.Sprintf("%s: %s (%s)", d.Driver, f.Need, f.Note))
	h := func(sel Selector, e Effect, w int, why string) Hint {
		return Hint{Source: k.Name(), Select: sel, Effect: e, Weight: w, Reason: why}
	}
	switch f.Need {
	case NeedContiguous:
		r.Spoke = true
		r.Hints = append(r.Hints,
			h("class:contiguous", Prefer, WeightKnowledge, f.Note),
			h("class:system", Avoid, WeightKnowledge, d.Driver+" cannot scan out scattered system memory"),
			h("class:unknown", Avoid, WeightKnowledge/5, d.Driver+" needs contiguous memory; this heap's kind is unknown"))
	case NeedIOMMU:
		r.Spoke = true
		r.Hints = append(r.Hints,
			h("class:system", Prefer, WeightKnowledge, f.Note),
			h("class:contiguous", Avoid, WeightKnowledge/5, "behind an IOMMU: keep the scarce CMA pool for devices that need it"))
	case NeedOwn:
		r.Spoke = true
		r.Hints = append(r.Hints,
			h("dumb", Prefer, WeightKnowledge, f.Note),
			h("heap:*", Avoid, WeightKnowledge, d.Driver+" refuses foreign dma-bufs"),
			h("udmabuf", Avoid, WeightKnowledge, d.Driver+" refuses foreign dma-bufs"),
			h("gbm", Avoid, WeightKnowledge, d.Driver+" refuses foreign dma-bufs"))
	case NeedAny, NeedDependsOnIOMMU:
		// Known, but no preference: the built-in order (and the IOMMU
		// source) decide.
	}
	return r
}
