// Command compositor-demo is scanout's kiosk compositor: it starts one
// application full-screen, on a DRM display when it can drive one and
// headless otherwise, and prints what it chose and why.
//
// This build is the placeholder that precedes the real compositor: it
// prints what the demo will do and exits 0.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println(`compositor-demo: not implemented yet. When it is, it will:
  - find the DRM devices and DMA heaps, negotiate per KMS plane where scanout
    memory must come from, and print the route chosen for each plane and why;
  - pick the DRM backend when a connected display can be driven, else headless;
  - open a Wayland socket, start the application given after "--" (or a
    built-in demo client) full-screen, render with GL or the CPU blitter,
    and write a screenshot in headless mode;
  - restore the display and print frame counters on SIGINT or SIGTERM.`)
	os.Exit(0)
}
