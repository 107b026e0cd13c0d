package uevent

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// Event is one kernel uevent.
type Event struct {
	Action    string   // "add", "remove", "change", ...
	Subsystem string   // "drm", "input", ...
	DevName   string   // the node below /dev ("dri/card1", "input/event5"), "" when none
	Vars      []string // every KEY=value string, in order
}

// Get returns the value of key ("" when absent).
func (e *Event) Get(key string) string {
	for _, kv := range e.Vars {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Parse reads one uevent message. It reports false for udevd's
// rebroadcasts and for anything that is not a kernel uevent.
func Parse(b []byte) (Event, bool) {
	var e Event
	if bytes.HasPrefix(b, []byte("libudev")) {
		return e, false
	}
	head, rest, ok := bytes.Cut(b, []byte{0})
	if !ok || !bytes.Contains(head, []byte("@")) {
		return e, false
	}
	for len(rest) > 0 {
		var kv []byte
		kv, rest, _ = bytes.Cut(rest, []byte{0})
		k, v, ok := bytes.Cut(kv, []byte("="))
		if !ok {
			continue
		}
		e.Vars = append(e.Vars, string(kv))
		switch string(k) {
		case "ACTION":
			e.Action = string(v)
		case "SUBSYSTEM":
			e.Subsystem = string(v)
		case "DEVNAME":
			e.DevName = string(v)
		}
	}
	return e, e.Action != ""
}

// ErrOverflow is returned by Next when the kernel dropped uevents because
// they were not read fast enough (ENOBUFS): whoever depends on them should
// rescan what it follows.
var ErrOverflow = errors.New("uevents were lost (socket buffer overflow)")

// Socket is a subscription to the kernel's uevent broadcast.
type Socket struct {
	f   *fd.FD
	buf []byte
}

// Open subscribes to the kernel's uevents. purpose names the subscriber
// in errors and fd traces ("input hotplug").
func Open(purpose string) (*Socket, error) {
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("%s: netlink uevent socket: %w", purpose, err)
	}
	if err := unix.Bind(s, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1}); err != nil {
		unix.Close(s)
		return nil, fmt.Errorf("%s: bind the netlink uevent socket to the kernel group: %w", purpose, err)
	}
	// A larger receive buffer makes overflows rarer when many devices
	// appear at once; failing to raise it is harmless.
	unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	f, err := fd.New(s, "netlink uevents ("+purpose+")")
	if err != nil {
		unix.Close(s)
		return nil, err
	}
	if err := f.SetNonblock(); err != nil {
		f.Close()
		return nil, err
	}
	return &Socket{f: f, buf: make([]byte, 8192)}, nil
}

// Next waits for the next kernel uevent. It returns ErrOverflow when
// events were lost, and an error wrapping fd.ErrClosed after Close.
func (s *Socket) Next() (Event, error) {
	for {
		var n int
		var rerr error
		err := s.f.Read(func(raw int) bool {
			n, _, rerr = unix.Recvfrom(raw, s.buf, 0)
			for rerr == unix.EINTR {
				n, _, rerr = unix.Recvfrom(raw, s.buf, 0)
			}
			return rerr != unix.EAGAIN
		})
		if err != nil {
			return Event{}, err
		}
		if rerr == unix.ENOBUFS {
			return Event{}, ErrOverflow
		}
		if rerr != nil {
			return Event{}, fmt.Errorf("receive uevent: %w", rerr)
		}
		if e, ok := Parse(s.buf[:n]); ok {
			return e, nil
		}
	}
}

// Close ends the subscription; a blocked Next returns.
func (s *Socket) Close() error { return s.f.Close() }
