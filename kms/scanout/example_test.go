package scanout_test

import (
	"context"
	"fmt"
	"os"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms/scanout"
	"github.com/go-scanout/scanout/kms/scanout/replay"
)

// Negotiate for a Raspberry Pi 4's vc4 from its plane dump, with recorded
// outcomes instead of hardware. On a live system, describe the device with
// DescribeKMS and probe with NewProber instead.
func Example() {
	dump, _ := os.ReadFile("testdata/hw/rpi4-vc4.planes.derived.json")
	vc4, err := replay.ParsePlanesJSON(dump, "/dev/dri/card1")
	if err != nil {
		panic(err)
	}
	vc4.Render, vc4.Split = "/dev/dri/renderD128", true // v3d
	rec, _ := os.ReadFile("testdata/boards/rpi4/outcomes.txt")
	oracle, err := replay.ParseOracle(string(rec))
	if err != nil {
		panic(err)
	}
	plan, err := scanout.Negotiate(context.Background(), []*scanout.Device{vc4}, oracle,
		scanout.Options{Sources: []scanout.HintSource{scanout.Knowledge{}}, KernelRelease: "example"})
	if err != nil {
		panic(err)
	}
	dp := plan.Device("/dev/dri/card1")
	fp := dp.Primary().Lookup(allocator.XRGB8888, allocator.ModifierLinear)
	fmt.Println("primary XRGB8888/LINEAR from", fp.Route)
	s := dp.Sharing()
	fmt.Println("shared with the render device:", s.Route, "allocated by", s.Allocator)
	// Output:
	// primary XRGB8888/LINEAR from heap:linux,cma
	// shared with the render device: heap:linux,cma allocated by DMA heap linux,cma (neither device)
}

// Configuration rules force or forbid routes per device; SCANOUT_ROUTES
// takes the same rules separated by ';'.
func ExampleParseRules() {
	rules, err := scanout.ParseRules("driver=vc4 forbid class:system\ndriver=vkms force heap:reserved dumb", "routes.conf", false)
	if err != nil {
		panic(err)
	}
	for _, r := range rules {
		fmt.Println(r.Origin, r.Device, r.Verb, r.Selects)
	}
	// Output:
	// routes.conf:1 driver=vc4 forbid [class:system]
	// routes.conf:2 driver=vkms force [heap:reserved dumb]
}
