package drm_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-scanout/scanout/backend/drm"
	"github.com/go-scanout/scanout/compositor/democlient"
)

// uevent makes the kernel emit a synthetic "change" uevent with
// HOTPLUG=1 for the card, as a real connector hotplug does.
func uevent(t *testing.T, card string) {
	t.Helper()
	p := filepath.Join("/sys/class/drm", filepath.Base(card), "uevent")
	if err := os.WriteFile(p, []byte("change 6b1c4d52-6c2b-4c1e-9a38-2f4f1b6a7c11 HOTPLUG=1"), 0); err != nil {
		t.Fatalf("synthesise a hotplug uevent: %v", err)
	}
}

// TestHotplugReconnectModesetsAgain forces the connector off and back on
// through sysfs, each followed by the hotplug uevent, and checks that the
// backend saw both and modeset again with the client's frame shown.
func TestHotplugReconnectModesetsAgain(t *testing.T) {
	s := open(t, "vkms", drm.Options{})
	s.client(t, democlient.Options{Frames: 3})
	s.shown(t, 3)
	var card, conn string
	s.c.Do(func() { card, conn = s.b.Device().Path(), s.c.Outputs()[0].Config().Name })
	status := filepath.Join("/sys/class/drm", fmt.Sprintf("%s-%s", filepath.Base(card), conn), "status")
	set := func(v string) {
		t.Helper()
		if err := os.WriteFile(status, []byte(v), 0); err != nil {
			t.Fatalf("write %q to %s: %v", v, status, err)
		}
		uevent(t, card)
	}
	t.Cleanup(func() { os.WriteFile(status, []byte("detect"), 0) })
	set("off")
	s.waitFor(t, "the disconnect", func() bool { return s.b.Stats().Hotplugs >= 1 })
	set("detect")
	s.waitFor(t, "the modeset after reconnecting", func() bool { return s.b.Stats().Remodesets >= 1 })
	time.Sleep(100 * time.Millisecond)
	cp := s.shown(t, 3)
	samePattern(t, cp, 2)
}
