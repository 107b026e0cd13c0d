package kms

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DiscoverOptions configure Discover. The zero value (or nil) reads the
// real system.
type DiscoverOptions struct {
	// SysfsRoot is where sysfs is mounted; default "/sys". Tests point
	// it at a recorded tree.
	SysfsRoot string
	// DevDir holds the device nodes; default "/dev/dri".
	DevDir string
	// NoOpen skips opening the nodes: Driver, Kind and CRTCs stay
	// unknown. For tests on recorded sysfs trees.
	NoOpen bool
}

// DeviceKind classifies what a DRM device can do.
type DeviceKind string

// Device kinds.
const (
	// KindDisplayRender: CRTCs and a render node (virtio-gpu, i915, amdgpu).
	KindDisplayRender DeviceKind = "display+render"
	// KindDisplayOnly: CRTCs but no render node (vkms; vc4 on a Pi 4,
	// where rendering is v3d's job).
	KindDisplayOnly DeviceKind = "display-only"
	// KindRenderOnly: no CRTCs (vgem, v3d, panfrost, etnaviv).
	KindRenderOnly DeviceKind = "render-only"
	// KindUnknown: the nodes could not be opened.
	KindUnknown DeviceKind = "unknown"
)

// DeviceInfo describes one DRM device: the nodes of one parent device.
type DeviceInfo struct {
	// SysPath is the parent device in sysfs (the target of the nodes'
	// "device" link), which identifies the device.
	SysPath string `json:"sys_path"`
	// Bus is the parent's subsystem: "platform", "pci", "virtio", "usb".
	Bus string `json:"bus"`
	// Card and Render are node paths ("/dev/dri/card1"), "" if absent.
	Card   string `json:"card,omitempty"`
	Render string `json:"render,omitempty"`
	// Driver is from DRM_IOCTL_VERSION on a node (sysfs does not name
	// the driver of platform devices such as vkms and vgem).
	Driver Driver     `json:"driver"`
	Kind   DeviceKind `json:"kind"`
	CRTCs  int        `json:"crtcs"`
	// OpenError says why the nodes could not be opened, if so.
	OpenError string `json:"open_error,omitempty"`
}

// Discover lists the DRM devices under <SysfsRoot>/class/drm, pairing
// card and render nodes that share a parent device, sorted by card (then
// render) node. It opens each node briefly (O_RDWR|O_CLOEXEC) to ask the
// driver's name and whether it has CRTCs.
func Discover(opts *DiscoverOptions) ([]DeviceInfo, error) {
	var o DiscoverOptions
	if opts != nil {
		o = *opts
	}
	if o.SysfsRoot == "" {
		o.SysfsRoot = "/sys"
	}
	if o.DevDir == "" {
		o.DevDir = "/dev/dri"
	}
	class := filepath.Join(o.SysfsRoot, "class", "drm")
	ents, err := os.ReadDir(class)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil // no DRM at all
		}
		return nil, fmt.Errorf("kms: discover: %w", err)
	}
	byParent := map[string]*DeviceInfo{}
	var order []string
	for _, e := range ents {
		name := e.Name()
		isCard := isNodeName(name, "card")
		isRender := isNodeName(name, "renderD")
		if !isCard && !isRender {
			continue // connectors (card0-HDMI-A-1), "version", ...
		}
		parent, err := filepath.EvalSymlinks(filepath.Join(class, name, "device"))
		if err != nil {
			// A node without a parent device: keep it on its own.
			parent = filepath.Join(class, name)
		}
		di, ok := byParent[parent]
		if !ok {
			di = &DeviceInfo{SysPath: parent, Kind: KindUnknown}
			if sub, err := filepath.EvalSymlinks(filepath.Join(parent, "subsystem")); err == nil {
				di.Bus = filepath.Base(sub)
			}
			byParent[parent] = di
			order = append(order, parent)
		}
		node := filepath.Join(o.DevDir, name)
		if isCard {
			di.Card = node
		} else {
			di.Render = node
		}
	}
	out := make([]DeviceInfo, 0, len(order))
	for _, p := range order {
		di := byParent[p]
		if !o.NoOpen {
			probeDevice(di)
		}
		out = append(out, *di)
	}
	sort.Slice(out, func(i, j int) bool { return nodeKey(out[i]) < nodeKey(out[j]) })
	return out, nil
}

func nodeKey(d DeviceInfo) string {
	if d.Card != "" {
		return fmt.Sprintf("0%08d", nodeNum(d.Card))
	}
	return fmt.Sprintf("1%08d", nodeNum(d.Render))
}

func nodeNum(path string) int {
	b := filepath.Base(path)
	b = strings.TrimLeft(b, "abcdefghijklmnopqrstuvwxyzD")
	n, _ := strconv.Atoi(b)
	return n
}

func isNodeName(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}

// probeDevice opens the nodes to fill Driver, Kind and CRTCs.
func probeDevice(di *DeviceInfo) {
	var errs []string
	crtcs := -1
	if di.Card != "" {
		d, err := Open(di.Card)
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			di.Driver = d.Driver()
			if r, err := d.Resources(); err == nil {
				crtcs = len(r.CRTCs)
			} else if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) {
				crtcs = 0 // no mode setting: render-only driver
			} else {
				errs = append(errs, err.Error())
			}
			d.Close()
		}
	}
	if di.Driver.Name == "" && di.Render != "" {
		d, err := Open(di.Render)
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			di.Driver = d.Driver()
			d.Close()
		}
	}
	if di.Card == "" && di.Driver.Name != "" {
		crtcs = 0
	}
	switch {
	case crtcs < 0:
		di.Kind = KindUnknown
	case crtcs == 0:
		di.Kind = KindRenderOnly
	case di.Render != "":
		di.Kind = KindDisplayRender
	default:
		di.Kind = KindDisplayOnly
	}
	if crtcs > 0 {
		di.CRTCs = crtcs
	}
	di.OpenError = strings.Join(errs, "; ")
}
