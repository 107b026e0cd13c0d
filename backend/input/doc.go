// Package input feeds a compositor.Compositor from the kernel's input
// devices: it opens every evdev node it may (package input/evdev), follows
// hotplug, announces the seat's capabilities as devices come and go, and
// turns each device's frames (one per SYN_REPORT) into calls of the
// compositor's input API under its lock, one Lock/Unlock per frame.
//
// Mapping, kiosk style:
//
//   - keyboards and key devices (barcode scanners are keyboards) drive
//     wl_keyboard with their evdev key codes;
//   - mice move the pointer by their relative motion (times
//     Options.PointerSpeed, no acceleration) and press buttons; wheels
//     scroll 15 units per detent (high-resolution wheels in 1/120 steps);
//   - absolute pointers (tablets, a virtual machine's tablet) and touch
//     screens map their axis ranges onto the touch output (Options.
//     TouchOutput, default the first output), through
//     Options.TouchTransform and Options.TouchCalibration for panels
//     mounted rotated; a pen's tip is the left button;
//   - touch points get seat-wide ids; a device unplugged with keys,
//     buttons or contacts down releases them (wl_touch.cancel for
//     contacts), so nothing stays stuck.
//
// Touchpads are recognised and ignored (see evdev.Touchpad).
//
//	seat, err := input.Start(c, &input.Options{Log: log.Printf})
//	if err != nil { ... }
//	defer seat.Close()
//	fmt.Print(seat.Report()) // one line per device and class
package input
