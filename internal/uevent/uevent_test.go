package uevent

import (
	"errors"
	"testing"
	"time"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

func msg(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(append(b, p...), 0)
	}
	return b
}

func TestParse(t *testing.T) {
	e, ok := Parse(msg("change@/devices/platform/vkms/drm/card1", "ACTION=change", "DEVPATH=/devices/platform/vkms/drm/card1",
		"SUBSYSTEM=drm", "HOTPLUG=1", "DEVNAME=dri/card1", "SEQNUM=1234"))
	if !ok || e.Action != "change" || e.Subsystem != "drm" || e.DevName != "dri/card1" || e.Get("HOTPLUG") != "1" || e.Get("SEQNUM") != "1234" || e.Get("NONE") != "" {
		t.Fatalf("Parse = %+v, %v", e, ok)
	}
	for name, b := range map[string][]byte{
		"udevd rebroadcast": append([]byte("libudev\x00\xfe\xed\xca\xfe"), msg("ACTION=add", "SUBSYSTEM=input")...),
		"no header":         msg("ACTION=add", "SUBSYSTEM=input"),
		"no action":         msg("add@/devices/x", "SUBSYSTEM=input"),
		"garbage":           {0xff, 0, 0x41},
		"empty":             nil,
	} {
		if e, ok := Parse(b); ok {
			t.Errorf("%s: Parse = %+v, want not a uevent", name, e)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(msg("change@/x", "ACTION=change", "SUBSYSTEM=drm", "HOTPLUG=1", "DEVNAME=dri/card0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok := Parse(b)
		if ok && e.Action == "" {
			t.Fatal("accepted without an action")
		}
	})
}

// A real subscription: opening needs no privilege; Close unblocks Next.
// (Events themselves are exercised in the VM by backend/drm's hotplug test
// and input/evdev's uinput hotplug test.)
func TestOpenAndClose(t *testing.T) {
	s, err := Open("test")
	if err != nil {
		testenv.Unavailable(t, "netlink uevent socket: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Next(); done <- err }()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, fd.ErrClosed) {
			t.Fatalf("Next after Close: %v, want fd.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Close")
	}
}
