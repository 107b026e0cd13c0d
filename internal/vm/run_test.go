package vm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDedupeSharesDropsNestedAndRepeated(t *testing.T) {
	got := dedupeShares([]string{"/a/x", "/a", "/b/", "/b", "/a/x/y", "/c"})
	want := []string{"/a", "/b", "/c"}
	if !slices.Equal(got, want) {
		t.Fatalf("dedupeShares = %v, want %v", got, want)
	}
}

func TestModuleRootFindsGoMod(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "a", "b")
	os.MkdirAll(deep, 0o755)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644)
	if got := moduleRoot(deep); got != dir {
		t.Fatalf("moduleRoot(%s) = %s, want %s", deep, got, dir)
	}
	lone := t.TempDir()
	if got := moduleRoot(lone); got != lone {
		t.Fatalf("moduleRoot without go.mod = %s, want the directory itself", got)
	}
}

func TestGuestEnvOverridesHostState(t *testing.T) {
	env := guestEnv([]string{"PATH=/usr/bin", "HOME=/root", "TMPDIR=/var/tmp", "GOPATH=/gp",
		"WAYLAND_DISPLAY=wayland-1", "CI=true", "GOTMPDIR=/x"}, "/cache/go", "/xfer", true)
	get := func(k string) (string, int) {
		n, v := 0, ""
		for _, kv := range env {
			if val, ok := strings.CutPrefix(kv, k+"="); ok {
				n++
				v = val
			}
		}
		return v, n
	}
	for k, want := range map[string]string{
		"PATH": "/usr/bin", "HOME": "/run/home", "TMPDIR": "/tmp", "CI": "true",
		"GOCACHE": "/cache/go", "GOMODCACHE": "/gp/pkg/mod", "SCANOUT_IN_VM": "1",
		"SCANOUT_VM_GPU": "1", "GOPROXY": "off", "XDG_RUNTIME_DIR": "/run/user/0",
	} {
		if v, n := get(k); v != want || n != 1 {
			t.Errorf("%s = %q (%d times), want %q once", k, v, n, want)
		}
	}
	for _, k := range []string{"WAYLAND_DISPLAY", "GOTMPDIR"} {
		if _, n := get(k); n != 0 {
			t.Errorf("%s leaked into the guest", k)
		}
	}
}

func TestQemuArgsSelectAccelAndDevices(t *testing.T) {
	spec := Spec{Shares: []Share{{Tag: "share0", Path: "/x"}}}
	c := Config{Kernel: "/k", Init: "/i", Accel: "tcg", MemoryMB: 1024, CPUs: 2, GPU: true, Append: []string{"foo=1"}}
	a := strings.Join(qemuArgs(c, spec, "/x/spec.json"), " ")
	for _, want := range []string{
		"-accel tcg,thread=multi -cpu max", "-device virtio-gpu-pci", "mount_tag=share0",
		"init=/i scanout.spec=/x/spec.json foo=1", "vkms.enable_writeback=1", "cma=64M", "-no-reboot",
	} {
		if !strings.Contains(a, want) {
			t.Errorf("qemu args lack %q:\n%s", want, a)
		}
	}
	c.Accel, c.GPU = "kvm", false
	a = strings.Join(qemuArgs(c, spec, "/x/spec.json"), " ")
	if !strings.Contains(a, "-accel kvm -cpu host") || strings.Contains(a, "virtio-gpu") {
		t.Errorf("kvm args wrong:\n%s", a)
	}
}

func TestDetectAccelHonoursOverride(t *testing.T) {
	t.Setenv("SCANOUT_VM_ACCEL", "tcg")
	if DetectAccel() != "tcg" {
		t.Fatal("SCANOUT_VM_ACCEL ignored")
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	var tb tailBuffer
	tb.max = 8
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("ab"))
	if got := tb.String(); got != "456789ab" {
		t.Fatalf("tail = %q", got)
	}
}
