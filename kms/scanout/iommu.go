package scanout

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// IOMMU is the hint source that looks for the display device's IOMMU group
// (<root>/class/drm/cardN/device/iommu_group). Behind an IOMMU a display
// engine can fetch scattered system pages; a SoC display engine without one
// needs contiguous memory.
//
// It speaks only for devices described by firmware (a device tree node or
// an ACPI companion): virtual devices (vkms) and PCI devices have no
// iommu_group in a VM or on a desktop without the IOMMU enabled, yet fetch
// system memory through their own MMU or a copy, so absence means nothing
// for them.
type IOMMU struct {
	// Root is the sysfs mount point; "" means "/sys".
	Root string
}

// Name implements HintSource.
func (s IOMMU) Name() string { return "iommu" }

// Hints implements HintSource.
func (s IOMMU) Hints(d *Device) SourceReport {
	r := SourceReport{Source: s.Name()}
	root := s.Root
	if root == "" {
		root = "/sys"
	}
	if d.SysName == "" {
		r.Findings = append(r.Findings, "device has no sysfs name; not looked up")
		return r
	}
	dev := filepath.Join(root, "class", "drm", d.SysName, "device")
	group, err := os.Readlink(filepath.Join(dev, "iommu_group"))
	switch {
	case err == nil:
		r.Spoke = true
		r.Findings = append(r.Findings, "behind IOMMU group "+filepath.Base(group))
		r.Hints = append(r.Hints, Hint{Source: s.Name(), Select: "class:" + Selector(ClassSystem), Effect: Prefer, Weight: WeightIOMMU,
			Reason: "device is in IOMMU group " + filepath.Base(group) + ": scattered system memory can be scanned out"})
		return r
	case !errors.Is(err, fs.ErrNotExist):
		r.Findings = append(r.Findings, "iommu_group: "+unwrapPathErr(err).Error())
		return r
	}
	if _, err := os.Stat(dev); err != nil {
		r.Findings = append(r.Findings, "no device directory for "+d.SysName)
		return r
	}
	fw := firmwareDescribed(dev)
	if fw == "" {
		r.Findings = append(r.Findings, "no iommu_group, but the device has no firmware node (virtual or PCI): says nothing")
		return r
	}
	r.Spoke = true
	r.Findings = append(r.Findings, "no iommu_group on a "+fw+"-described device")
	r.Hints = append(r.Hints,
		Hint{Source: s.Name(), Select: "class:" + Selector(ClassSystem), Effect: Avoid, Weight: WeightIOMMU,
			Reason: "no IOMMU group on a SoC display engine: it needs physically contiguous memory"},
		Hint{Source: s.Name(), Select: "class:" + Selector(ClassContiguous), Effect: Prefer, Weight: WeightIOMMU,
			Reason: "no IOMMU group on a SoC display engine: contiguous memory is what it can fetch"})
	return r
}

// firmwareDescribed returns "devicetree" or "acpi" when the device directory
// has an of_node or firmware_node link, and "" otherwise (including for PCI
// devices, whose ACPI companions do not imply a SoC display engine).
func firmwareDescribed(dev string) string {
	if sub, err := os.Readlink(filepath.Join(dev, "subsystem")); err == nil && strings.HasSuffix(sub, "/pci") {
		return ""
	}
	if _, err := os.Lstat(filepath.Join(dev, "of_node")); err == nil {
		return "devicetree"
	}
	if _, err := os.Lstat(filepath.Join(dev, "firmware_node")); err == nil {
		return "acpi"
	}
	return ""
}
