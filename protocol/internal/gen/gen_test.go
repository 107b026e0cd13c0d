package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed generated code is what the generator produces from the
// vendored XML: run `go generate ./protocol` after changing either.
func TestGeneratedCodeIsUpToDate(t *testing.T) {
	out := t.TempDir()
	if err := run("../../xml", out); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(out, f.pkg, "protocol_gen.go"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("../..", f.pkg, "protocol_gen.go"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("protocol/%s/protocol_gen.go is stale: run go generate ./protocol", f.pkg)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for in, want := range map[string]string{
		"wl_surface":                   "Surface",
		"zwp_linux_buffer_params_v1":   "BufferParams",
		"zwp_linux_dmabuf_feedback_v1": "DmabufFeedback",
		"wp_presentation_feedback":     "PresentationFeedback",
		"xdg_wm_base":                  "WmBase",
		"wp_viewport":                  "Viewport",
	} {
		if got := typeName(in); got != want {
			t.Errorf("typeName(%q) = %q, want %q", in, got, want)
		}
	}
}
