package evdev_test

import "golang.org/x/sys/unix"

var (
	errBusy   = unix.EBUSY
	errNotTTY = unix.ENOTTY
)
