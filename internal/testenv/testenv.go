package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
	"golang.org/x/sys/unix"
)

// InVM reports whether the process runs inside scanout's test VM.
func InVM() bool { return os.Getenv("SCANOUT_IN_VM") == "1" }

// MustHaveDevices reports whether a missing device is a failure here: inside
// the VM, or in CI unless a VM pass is declared to follow.
func MustHaveDevices() bool {
	if InVM() {
		return true
	}
	return os.Getenv("CI") == "true" && os.Getenv("SCANOUT_VM_PASS_FOLLOWS") != "1"
}

// Unavailable ends t because something it needs is missing: a skip on a
// plain host, a failure in the VM or in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if MustHaveDevices() {
		where := "in the test VM"
		if !InVM() {
			where = "with CI=true"
		}
		t.Fatalf("required device missing %s: %s", where, msg)
	}
	t.Skipf("skipping on this host (run it with scripts/vmtest): %s", msg)
}

// RequireFile ends t (see Unavailable) unless path exists, and returns path.
func RequireFile(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Unavailable(t, "%s: %v", path, err)
	}
	return path
}

// DRMNode is a DRM device node found by driver name.
type DRMNode struct {
	Path   string // /dev/dri/cardN or /dev/dri/renderDN
	Driver string // from DRM_IOCTL_VERSION
}

// FindDRM returns the nodes of kind ("card" or "renderD") whose driver,
// read with DRM_IOCTL_VERSION, is driver. Card numbers depend on probe
// order, so tests must never hard-code them.
func FindDRM(driver, kind string) ([]DRMNode, error) {
	paths, err := filepath.Glob("/dev/dri/" + kind + "*")
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []DRMNode
	for _, p := range paths {
		d, err := fd.Open(p, unix.O_RDWR)
		if err != nil {
			continue
		}
		v, err := uapi.Version(d)
		d.Close()
		if err == nil && v.Name == driver {
			out = append(out, DRMNode{Path: p, Driver: v.Name})
		}
	}
	return out, nil
}

// VMHasGPU reports whether the VM was booted with a virtio-gpu device
// (scripts/vm --gpu, scripts/vmtest --gpu).
func VMHasGPU() bool { return os.Getenv("SCANOUT_VM_GPU") == "1" }

// skipIfNotBooted skips t in a VM that was deliberately booted without the
// device driver needs: virtio-gpu is an option of the VM, not a given.
func skipIfNotBooted(t testing.TB, driver string) {
	t.Helper()
	if driver == "virtio_gpu" && InVM() && !VMHasGPU() {
		t.Skip("this VM was booted without virtio-gpu (use scripts/vmtest --gpu)")
	}
}

// RequireDRMCard returns the path of the card node driven by driver
// ("vkms", "vgem", "virtio_gpu"), or ends t (see Unavailable). A test that
// needs virtio_gpu skips in a VM booted without --gpu.
func RequireDRMCard(t testing.TB, driver string) string {
	t.Helper()
	skipIfNotBooted(t, driver)
	nodes, err := FindDRM(driver, "card")
	if err != nil || len(nodes) == 0 {
		Unavailable(t, "no DRM card node with driver %q (have: %s)", driver, describeDRM())
	}
	return nodes[0].Path
}

// RequireDRMRender returns the path of the render node driven by driver, or
// ends t (see Unavailable).
func RequireDRMRender(t testing.TB, driver string) string {
	t.Helper()
	skipIfNotBooted(t, driver)
	nodes, err := FindDRM(driver, "renderD")
	if err != nil || len(nodes) == 0 {
		Unavailable(t, "no DRM render node with driver %q (have: %s)", driver, describeDRM())
	}
	return nodes[0].Path
}

// RequireHeap returns the path of the DMA heap named by one of names (the
// first that exists), or ends t (see Unavailable). The CMA heap's name
// differs per kernel: pass "reserved", "linux,cma", "default_cma_region".
func RequireHeap(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		p := "/dev/dma_heap/" + n
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	ents, _ := os.ReadDir("/dev/dma_heap")
	var have []string
	for _, e := range ents {
		have = append(have, e.Name())
	}
	Unavailable(t, "no DMA heap named %s (have: %s)", strings.Join(names, " or "), strings.Join(have, ", "))
	return ""
}

// CMAHeapNames are the names the CMA heap has had across kernels.
var CMAHeapNames = []string{"reserved", "linux,cma", "default_cma_region"}

// RequireRoot ends t (see Unavailable) unless the process runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root (euid %d)", os.Geteuid())
	}
}

func describeDRM() string {
	paths, _ := filepath.Glob("/dev/dri/*")
	if len(paths) == 0 {
		return "no /dev/dri"
	}
	var s []string
	for _, p := range paths {
		d, err := fd.Open(p, unix.O_RDWR)
		if err != nil {
			s = append(s, p+"=?")
			continue
		}
		v, err := uapi.Version(d)
		d.Close()
		if err != nil {
			s = append(s, p+"=?")
		} else {
			s = append(s, p+"="+v.Name)
		}
	}
	return strings.Join(s, " ")
}
