package evdev

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// ErrRemoved is returned by Run when the device was unplugged (the kernel
// answers reads with ENODEV). errors.Is(err, unix.ENODEV) also holds.
var ErrRemoved = errors.New("input device removed")

// ID is the device's bus and USB-style identity (EVIOCGID).
type ID struct {
	Bus, Vendor, Product, Version uint16
}

// Axis is an absolute axis' range (EVIOCGABS).
type Axis struct {
	Min, Max   int32
	Resolution int32 // units per millimetre, 0 when unknown
}

// Normalize maps raw to [0, 1) over the axis range, the way libinput does
// ((raw-min) / (max-min+1)): a range of 0..1279 maps to 1280 pixels 1:1.
// Values outside the range are clamped.
func (a Axis) Normalize(raw int32) float64 {
	if a.Max <= a.Min {
		return 0
	}
	n := float64(int64(raw)-int64(a.Min)) / float64(int64(a.Max)-int64(a.Min)+1)
	return clamp01(n)
}

func clamp01(v float64) float64 {
	const below1 = 1 - 1.0/(1<<30)
	if v < 0 || v != v {
		return 0
	}
	if v > below1 {
		return below1
	}
	return v
}

// Info describes an open device.
type Info struct {
	Path  string // /dev/input/eventN
	Name  string // EVIOCGNAME
	ID    ID
	Class Class
	// X and Y are the position axes of absolute pointers and touch
	// screens (ABS_MT_POSITION_X/Y for multitouch, else ABS_X/Y).
	X, Y Axis
	// Slots is the number of contacts tracked at once (touch screens).
	Slots int
	// Caps are the device's capabilities.
	Caps Capabilities
}

// String is a one-line description: path, name, class, bus ids.
func (i *Info) String() string {
	s := fmt.Sprintf("%s %q: %s (bus %#04x vendor %#04x product %#04x)", i.Path, i.Name, i.Class, i.ID.Bus, i.ID.Vendor, i.ID.Product)
	if i.Class&(Touchscreen|AbsPointer) != 0 {
		s += fmt.Sprintf(" x %d..%d y %d..%d", i.X.Min, i.X.Max, i.Y.Min, i.Y.Max)
	}
	if i.Class&Touchscreen != 0 {
		s += fmt.Sprintf(" %d slots", i.Slots)
	}
	return s
}

// Options configure Open. A nil *Options means the defaults.
type Options struct {
	// Grab takes the device exclusively (EVIOCGRAB): no other reader (the
	// text console, another compositor) receives its events while it is
	// open. Off by default.
	Grab bool
}

// Device is an open evdev device node. Run reads it; Close may be called
// from any goroutine and makes Run return.
type Device struct {
	f    *fd.FD
	info Info
	dec  *decoder
	buf  []byte

	emit   func(*Frame)
	readFn func(int) bool // bound once: reads allocate nothing
	n      int
	rerr   error
}

// Open opens the evdev node path (read-only, non-blocking), reads its
// capabilities and classifies it. Timestamps are switched to
// CLOCK_MONOTONIC. A permission error names the fix.
func Open(path string, opts *Options) (*Device, error) {
	if opts == nil {
		opts = &Options{}
	}
	f, err := fd.Open(path, unix.O_RDONLY|unix.O_NONBLOCK)
	if err != nil {
		return nil, openError(path, err)
	}
	d, err := setup(f, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return d, nil
}

// openError adds the usual fix to an open error.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("evdev: %w: add the user to the input group (the group udev gives /dev/input/event*) or run the compositor under a seat manager (logind, seatd)", err)
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return fmt.Errorf("evdev: %w: %w", err, ErrRemoved)
	}
	return fmt.Errorf("evdev: %w", err)
}

func setup(f *fd.FD, path string, opts *Options) (*Device, error) {
	if _, err := uapi.EvdevVersion(f); err != nil {
		return nil, uapi.WithHint(err, "not an evdev node")
	}
	d := &Device{f: f, info: Info{Path: path}}
	name, err := uapi.EvdevName(f)
	if err != nil {
		return nil, err
	}
	d.info.Name = name
	id, err := uapi.EvdevID(f)
	if err != nil {
		return nil, err
	}
	d.info.ID = ID{id.Bustype, id.Vendor, id.Product, id.Version}
	c := &d.info.Caps
	if err := uapi.EvdevBits(f, 0, &c.ev); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		ev   int
		bits *uapi.InputBits
	}{{uapi.EV_KEY, &c.key}, {uapi.EV_REL, &c.rel}, {uapi.EV_ABS, &c.abs}} {
		if c.ev.Has(k.ev) {
			if err := uapi.EvdevBits(f, k.ev, k.bits); err != nil {
				return nil, err
			}
		}
	}
	if err := uapi.EvdevProps(f, &c.prop); err != nil && !errors.Is(err, unix.EINVAL) {
		return nil, err
	}
	d.info.Class = Classify(c)
	mode := touchNone
	if d.info.Class&Touchscreen != 0 {
		mode = c.touchMode()
	}
	absPtr := d.info.Class&AbsPointer != 0
	xAxis, yAxis := uint16(uapi.ABS_X), uint16(uapi.ABS_Y)
	if mode == touchMTB {
		xAxis, yAxis = uapi.ABS_MT_POSITION_X, uapi.ABS_MT_POSITION_Y
	}
	cur := 0
	if mode != touchNone || absPtr {
		ax, err := uapi.EvdevAbs(f, xAxis)
		if err != nil {
			return nil, err
		}
		ay, err := uapi.EvdevAbs(f, yAxis)
		if err != nil {
			return nil, err
		}
		d.info.X = Axis{ax.Minimum, ax.Maximum, ax.Resolution}
		d.info.Y = Axis{ay.Minimum, ay.Maximum, ay.Resolution}
	}
	switch mode {
	case touchMTB:
		s, err := uapi.EvdevAbs(f, uapi.ABS_MT_SLOT)
		if err != nil {
			return nil, err
		}
		d.info.Slots = min(int(s.Maximum)+1, uapi.MTMaxSlots)
		cur = int(s.Value)
	case touchSingle:
		d.info.Slots = 1
	}
	if err := uapi.EvdevSetClock(f, unix.CLOCK_MONOTONIC); err != nil {
		return nil, err
	}
	if opts.Grab {
		if err := uapi.EvdevGrab(f, true); err != nil {
			return nil, uapi.WithHint(err, "another process holds the device exclusively")
		}
	}
	d.dec = newDecoder(mode, absPtr, d.info.Slots, cur, d)
	d.initState()
	if err := f.SetNonblock(); err != nil {
		return nil, err
	}
	d.buf = make([]byte, 64*uapi.InputEventSize)
	d.readFn = d.read
	return d, nil
}

// initState reads the positions the kernel already holds: it sends an
// axis value only when it changes, so the first contact at an unchanged
// position would otherwise have none. Keys held and contacts down at open
// are not adopted (as libinput does): their releases are dropped.
func (d *Device) initState() {
	dec := d.dec
	switch dec.mode {
	case touchMTB:
		for _, code := range [2]uint16{uapi.ABS_MT_POSITION_X, uapi.ABS_MT_POSITION_Y} {
			if d.mtSlots(code, &dec.mtBuf) != nil {
				continue
			}
			for i := range dec.slots {
				if code == uapi.ABS_MT_POSITION_X {
					dec.slots[i].x = dec.mtBuf.Values[i]
				} else {
					dec.slots[i].y = dec.mtBuf.Values[i]
				}
			}
		}
	case touchSingle:
		dec.slots[0].x, _ = d.absValue(uapi.ABS_X)
		dec.slots[0].y, _ = d.absValue(uapi.ABS_Y)
	}
	if dec.absPtr {
		dec.x, _ = d.absValue(uapi.ABS_X)
		dec.y, _ = d.absValue(uapi.ABS_Y)
	}
}

// Info returns the device's description.
func (d *Device) Info() *Info { return &d.info }

// Run reads events until Close (then it returns nil) or until the device
// goes away (ErrRemoved) or fails, and calls h with each frame, from Run's
// goroutine. The frame and its slices are reused after h returns. Run
// allocates nothing per event batch.
func (d *Device) Run(h func(*Frame)) error {
	d.emit = h
	for {
		err := d.f.Read(d.readFn)
		if errors.Is(err, fd.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("evdev: read %s: %w", d.info.Path, err)
		}
		if d.rerr != nil {
			if d.rerr == unix.ENODEV {
				return fmt.Errorf("evdev: %s (%s): %w (%w)", d.info.Path, d.info.Name, ErrRemoved, d.rerr)
			}
			return fmt.Errorf("evdev: read %s: %w", d.info.Path, d.rerr)
		}
		d.decode(d.buf[:d.n])
	}
}

func (d *Device) read(raw int) bool {
	n, err := uapi.ReadNonblock(raw, d.buf)
	for err == unix.EINTR {
		n, err = uapi.ReadNonblock(raw, d.buf)
	}
	if err == unix.EAGAIN {
		return false
	}
	d.n, d.rerr = max(n, 0), err
	return true
}

// decode feeds whole events in b to the state machine; a partial event at
// the end (never sent by the kernel) is ignored.
func (d *Device) decode(b []byte) {
	for len(b) >= uapi.InputEventSize {
		d.dec.event(uapi.GetInputEvent(b), d.emit)
		b = b[uapi.InputEventSize:]
	}
}

// Close closes the device (releasing a grab) and makes Run return.
// It is idempotent.
func (d *Device) Close() error { return d.f.Close() }

// The device's kernelState, for the resync after SYN_DROPPED.
func (d *Device) keyState(b *uapi.InputBits) error { return uapi.EvdevKeyState(d.f, b) }
func (d *Device) absValue(axis uint16) (int32, error) {
	a, err := uapi.EvdevAbs(d.f, axis)
	return a.Value, err
}
func (d *Device) mtSlots(code uint16, s *uapi.InputMTSlots) error {
	return uapi.EvdevMTSlots(d.f, code, s)
}

// DefaultDir is where the kernel (devtmpfs) and udev create evdev nodes.
const DefaultDir = "/dev/input"

// Scan lists the evdev nodes (eventN) in dir (DefaultDir when empty),
// in numeric order.
func Scan(dir string) ([]string, error) {
	if dir == "" {
		dir = DefaultDir
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil // no input subsystem, or no devices yet
		}
		return nil, fmt.Errorf("evdev: %w", err)
	}
	var out []string
	for _, e := range ents {
		if eventNumber(e.Name()) >= 0 {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return eventNumber(filepath.Base(out[i])) < eventNumber(filepath.Base(out[j]))
	})
	return out, nil
}

// eventNumber returns N of "eventN", or -1.
func eventNumber(name string) int {
	s, ok := strings.CutPrefix(name, "event")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
