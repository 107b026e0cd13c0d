//go:build gl && cgo

package egl

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// openOnThread opens a display with open on a new Thread and makes a
// context current there.
func openOnThread(t *testing.T, open func() (*Display, error)) (*Thread, *Display) {
	t.Helper()
	th := NewThread()
	var d *Display
	var err error
	th.Do(func() {
		d, err = open()
		if err == nil {
			if err = d.CreateContext(); err != nil {
				d.Close()
			}
		}
	})
	if err != nil {
		th.Stop()
		// Mesa is not a device: with CI=true the GL tests must run even
		// when a VM pass follows.
		if os.Getenv("CI") == "true" || testenv.InVM() {
			t.Fatalf("EGL required here: %v", err)
		}
		t.Skipf("skipping without EGL (install libegl-mesa0 libgl1-mesa-dri): %v", err)
	}
	t.Cleanup(func() {
		th.Do(func() { d.Close() })
		th.Stop()
	})
	return th, d
}

func TestSurfacelessGivesGLESContext(t *testing.T) {
	_, d := openOnThread(t, OpenSurfaceless)
	if d.GLESVersion != 3 && d.GLESVersion != 2 {
		t.Fatalf("GLESVersion = %d, want 3 or 2", d.GLESVersion)
	}
	if !d.HasExtension("EGL_KHR_surfaceless_context") {
		t.Errorf("surfaceless display lacks EGL_KHR_surfaceless_context: %v", d.Extensions())
	}
	t.Logf("%s EGL %s, GLES %d, dma-buf import %v", d.Vendor, d.Version, d.GLESVersion, d.HasExtension("EGL_EXT_image_dma_buf_import"))
}

func TestDevicePlatformInitialises(t *testing.T) {
	_, d := openOnThread(t, OpenDevice)
	if d.Platform != PlatformDevice {
		t.Fatalf("Platform = %q", d.Platform)
	}
}

func TestGBMOnMissingNodeNamesTheNode(t *testing.T) {
	_, err := OpenGBM("/dev/dri/no-such-node")
	if err == nil || !strings.Contains(err.Error(), "/dev/dri/no-such-node") {
		t.Fatalf("OpenGBM(missing) = %v, want an error naming the node", err)
	}
}

// TestGBMOnVkmsCardImportsDmaBufs checks the VM topology: Mesa's kms_swrast
// on the vkms card node with dma-buf import and the format query.
func TestGBMOnVkmsCardImportsDmaBufs(t *testing.T) {
	card := testenv.RequireDRMCard(t, "vkms")
	th, d := openOnThread(t, func() (*Display, error) { return OpenGBM(card) })
	for _, e := range []string{"EGL_EXT_image_dma_buf_import", "EGL_EXT_image_dma_buf_import_modifiers"} {
		if !d.HasExtension(e) {
			t.Errorf("GBM display on %s lacks %s", card, e)
		}
	}
	var fmts []uint32
	var err error
	th.Do(func() { fmts, err = d.DmaBufFormats() })
	if err != nil {
		t.Fatal(err)
	}
	const xr24 = 0x34325258
	found := false
	for _, f := range fmts {
		found = found || f == xr24
	}
	if !found {
		t.Fatalf("DmaBufFormats() = %d formats without XR24", len(fmts))
	}
	th.Do(func() { _, _, err = d.DmaBufModifiers(xr24) })
	if err != nil {
		t.Fatal(err)
	}
}

// TestDmaBufFormatQueries lists the importable formats where the display
// can import (Mesa 25 surfaceless, GBM in the VM): XR24 and AR24 must be
// there with LINEAR or the implicit layout.
func TestDmaBufFormatQueries(t *testing.T) {
	th, d := openOnThread(t, OpenSurfaceless)
	if !d.HasExtension("EGL_EXT_image_dma_buf_import_modifiers") {
		t.Skipf("%s %s has no EGL_EXT_image_dma_buf_import_modifiers (Mesa 22.3 surfaceless)", d.Vendor, d.Version)
	}
	var fmts []uint32
	var err error
	th.Do(func() { fmts, err = d.DmaBufFormats() })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	have := map[string]bool{}
	for _, f := range fmts {
		var mods []uint64
		var ext []bool
		th.Do(func() { mods, ext, err = d.DmaBufModifiers(f) })
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, fmt.Sprintf("%s%v%v", fourcc(f), mods, ext))
		have[fourcc(f)] = true
	}
	t.Logf("%d formats: %s", len(fmts), strings.Join(names, " "))
	for _, want := range []string{"XR24", "AR24"} {
		if !have[want] {
			t.Errorf("importable formats lack %s", want)
		}
	}
}
