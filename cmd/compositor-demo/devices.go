package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-scanout/scanout/kms"
)

// listDevices describes the DRM devices and DMA heaps of the machine, one
// line each, for the startup report.
func listDevices() []string {
	var out []string
	devs, err := kms.Discover(nil)
	switch {
	case err != nil:
		out = append(out, fmt.Sprintf("DRM: %v", err))
	case len(devs) == 0:
		out = append(out, "DRM: no devices (/dev/dri is empty or absent: no display or GPU here)")
	}
	for _, d := range devs {
		nodes := strings.TrimSpace(d.Card + " " + d.Render)
		line := fmt.Sprintf("DRM %s: driver %s, %s, %d CRTCs, bus %s", nodes, d.Driver.Name, d.Kind, d.CRTCs, d.Bus)
		if d.OpenError != "" {
			line += ", cannot open: " + d.OpenError
		}
		out = append(out, line)
	}
	heaps, _ := filepath.Glob("/dev/dma_heap/*")
	sort.Strings(heaps)
	if len(heaps) == 0 {
		out = append(out, "DMA heaps: none (/dev/dma_heap absent)")
	}
	for _, h := range heaps {
		access := "usable"
		if f, err := os.OpenFile(h, os.O_RDONLY, 0); err != nil {
			access = "not usable: " + err.Error() + " (see the udev rule in docs/compositor.md)"
		} else {
			f.Close()
		}
		out = append(out, fmt.Sprintf("DMA heap %s: %s", h, access))
	}
	return out
}
