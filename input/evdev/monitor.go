package evdev

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// Hotplug is one evdev node appearing or going away.
type Hotplug struct {
	Added bool   // true: add; false: remove
	Path  string // /dev/input/eventN
}

// Monitor reports evdev nodes added and removed, from the kernel's uevents
// (a NETLINK_KOBJECT_UEVENT socket; no udev needed, no privilege needed).
// Create it before scanning the existing nodes so that nothing plugged in
// between is missed.
type Monitor struct {
	f   *fd.FD
	dir string
	buf []byte
}

// NewMonitor subscribes to the kernel's uevents. dir is where the nodes
// are (DefaultDir when empty).
func NewMonitor(dir string) (*Monitor, error) {
	if dir == "" {
		dir = DefaultDir
	}
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("evdev: hotplug: netlink uevent socket: %w", err)
	}
	if err := unix.Bind(s, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(s)
		return nil, fmt.Errorf("evdev: hotplug: bind the netlink uevent socket to the kernel group: %w", err)
	}
	// A larger receive buffer makes overflows (ENOBUFS) rarer when many
	// devices appear at once; failing to raise it is harmless.
	unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	f, err := fd.New(s, "netlink uevents (input hotplug)")
	if err != nil {
		unix.Close(s)
		return nil, err
	}
	if err := f.SetNonblock(); err != nil {
		f.Close()
		return nil, err
	}
	return &Monitor{f: f, dir: dir, buf: make([]byte, 8192)}, nil
}

// ErrOverflow is returned by Next when the kernel dropped uevents because
// the reader was too slow: rescan the directory to catch up.
var ErrOverflow = errors.New("evdev: hotplug: uevents were lost (socket buffer overflow); rescan")

// Next waits for the next add or remove of an evdev node. It returns
// fd.ErrClosed-wrapping errors after Close, and ErrOverflow when events
// were lost.
func (m *Monitor) Next() (Hotplug, error) {
	for {
		var n int
		var rerr error
		err := m.f.Read(func(raw int) bool {
			n, _, rerr = unix.Recvfrom(raw, m.buf, 0)
			for rerr == unix.EINTR {
				n, _, rerr = unix.Recvfrom(raw, m.buf, 0)
			}
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return Hotplug{}, fmt.Errorf("evdev: hotplug: %w", err)
		}
		if rerr == unix.ENOBUFS {
			return Hotplug{}, ErrOverflow
		}
		if rerr != nil {
			return Hotplug{}, fmt.Errorf("evdev: hotplug: receive uevent: %w", rerr)
		}
		if h, ok := parseUevent(m.buf[:n]); ok {
			h.Path = filepath.Join(m.dir, h.Path)
			return h, nil
		}
	}
}

// Close stops the monitor; a blocked Next returns.
func (m *Monitor) Close() error { return m.f.Close() }

// parseUevent reads a kernel uevent ("add@/devices/.../input/input7/event5"
// then NUL-separated KEY=value strings) and reports adds and removes of
// evdev nodes, with Path set to the node's name ("event5"). Messages from
// udevd (the "libudev" header) are ignored.
func parseUevent(b []byte) (Hotplug, bool) {
	var h Hotplug
	if bytes.HasPrefix(b, []byte("libudev")) {
		return h, false
	}
	head, rest, ok := bytes.Cut(b, []byte{0})
	if !ok || !bytes.Contains(head, []byte("@")) {
		return h, false
	}
	var action, subsystem, devname []byte
	for len(rest) > 0 {
		var kv []byte
		kv, rest, _ = bytes.Cut(rest, []byte{0})
		k, v, ok := bytes.Cut(kv, []byte("="))
		if !ok {
			continue
		}
		switch string(k) {
		case "ACTION":
			action = v
		case "SUBSYSTEM":
			subsystem = v
		case "DEVNAME":
			devname = v
		}
	}
	if string(subsystem) != "input" {
		return h, false
	}
	name, ok := bytes.CutPrefix(devname, []byte("input/"))
	if !ok || eventNumber(string(name)) < 0 {
		return h, false
	}
	switch string(action) {
	case "add":
		h.Added = true
	case "remove":
	default:
		return h, false
	}
	h.Path = string(name)
	return h, true
}
