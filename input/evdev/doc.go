// Package evdev reads the kernel's input devices (/dev/input/eventN) in
// pure Go: keyboards (and barcode scanners, which are keyboards), mice,
// touch screens and absolute pointers, for a kiosk compositor.
//
// Devices are recognised by their capabilities, never by name (Classify:
// EVIOCGBIT, EVIOCGPROP, the rules of udev's input_id). Open reads a
// device's name, ids, classes and axis ranges and switches its timestamps
// to CLOCK_MONOTONIC; Run reads events through Go's poller (no thread
// blocked, no allocation per batch) and hands over one Frame per
// SYN_REPORT: relative motion, wheel, absolute position, key transitions,
// and touch contacts decoded from multitouch protocol B (slots and
// tracking ids) or single touch (BTN_TOUCH with ABS_X/ABS_Y). After a
// SYN_DROPPED (the kernel's buffer overflowed) the decoder drops events up
// to the next SYN_REPORT and reads the state back (EVIOCGKEY, EVIOCGABS,
// EVIOCGMTSLOTS), reporting what changed meanwhile in a frame marked
// Resync, so no key stays stuck and no contact is lost.
//
// Monitor reports evdev nodes added and removed, from the kernel's
// uevents (no udev needed). Axis.Normalize and Calibration map raw touch
// coordinates to an output, with a Transform for panels mounted rotated.
//
// Permissions: evdev nodes belong to root and, with udev, to the input
// group. Open's error says so (add the user to the input group or run
// under a seat manager). Package backend/input feeds a compositor.
//
//	d, err := evdev.Open("/dev/input/event3", nil)
//	if err != nil { ... }
//	defer d.Close()
//	fmt.Println(d.Info()) // /dev/input/event3 "…": touchscreen …
//	go d.Run(func(f *evdev.Frame) { ... })
package evdev
