// Command compositor-demo is scanout's kiosk compositor: it starts one
// application full-screen, on a DRM display when it can drive one and
// headless otherwise, and prints what it chose and why.
//
//	compositor-demo [flags] [-- app args...]
//
// With no app it runs a built-in demo client; in headless mode it then
// draws -frames frames, writes a screenshot and exits, so that
//
//	go run ./cmd/compositor-demo
//
// does its whole job on a machine with no GPU, no display and no root.
// At start it prints the devices found, the renderer chosen and the
// negotiated route per plane with reasons; on SIGINT or SIGTERM it
// restores the display and exits; at exit it prints its counters.
//
// See docs/compositor.md for the flags, the environment variables and a
// kiosk deployment recipe.
package main

import (
	"os"
	"runtime"
)

func main() {
	// Everything the compositor does per frame runs under one lock
	// (protocol dispatch, scene, rendering, the frame loop), so a second
	// P buys no parallelism, only scheduler traffic: spinning threads
	// woken on every client message and timer. One P cut the CPU time per
	// frame of the headless loop with weston-simple-shm (docs/compositor.md,
	// "Frame loop cost"). An explicit GOMAXPROCS in the environment wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
