// Command scanout-info prints what a compositor needs to know about this
// machine's display hardware: every DRM device with its nodes, driver,
// capabilities, CRTCs, connectors and modes, planes with their formats and
// modifiers, and the DMA heaps under /dev/dma_heap with their permissions
// and whether this user can open them.
//
// Usage:
//
//	scanout-info [-json] [-sysfs DIR] [-heaps DIR]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	jsonOut := flag.Bool("json", false, "print the report as JSON")
	sysfs := flag.String("sysfs", "/sys", "where sysfs is mounted")
	heaps := flag.String("heaps", "/dev/dma_heap", "the DMA heap directory")
	flag.Parse()
	r := collect(options{SysfsRoot: *sysfs, HeapDir: *heaps})
	if err := write(os.Stdout, r, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "scanout-info:", err)
		os.Exit(1)
	}
}

func write(w io.Writer, r *report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.writeText(w)
}
