package drm

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/kms"
)

// uevents is a NETLINK_KOBJECT_UEVENT socket subscribed to the kernel's
// broadcast group.
type uevents struct {
	f   *fd.FD
	buf []byte
}

func openUevents() (*uevents, error) {
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("netlink uevent socket: %w", err)
	}
	if err := unix.Bind(s, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(s)
		return nil, fmt.Errorf("bind netlink uevent socket to the kernel group: %w", err)
	}
	f, err := fd.New(s, "netlink uevents")
	if err != nil {
		unix.Close(s)
		return nil, err
	}
	if err := f.SetNonblock(); err != nil {
		f.Close()
		return nil, err
	}
	return &uevents{f: f, buf: make([]byte, 8192)}, nil
}

// run reads uevents and sends the card name ("card1") of each DRM
// hotplug event concerning node (a /dev/dri path) to out, until closed.
func (u *uevents) run(node string, out chan<- string) {
	card := filepath.Base(node)
	for {
		var n int
		var rerr error
		err := u.f.Read(func(raw int) bool {
			n, _, rerr = unix.Recvfrom(raw, u.buf, 0)
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return
		}
		if rerr != nil {
			if rerr == unix.ENOBUFS {
				continue // overflow: events lost, keep listening
			}
			return
		}
		if ev, ok := parseUevent(u.buf[:n]); ok && ev.hotplug && ev.card == card {
			select {
			case out <- card:
			default:
			}
		}
	}
}

// Close stops run.
func (u *uevents) Close() error { return u.f.Close() }

type uevent struct {
	action, subsystem, card string
	hotplug                 bool
}

// parseUevent reads a kernel uevent: "change@/devices/.../drm/card1\0"
// followed by KEY=value strings separated by NULs. Messages from udevd
// ("libudev" magic) are ignored.
func parseUevent(b []byte) (uevent, bool) {
	var ev uevent
	if bytes.HasPrefix(b, []byte("libudev")) {
		return ev, false
	}
	parts := bytes.Split(b, []byte{0})
	if len(parts) < 2 || !bytes.Contains(parts[0], []byte("@")) {
		return ev, false
	}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(string(p), "=")
		if !ok {
			continue
		}
		switch k {
		case "ACTION":
			ev.action = v
		case "SUBSYSTEM":
			ev.subsystem = v
		case "DEVNAME":
			ev.card = filepath.Base(v)
		case "HOTPLUG", "SYNTH_ARG_HOTPLUG":
			ev.hotplug = v == "1"
		}
	}
	return ev, ev.subsystem == "drm" && ev.action == "change"
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
