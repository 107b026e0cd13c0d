// Package uinput creates virtual input devices through /dev/uinput: the
// kernel makes them real evdev devices, indistinguishable from hardware
// for their readers. scanout's tests use it to drive package evdev and the
// compositor with a mouse, a keyboard and a multitouch screen that exist
// only in software; a kiosk integrator can use it to replay input.
//
//	d, err := uinput.Create(uinput.Mouse("test mouse"))
//	if err != nil { ... }
//	defer d.Close()
//	d.Emit(uapi.EV_REL, uapi.REL_X, 5) ... d.Sync()
package uinput
