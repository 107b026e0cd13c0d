package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/internal/testenv"
)

func TestNegotiationReportCoversTheVMDisplays(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireDRMCard(t, "vkms")
	sec := negotiate(negotiationOptions{SysfsRoot: "/sys", HeapDir: "/dev/dma_heap", Config: t.TempDir() + "/none"})
	if len(sec.Errors) > 0 || sec.Report == nil {
		t.Fatalf("errors %q", sec.Errors)
	}
	var text bytes.Buffer
	if err := writeNegotiationText(&text, sec, false); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", text.String())
	for _, want := range []string{"(vkms)", "hint sources:", "driver-knowledge", "XRGB8888/LINEAR: -> heap:system"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if nodes, _ := testenv.FindDRM("virtio_gpu", "card"); len(nodes) > 0 {
		if !strings.Contains(text.String(), "(virtio_gpu)") || !strings.Contains(text.String(), "XRGB8888/LINEAR: -> dumb") {
			t.Errorf("virtio_gpu plan missing or not dumb")
		}
	}
	b, err := json.Marshal(sec)
	if err != nil || !bytes.Contains(b, []byte(`"hint_sources"`)) {
		t.Errorf("JSON %s, %v", b, err)
	}
}
