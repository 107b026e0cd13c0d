// Package uevent receives the kernel's device events (uevents) from a
// NETLINK_KOBJECT_UEVENT socket: what udev listens to, without udev and
// without privilege. backend/drm follows connector hotplug through it and
// input/evdev follows input devices coming and going.
//
// A uevent is a header ("change@/devices/.../drm/card1") followed by
// NUL-separated KEY=value strings (ACTION, SUBSYSTEM, DEVNAME, ...).
// Messages that udevd rebroadcasts (they start with "libudev") are not
// kernel events and are skipped.
package uevent
