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
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
