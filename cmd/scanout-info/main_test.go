package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

func TestHeapsReportPermissionsAndAccess(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"system": 0o666, "reserved": 0o000} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, name), mode)
	}
	hs, err := collectHeaps(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || hs[0].Name != "reserved" || hs[1].Name != "system" {
		t.Fatalf("heaps %+v, want reserved and system in order", hs)
	}
	if hs[1].Mode != "-rw-rw-rw-" || !hs[1].CanOpen {
		t.Errorf("system: %+v; want -rw-rw-rw- and openable", hs[1])
	}
	if hs[0].Mode != "----------" {
		t.Errorf("reserved mode %q, want ----------", hs[0].Mode)
	}
	if os.Geteuid() != 0 && (hs[0].CanOpen || !strings.Contains(hs[0].OpenError, "udev rule")) {
		t.Errorf("reserved: %+v; want not openable with a udev hint", hs[0])
	}
}

func TestMissingHeapDirIsExplained(t *testing.T) {
	_, err := collectHeaps(filepath.Join(t.TempDir(), "dma_heap"))
	if err == nil || !strings.Contains(err.Error(), "kernel without CONFIG_DMABUF_HEAPS") {
		t.Errorf("error %v, want it to explain the missing directory", err)
	}
}

// TestReportListsTheVMDevices runs the whole report against the real
// kernel: vkms and vgem always, virtio-gpu with --gpu.
func TestReportListsTheVMDevices(t *testing.T) {
	testenv.RequireDRMCard(t, "vkms")
	r := collect(options{SysfsRoot: "/sys", HeapDir: "/dev/dma_heap"})
	var buf bytes.Buffer
	if err := write(&buf, r, true); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("-json output does not parse: %v", err)
	}
	by := map[string]deviceReport{}
	for _, d := range r.Devices {
		by[d.Driver.Name] = d
	}
	vkms := by["vkms"]
	if len(vkms.Planes) != 10 || len(vkms.CRTCs) != 1 || len(vkms.Errors) != 0 {
		t.Errorf("vkms: %d planes, %d CRTCs, errors %v; want 10, 1, none", len(vkms.Planes), len(vkms.CRTCs), vkms.Errors)
	}
	names := map[string]bool{}
	for _, c := range vkms.Connectors {
		names[c.Name] = true
	}
	if !names["Virtual-1"] || !names["Writeback-1"] {
		t.Errorf("vkms connectors %v, want Virtual-1 and Writeback-1", names)
	}
	if f := vkms.Planes[0].Formats; len(f) == 0 || len(f[0].Modifiers) != 1 || f[0].Modifiers[0] != "LINEAR" {
		t.Errorf("vkms plane formats %+v, want LINEAR modifiers", f)
	}
	if v := by["vgem"]; v.Kind != "render-only" || v.Render == "" || len(v.Errors) != 0 {
		t.Errorf("vgem: %+v, errors %v; want render-only with a render node, no errors", v.DeviceInfo, v.Errors)
	}
	if testenv.VMHasGPU() {
		v := by["virtio_gpu"]
		if v.Kind != "display+render" || len(v.Connectors) == 0 || v.Connectors[0].EDID == nil {
			t.Errorf("virtio_gpu: %+v, want display+render with an EDID on its connector", v.DeviceInfo)
		}
	}
	if len(r.Heaps) == 0 {
		t.Errorf("no DMA heaps listed (%s)", r.HeapDirError)
	}
	var text bytes.Buffer
	write(&text, r, false)
	for _, want := range []string{"Device vkms", "Connector", "Virtual-1", "Plane", "XRGB8888", "DMA heaps:", "system"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q", want)
		}
	}
}
