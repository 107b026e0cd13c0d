package kms

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fakeSysfs builds a sysfs tree shaped like the test VM's: vgem (card0 +
// renderD128) and vkms (card1) as platform devices, virtio-gpu (card2 +
// renderD129) under a virtio device on PCI, plus connector entries and
// the "version" file that Discover must skip.
func fakeSysfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, link string) {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	mk("bus/platform")
	mk("bus/virtio")
	mk("devices/platform/vgem/drm/card0")
	mk("devices/platform/vgem/drm/renderD128")
	mk("devices/platform/vkms/drm/card1/card1-Virtual-1")
	mk("devices/pci0000:00/0000:00:02.0/virtio0/drm/card2")
	mk("devices/pci0000:00/0000:00:02.0/virtio0/drm/renderD129")
	mk("class/drm")
	ln("../../../bus/platform", "devices/platform/vgem/subsystem")
	ln("../../../bus/platform", "devices/platform/vkms/subsystem")
	ln("../../../../bus/virtio", "devices/pci0000:00/0000:00:02.0/virtio0/subsystem")
	for _, n := range []string{"card0", "renderD128"} {
		ln("../..", "devices/platform/vgem/drm/"+n+"/device")
		ln("../../devices/platform/vgem/drm/"+n, "class/drm/"+n)
	}
	ln("../..", "devices/platform/vkms/drm/card1/device")
	ln("../../devices/platform/vkms/drm/card1", "class/drm/card1")
	ln("../../devices/platform/vkms/drm/card1/card1-Virtual-1", "class/drm/card1-Virtual-1")
	for _, n := range []string{"card2", "renderD129"} {
		ln("../..", "devices/pci0000:00/0000:00:02.0/virtio0/drm/"+n+"/device")
		ln("../../devices/pci0000:00/0000:00:02.0/virtio0/drm/"+n, "class/drm/"+n)
	}
	if err := os.WriteFile(filepath.Join(root, "class/drm/version"), []byte("drm 1.1.0 20060810\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestDiscoverPairsNodesThroughTheirParentDevice(t *testing.T) {
	root := fakeSysfs(t)
	got, err := Discover(&DiscoverOptions{SysfsRoot: root, DevDir: "/dev/dri", NoOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	real := func(p string) string {
		r, err := filepath.EvalSymlinks(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	want := []DeviceInfo{
		{SysPath: real("devices/platform/vgem"), Bus: "platform", Card: "/dev/dri/card0", Render: "/dev/dri/renderD128", Kind: KindUnknown},
		{SysPath: real("devices/platform/vkms"), Bus: "platform", Card: "/dev/dri/card1", Kind: KindUnknown},
		{SysPath: real("devices/pci0000:00/0000:00:02.0/virtio0"), Bus: "virtio", Card: "/dev/dri/card2", Render: "/dev/dri/renderD129", Kind: KindUnknown},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Discover =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDiscoverWithoutDRMReturnsNothing(t *testing.T) {
	got, err := Discover(&DiscoverOptions{SysfsRoot: t.TempDir(), NoOpen: true})
	if err != nil || len(got) != 0 {
		t.Errorf("Discover on an empty sysfs = %v, %v; want nothing, nil", got, err)
	}
}

func TestDiscoverReportsUnopenableNodes(t *testing.T) {
	root := fakeSysfs(t)
	// The nodes do not exist under this DevDir: the open error is
	// reported and the kind stays unknown.
	got, err := Discover(&DiscoverOptions{SysfsRoot: root, DevDir: filepath.Join(root, "nodev")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d devices, want 3", len(got))
	}
	want := "kms: open " + filepath.Join(root, "nodev", "card1") + ": open " + filepath.Join(root, "nodev", "card1") + ": no such file or directory"
	if got[1].Kind != KindUnknown || got[1].OpenError != want {
		t.Errorf("vkms entry = kind %q, error %q; want unknown, %q", got[1].Kind, got[1].OpenError, want)
	}
}
