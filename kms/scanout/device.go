package scanout

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-scanout/scanout/allocator"
)

// PlaneType is a KMS plane's type property.
type PlaneType string

// The plane types.
const (
	PlanePrimary PlaneType = "primary"
	PlaneOverlay PlaneType = "overlay"
	PlaneCursor  PlaneType = "cursor"
)

// Plane describes one KMS plane as negotiation needs it.
type Plane struct {
	ID    uint32
	Type  PlaneType
	CRTCs uint32 // possible_crtcs bit mask
	// Formats is IN_FORMATS (format -> modifiers); planes without
	// IN_FORMATS list their formats with the LINEAR modifier.
	Formats allocator.FormatSet
	// NoInFormats records that the plane had no IN_FORMATS blob, so its
	// modifiers are implied (LINEAR was assumed).
	NoInFormats bool
}

// Device describes a display (KMS) device: what the planner reasons about.
// It is built from a live kms device (DescribeKMS) or from a hardware dump
// (package replay), so planning is the same for both.
type Device struct {
	Node          string // "/dev/dri/card1"
	SysName       string // "card1": its name under /sys/class/drm
	BusPath       string // by-path id, "platform-fe600000.hvs-card", if known
	Driver        string // DRM_IOCTL_VERSION name: "vc4"
	DriverVersion string // "0.0.0"
	DriverDesc    string
	// Compatible are the device-tree compatible strings of the parent
	// device, most specific first (empty on non-DT systems).
	Compatible []string
	// Render is the render node clients render with for this display: its
	// own (virtio-gpu, i915) or another device's (v3d for vc4).
	Render string
	// Split is set when Render belongs to another device than the display
	// (a split render/display SoC): memory must then be shared.
	Split bool

	MinWidth, MinHeight, MaxWidth, MaxHeight uint32 // framebuffer size limits; 0 = unknown
	CursorWidth, CursorHeight                uint32 // DRM_CAP_CURSOR_*; 0 = unknown
	// Mode is the size of the mode probes use for full-screen planes
	// (primary planes usually must cover the CRTC).
	ModeWidth, ModeHeight uint32

	Dumb        bool // DRM_CAP_DUMB_BUFFER
	PrimeImport bool // DRM_CAP_PRIME has IMPORT
	// AddFB2Modifiers is DRM_CAP_ADDFB2_MODIFIERS: without it framebuffers
	// are created without explicit modifiers (LINEAR only).
	AddFB2Modifiers bool
	Planes          []Plane
}

// Label is a short name for the device in reports: "vkms (card1)".
func (d *Device) Label() string {
	n := d.SysName
	if n == "" {
		n = d.Node
	}
	return fmt.Sprintf("%s (%s)", d.Driver, n)
}

// PlanesHash returns a hash over every plane's id, type and IN_FORMATS. Any
// change of what a plane accepts changes it, which invalidates a cached plan.
func (d *Device) PlanesHash() string {
	h := sha256.New()
	var b [8]byte
	for _, p := range d.Planes {
		binary.LittleEndian.PutUint32(b[:4], p.ID)
		h.Write(b[:4])
		h.Write([]byte(p.Type))
		binary.LittleEndian.PutUint32(b[:4], p.CRTCs)
		h.Write(b[:4])
		for f, m := range p.Formats.All() {
			binary.LittleEndian.PutUint32(b[:4], uint32(f))
			h.Write(b[:4])
			binary.LittleEndian.PutUint64(b[:], uint64(m))
			h.Write(b[:])
		}
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ReadCompatible reads the device-tree compatible strings of a DRM device's
// parent from <sysfsRoot>/class/drm/<sysName>/device/of_node/compatible.
// A missing file gives nil.
func ReadCompatible(sysfsRoot, sysName string) []string {
	if sysfsRoot == "" {
		sysfsRoot = "/sys"
	}
	b, ok, err := readAttr(filepath.Join(sysfsRoot, "class", "drm", sysName, "device", "of_node", "compatible"))
	if err != nil || !ok {
		return nil
	}
	var out []string
	for _, s := range strings.Split(string(b), "\x00") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// KernelRelease returns the running kernel's release (uname -r), read from
// /proc/sys/kernel/osrelease.
func KernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
