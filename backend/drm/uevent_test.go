package drm

import "testing"

func TestParseUeventRecognisesDRMHotplug(t *testing.T) {
	msg := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			b = append(append(b, p...), 0)
		}
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		ok      bool
		card    string
		hotplug bool
	}{
		{"connector hotplug", msg("change@/devices/platform/vkms/drm/card1", "ACTION=change", "DEVPATH=/devices/platform/vkms/drm/card1",
			"SUBSYSTEM=drm", "HOTPLUG=1", "DEVNAME=dri/card1", "SEQNUM=1234"), true, "card1", true},
		{"synthesised hotplug", msg("change@/devices/platform/vkms/drm/card1", "ACTION=change", "SUBSYSTEM=drm",
			"DEVNAME=dri/card1", "SYNTH_UUID=6b1c4d52-6c2b-4c1e-9a38-2f4f1b6a7c11", "SYNTH_ARG_HOTPLUG=1"), true, "card1", true},
		{"synthetic change without HOTPLUG", msg("change@/devices/platform/vkms/drm/card1", "ACTION=change", "SUBSYSTEM=drm",
			"DEVNAME=dri/card1", "SYNTH_UUID=0"), true, "card1", false},
		{"another subsystem", msg("change@/devices/virtual/net/lo", "ACTION=change", "SUBSYSTEM=net"), false, "", false},
		{"an add, not a change", msg("add@/devices/platform/vkms/drm/card1", "ACTION=add", "SUBSYSTEM=drm", "DEVNAME=dri/card1"), false, "card1", false},
		{"udevd's rebroadcast", append([]byte("libudev\x00\xfe\xed\xca\xfe"), msg("ACTION=change", "SUBSYSTEM=drm")...), false, "", false},
		{"garbage", []byte{0xff, 0, 0x41}, false, "", false},
		{"empty", nil, false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, ok := parseUevent(tc.in)
			if ok != tc.ok || (ok && (ev.card != tc.card || ev.hotplug != tc.hotplug)) {
				t.Errorf("parseUevent = %+v, %v; want ok %v card %q hotplug %v", ev, ok, tc.ok, tc.card, tc.hotplug)
			}
		})
	}
}

func FuzzParseUevent(f *testing.F) {
	f.Add([]byte("change@/x\x00ACTION=change\x00SUBSYSTEM=drm\x00HOTPLUG=1\x00DEVNAME=dri/card0\x00"))
	f.Fuzz(func(t *testing.T, b []byte) { parseUevent(b) })
}
