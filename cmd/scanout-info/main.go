// Command scanout-info prints what a compositor needs to know about this
// machine's display hardware: every DRM device with its nodes, driver,
// capabilities, CRTCs, connectors and modes, planes with their formats and
// modifiers, and the DMA heaps under /dev/dma_heap with their permissions
// and whether this user can open them.
//
// Usage:
//
//	scanout-info [-json] [-sysfs DIR] [-heaps DIR] [-negotiate=false] [-probe-all] [-verbose] [-routes FILE] [-cache FILE]
//
// The last section is the scanout negotiation report (package kms/scanout):
// per display device, plane, format and modifier, which allocation route
// the plane accepts, why every other route lost, and which hint sources
// spoke.
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
	// Scanout negotiation (kms/scanout).
	neg := flag.Bool("negotiate", true, "probe which memory every plane scans out (needs DRM master: run with no compositor)")
	probeAll := flag.Bool("probe-all", true, "negotiation: probe every route, not only until one works (false: stop at the first, as a compositor does)")
	verbose := flag.Bool("verbose", false, "negotiation: list routes that were not needed too")
	routes := flag.String("routes", "", "negotiation: route configuration file (default /etc/scanout/routes.conf)")
	cache := flag.String("cache", "", "negotiation: plan cache file prefix to read and update (default: none)")
	flag.Parse()
	r := collect(options{SysfsRoot: *sysfs, HeapDir: *heaps})
	var sec *negotiationSection
	if *neg {
		sec = negotiate(negotiationOptions{SysfsRoot: *sysfs, HeapDir: *heaps, Config: *routes, Cache: *cache, ProbeAll: *probeAll})
		r.Negotiation = sec
	}
	err := write(os.Stdout, r, *jsonOut)
	if err == nil && !*jsonOut {
		err = writeNegotiationText(os.Stdout, sec, *verbose)
	}
	if err != nil {
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
