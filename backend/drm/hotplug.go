package drm

import (
	"errors"
	"path/filepath"

	"github.com/go-scanout/scanout/internal/uevent"
	"github.com/go-scanout/scanout/kms"
)

// uevents is the kernel's uevent broadcast, followed for connector
// hotplug.
type uevents struct{ s *uevent.Socket }

func openUevents() (*uevents, error) {
	s, err := uevent.Open("drm connector hotplug")
	if err != nil {
		return nil, err
	}
	return &uevents{s: s}, nil
}

// run reads uevents and sends the card name ("card1") of each DRM
// hotplug event concerning node (a /dev/dri path) to out, until closed.
func (u *uevents) run(node string, out chan<- string) {
	card := filepath.Base(node)
	for {
		e, err := u.s.Next()
		if errors.Is(err, uevent.ErrOverflow) {
			// events were lost: the connector may have changed
			select {
			case out <- card:
			default:
			}
			continue
		}
		if err != nil {
			return
		}
		if ev, ok := hotplugOf(&e); ok && ev.hotplug && ev.card == card {
			select {
			case out <- card:
			default:
			}
		}
	}
}

// Close stops run.
func (u *uevents) Close() error { return u.s.Close() }

type hotplugEvent struct {
	card    string
	hotplug bool
}

// parseUevent reads a kernel uevent message and reports DRM change events
// (see hotplugOf).
func parseUevent(b []byte) (hotplugEvent, bool) {
	e, ok := uevent.Parse(b)
	if !ok {
		return hotplugEvent{}, false
	}
	return hotplugOf(&e)
}

// hotplugOf reports a DRM "change" uevent: the card it concerns and
// whether it is a connector hotplug (HOTPLUG=1, or SYNTH_ARG_HOTPLUG=1 for
// one synthesised through sysfs).
func hotplugOf(e *uevent.Event) (hotplugEvent, bool) {
	ev := hotplugEvent{card: filepath.Base(e.DevName)}
	ev.hotplug = e.Get("HOTPLUG") == "1" || e.Get("SYNTH_ARG_HOTPLUG") == "1"
	return ev, e.Subsystem == "drm" && e.Action == "change"
}

// hotplugged re-reads the connector after a hotplug event and modesets
// again when it came back or its preferred mode changed (lock held).
func (b *Backend) hotplugged(card string) {
	c, err := b.dev.Connector(b.conn.ID)
	if err != nil {
		b.log("drm: hotplug on %s: re-read connector %s: %v", card, b.conn.Name, err)
		return
	}
	was := b.conn.Status
	b.conn = c
	b.loop.hotplugs++
	if c.Status != kms.Connected {
		b.log("drm: hotplug: %s is %s; keeping the CRTC configured until it returns", c.Name, c.Status)
		return
	}
	m, err := pickMode(c, b.opts.Mode)
	if err != nil {
		b.log("drm: hotplug: %s: %v", c.Name, err)
		return
	}
	if was == kms.Connected && m == b.mode {
		return
	}
	if m.HDisplay != b.mode.HDisplay || m.VDisplay != b.mode.VDisplay {
		b.log("drm: hotplug: %s now prefers %s; keeping %s (the swapchain is %dx%d)", c.Name, m, b.mode, b.chain.w, b.chain.h)
		m = b.mode
	}
	b.drainPending()
	b.mode = m
	if err := b.modeset(); err != nil {
		b.log("drm: hotplug: modeset %s after reconnect: %v", c.Name, err)
		return
	}
	b.loop.modesets++
	b.log("drm: hotplug: %s %s, modeset %s", c.Name, c.Status, m)
}
