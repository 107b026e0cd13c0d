package evdev

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-scanout/scanout/internal/uevent"
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
	s   *uevent.Socket
	dir string
}

// NewMonitor subscribes to the kernel's uevents. dir is where the nodes
// are (DefaultDir when empty).
func NewMonitor(dir string) (*Monitor, error) {
	if dir == "" {
		dir = DefaultDir
	}
	s, err := uevent.Open("input hotplug")
	if err != nil {
		return nil, fmt.Errorf("evdev: %w", err)
	}
	return &Monitor{s: s, dir: dir}, nil
}

// ErrOverflow is returned by Next when the kernel dropped uevents because
// the reader was too slow: rescan the directory to catch up.
var ErrOverflow = errors.New("evdev: hotplug: uevents were lost (socket buffer overflow); rescan")

// Next waits for the next add or remove of an evdev node. It returns
// fd.ErrClosed-wrapping errors after Close, and ErrOverflow when events
// were lost.
func (m *Monitor) Next() (Hotplug, error) {
	for {
		e, err := m.s.Next()
		if errors.Is(err, uevent.ErrOverflow) {
			return Hotplug{}, ErrOverflow
		}
		if err != nil {
			return Hotplug{}, fmt.Errorf("evdev: hotplug: %w", err)
		}
		if h, ok := hotplugOf(&e); ok {
			h.Path = filepath.Join(m.dir, h.Path)
			return h, nil
		}
	}
}

// Close stops the monitor; a blocked Next returns.
func (m *Monitor) Close() error { return m.s.Close() }

// parseUevent reads a kernel uevent message and reports adds and removes
// of evdev nodes (see hotplugOf).
func parseUevent(b []byte) (Hotplug, bool) {
	e, ok := uevent.Parse(b)
	if !ok {
		return Hotplug{}, false
	}
	return hotplugOf(&e)
}

// hotplugOf reports adds and removes of evdev nodes, with Path set to the
// node's name ("event5").
func hotplugOf(e *uevent.Event) (Hotplug, bool) {
	var h Hotplug
	if e.Subsystem != "input" {
		return h, false
	}
	name, ok := strings.CutPrefix(e.DevName, "input/")
	if !ok || eventNumber(name) < 0 {
		return h, false
	}
	switch e.Action {
	case "add":
		h.Added = true
	case "remove":
	default:
		return h, false
	}
	h.Path = name
	return h, true
}
