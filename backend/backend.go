package backend

import (
	"context"
	"fmt"
	"strings"
)

// Backend drives a compositor's outputs.
type Backend interface {
	// Name is "headless" or "drm".
	Name() string
	// Report describes what the backend found and chose.
	Report() Report
	// Run runs the frame loop until ctx is done or a fatal error.
	Run(ctx context.Context) error
	// Close releases the outputs (a DRM backend restores the CRTC it
	// took over). Idempotent.
	Close() error
}

// Report is the startup report: what was found and chosen, with reasons.
type Report struct {
	Backend  string   // "headless" or "drm"
	Why      string   // why this backend
	Devices  []string // one line per device found ("card1 vkms: 1 CRTC, 10 planes, Virtual-1 connected")
	Renderer string   // render.Selection.String()
	Outputs  []string // one line per output ("Virtual-1 1920x1080@60.000Hz on CRTC 36")
	Planes   []string // one line per plane: the negotiated route and why
	Notes    []string // anything else worth knowing (no DRM master, hotplug off, ...)
}

// String formats the report as the demo prints it.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "backend: %s (%s)\n", r.Backend, r.Why)
	section := func(title string, lines []string, none string) {
		fmt.Fprintf(&b, "%s:\n", title)
		if len(lines) == 0 {
			fmt.Fprintf(&b, "  %s\n", none)
		}
		for _, l := range lines {
			fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(l, "\n", "\n    "))
		}
	}
	section("devices", r.Devices, "none")
	fmt.Fprintf(&b, "renderer: %s\n", r.Renderer)
	section("outputs", r.Outputs, "none")
	section("planes", r.Planes, "none")
	if len(r.Notes) > 0 {
		section("notes", r.Notes, "")
	}
	return b.String()
}
