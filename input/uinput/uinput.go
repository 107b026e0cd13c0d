package uinput

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/input/evdev"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Path is the uinput device node.
const Path = "/dev/uinput"

// AbsAxis declares an absolute axis.
type AbsAxis struct {
	Code       uint16
	Min, Max   int32
	Resolution int32
}

// Setup describes a virtual device.
type Setup struct {
	Name                          string // at most 79 bytes
	Bus, Vendor, Product, Version uint16
	Keys                          []uint16 // KEY_* and BTN_* codes
	Rel                           []uint16 // REL_* codes
	Abs                           []AbsAxis
	Props                         []uint16 // INPUT_PROP_*
}

// Mouse is a relative mouse with three buttons and a wheel.
func Mouse(name string) Setup {
	return Setup{Name: name, Bus: uapi.BUS_VIRTUAL, Vendor: 0x5ca0, Product: 1,
		Keys: []uint16{uapi.BTN_LEFT, uapi.BTN_RIGHT, uapi.BTN_MIDDLE},
		Rel:  []uint16{uapi.REL_X, uapi.REL_Y, uapi.REL_WHEEL, uapi.REL_HWHEEL}}
}

// Keyboard is a full keyboard: KEY_ESC to KEY_MICMUTE (the codes a USB
// keyboard or a barcode scanner announces).
func Keyboard(name string) Setup {
	s := Setup{Name: name, Bus: uapi.BUS_VIRTUAL, Vendor: 0x5ca0, Product: 2}
	for k := uint16(uapi.KEY_ESC); k < 0x100; k++ {
		s.Keys = append(s.Keys, k)
	}
	return s
}

// Touchscreen is a multitouch protocol B screen with slots slots and
// position ranges 0..w-1 and 0..h-1 (plus the single-touch emulation axes
// every such driver also announces).
func Touchscreen(name string, w, h int32, slots int32) Setup {
	return Setup{Name: name, Bus: uapi.BUS_VIRTUAL, Vendor: 0x5ca0, Product: 3,
		Keys:  []uint16{uapi.BTN_TOUCH},
		Props: []uint16{uapi.INPUT_PROP_DIRECT},
		Abs: []AbsAxis{
			{Code: uapi.ABS_X, Max: w - 1}, {Code: uapi.ABS_Y, Max: h - 1},
			{Code: uapi.ABS_MT_SLOT, Max: slots - 1},
			{Code: uapi.ABS_MT_TRACKING_ID, Max: 65535},
			{Code: uapi.ABS_MT_POSITION_X, Max: w - 1}, {Code: uapi.ABS_MT_POSITION_Y, Max: h - 1},
		}}
}

// Device is a virtual input device.
type Device struct {
	f    *fd.FD
	node string
	buf  []byte
}

// Create makes the device and waits for its evdev node.
func Create(s Setup) (*Device, error) {
	f, err := fd.Open(Path, unix.O_WRONLY|unix.O_NONBLOCK)
	if err != nil {
		if errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("uinput: %w: creating input devices needs root or write access to %s", err, Path)
		}
		return nil, fmt.Errorf("uinput: %w (a kernel without CONFIG_INPUT_UINPUT?)", err)
	}
	d := &Device{f: f, buf: make([]byte, 0, 64*uapi.InputEventSize)}
	if err := d.setup(s); err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) setup(s Setup) error {
	set := func(kind int, codes []uint16) error {
		for _, c := range codes {
			if err := uapi.UinputSetBit(d.f, kind, c); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.Keys) > 0 {
		if err := set(0, []uint16{uapi.EV_KEY}); err != nil {
			return err
		}
	}
	if len(s.Rel) > 0 {
		if err := set(0, []uint16{uapi.EV_REL}); err != nil {
			return err
		}
	}
	if len(s.Abs) > 0 {
		if err := set(0, []uint16{uapi.EV_ABS}); err != nil {
			return err
		}
	}
	if err := set(uapi.EV_KEY, s.Keys); err != nil {
		return err
	}
	if err := set(uapi.EV_REL, s.Rel); err != nil {
		return err
	}
	if err := set(-1, s.Props); err != nil {
		return err
	}
	for _, a := range s.Abs {
		if err := uapi.UinputSetBit(d.f, uapi.EV_ABS, a.Code); err != nil {
			return err
		}
		as := uapi.UinputAbsSetup{Code: a.Code, Absinfo: uapi.InputAbsinfo{Minimum: a.Min, Maximum: a.Max, Resolution: a.Resolution}}
		if err := uapi.UinputAbsSetupIoctl(d.f, &as); err != nil {
			return uapi.WithObjects(err, "axis %#x", a.Code)
		}
	}
	var us uapi.UinputSetup
	us.ID = uapi.InputID{Bustype: s.Bus, Vendor: s.Vendor, Product: s.Product, Version: s.Version}
	copy(us.Name[:len(us.Name)-1], s.Name)
	if err := uapi.UinputDevSetup(d.f, &us); err != nil {
		return err
	}
	if err := uapi.UinputDevCreate(d.f); err != nil {
		return err
	}
	sys, err := uapi.UinputSysname(d.f)
	if err != nil {
		uapi.UinputDevDestroy(d.f)
		return err
	}
	// The evdev handler attaches synchronously; devtmpfs creates the node
	// right after. Wait briefly for both.
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, _ := filepath.Glob("/sys/devices/virtual/input/" + sys + "/event*")
		if len(m) == 1 {
			node := filepath.Join(evdev.DefaultDir, filepath.Base(m[0]))
			if _, err := os.Stat(node); err == nil {
				d.node = node
				return nil
			}
		}
		if time.Now().After(deadline) {
			uapi.UinputDevDestroy(d.f)
			return fmt.Errorf("uinput: device %s created but no evdev node appeared in 5s (CONFIG_INPUT_EVDEV?)", sys)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Node returns the device's evdev node (/dev/input/eventN).
func (d *Device) Node() string { return d.node }

// Emit queues one event; Sync queues SYN_REPORT and writes the queue.
func (d *Device) Emit(typ, code uint16, value int32) {
	n := len(d.buf)
	var zero [64]byte
	d.buf = append(d.buf, zero[:uapi.InputEventSize]...)
	uapi.PutInputEvent(d.buf[n:], uapi.InputEvent{Type: typ, Code: code, Value: value})
}

// Sync ends a frame with SYN_REPORT and writes the queued events. The
// kernel timestamps them.
func (d *Device) Sync() error {
	d.Emit(uapi.EV_SYN, uapi.SYN_REPORT, 0)
	return d.Flush()
}

// Flush writes the queued events without adding SYN_REPORT.
func (d *Device) Flush() error {
	b := d.buf
	d.buf = d.buf[:0]
	for len(b) > 0 {
		var n int
		err := d.f.Control(func(raw int) error {
			var err error
			n, err = unix.Write(raw, b)
			return err
		})
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return fmt.Errorf("uinput: write events to %s: %w", d.node, err)
		}
		b = b[n:]
	}
	return nil
}

// Close destroys the device (its evdev node goes away) and closes uinput.
func (d *Device) Close() error {
	if d.f.Closed() {
		return nil
	}
	err := uapi.UinputDevDestroy(d.f)
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	return err
}
