package input

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/input/evdev"
	"github.com/go-scanout/scanout/internal/monoclock"
	"github.com/go-scanout/scanout/internal/uapi"
	"github.com/go-scanout/scanout/protocol"
)

// Options configure Start. A nil *Options means the defaults.
type Options struct {
	// Dir is where the evdev nodes are (default /dev/input).
	Dir string
	// Grab opens devices exclusively (EVIOCGRAB), so that the text
	// console or another compositor does not see the keys typed into the
	// kiosk.
	Grab bool
	// NoHotplug disables following devices plugged in and out after
	// Start (the kernel uevent socket).
	NoHotplug bool
	// TouchOutput names the output touch screens and absolute pointers
	// map to (compositor.OutputConfig.Name); empty means the first output.
	TouchOutput string
	// TouchTransform is how touch screens are mounted relative to the
	// image (see evdev.Transform); TouchCalibration, when not zero, is
	// applied after it.
	TouchTransform   evdev.Transform
	TouchCalibration evdev.Calibration
	// PointerSpeed multiplies relative pointer motion (default 1: one
	// device unit is one output pixel).
	PointerSpeed float64
	// Match selects the devices to use (nil: every device of a class the
	// compositor drives).
	Match func(*evdev.Info) bool
	// Log receives device arrivals, departures and errors (nil: silent).
	Log func(format string, args ...any)
}

// wheelStep is the scroll distance of one wheel detent, in the units of
// wl_pointer.axis (libinput reports 15 degrees per detent and compositors
// pass that on).
const wheelStep = 15

// driven is every class the compositor has a use for.
const driven = evdev.Keyboard | evdev.Keys | evdev.Pointer | evdev.AbsPointer | evdev.Touchscreen

// Seat is the set of input devices feeding one compositor.
type Seat struct {
	c    *compositor.Compositor
	opts Options
	cal  evdev.Calibration
	mon  *evdev.Monitor

	mu      sync.Mutex
	devs    map[string]*device // by node path
	failed  map[string]string  // node path -> why it is not used
	nextIdx int32
	closed  bool
	wg      sync.WaitGroup
}

// device is one open evdev device and what it holds down.
type device struct {
	s      *Seat
	dev    *evdev.Device
	info   *evdev.Info
	class  evdev.Class
	idx    int32 // seat-wide touch ids: idx*MTMaxSlots + slot
	handle func(*evdev.Frame)
	keys   uapi.InputBits        // keys and buttons this device holds down
	touch  [uapi.MTMaxSlots]bool // contacts down
}

// Start opens the input devices that are accessible, announces the seat's
// capabilities, and feeds the compositor until Close. Devices that cannot
// be opened are reported (Report) and skipped: a compositor without input
// devices still runs. It must be called without the compositor lock.
func Start(c *compositor.Compositor, opts *Options) (*Seat, error) {
	s := &Seat{c: c, devs: map[string]*device{}, failed: map[string]string{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.PointerSpeed <= 0 {
		s.opts.PointerSpeed = 1
	}
	s.cal = s.opts.TouchTransform.Matrix().Then(s.opts.TouchCalibration)
	if !s.opts.NoHotplug {
		// Before scanning, so that a device plugged in meanwhile is seen.
		m, err := evdev.NewMonitor(s.opts.Dir)
		if err != nil {
			s.logf("input: no hotplug: %v", err)
		} else {
			s.mon = m
		}
	}
	s.scan()
	c.Lock()
	s.updateCaps()
	c.Unlock()
	if s.mon != nil {
		s.wg.Add(1)
		go s.hotplug()
	}
	return s, nil
}

func (s *Seat) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(format, args...)
	}
}

// scan opens every node not yet open.
func (s *Seat) scan() {
	paths, err := evdev.Scan(s.opts.Dir)
	if err != nil {
		s.logf("input: %v", err)
	}
	for _, p := range paths {
		s.add(p, false)
	}
}

// add opens the node at path and starts reading it. retry waits for a
// node just announced by a uevent to get its permissions (udev sets them
// after the kernel's event) or to appear (devtmpfs).
func (s *Seat) add(path string, retry bool) {
	s.mu.Lock()
	_, open := s.devs[path]
	s.mu.Unlock()
	if open {
		return
	}
	var d *evdev.Device
	var err error
	for i := 0; ; i++ {
		d, err = evdev.Open(path, &evdev.Options{Grab: s.opts.Grab})
		if err == nil || !retry || i == 20 || !(errors.Is(err, unix.EACCES) || errors.Is(err, evdev.ErrRemoved)) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.mu.Lock()
		s.failed[path] = err.Error()
		s.mu.Unlock()
		s.logf("input: %v", err)
		return
	}
	info := d.Info()
	class := info.Class & driven
	if class == 0 || (s.opts.Match != nil && !s.opts.Match(info)) {
		why := "not a device the compositor drives"
		if class != 0 {
			why = "not selected"
		}
		s.mu.Lock()
		s.failed[path] = fmt.Sprintf("%s: %s", info, why)
		s.mu.Unlock()
		d.Close()
		return
	}
	dv := &device{s: s, dev: d, info: info, class: class}
	dv.handle = dv.frame
	s.c.Lock()
	s.mu.Lock()
	if s.closed || s.devs[path] != nil {
		s.mu.Unlock()
		s.c.Unlock()
		d.Close()
		return
	}
	dv.idx = s.nextIdx
	s.nextIdx++
	s.devs[path] = dv
	delete(s.failed, path)
	s.wg.Add(1)
	s.mu.Unlock()
	s.updateCaps()
	s.c.Unlock()
	s.logf("input: %s", info)
	go dv.run()
}

func (dv *device) run() {
	s := dv.s
	defer s.wg.Done()
	err := dv.dev.Run(dv.handle)
	dv.dev.Close()
	s.c.Lock()
	dv.releaseAll()
	s.mu.Lock()
	if s.devs[dv.info.Path] == dv {
		delete(s.devs, dv.info.Path)
	}
	s.mu.Unlock()
	s.updateCaps()
	s.c.Unlock()
	switch {
	case errors.Is(err, evdev.ErrRemoved):
		s.logf("input: %s %q removed", dv.info.Path, dv.info.Name)
	case err != nil:
		s.logf("input: %v", err)
	}
}

// hotplug follows uevents until Close.
func (s *Seat) hotplug() {
	defer s.wg.Done()
	for {
		h, err := s.mon.Next()
		if errors.Is(err, evdev.ErrOverflow) {
			s.scan()
			continue
		}
		if err != nil {
			return
		}
		if h.Added {
			s.add(h.Path, true)
			continue
		}
		s.mu.Lock()
		dv := s.devs[h.Path]
		delete(s.failed, h.Path)
		s.mu.Unlock()
		if dv != nil {
			dv.dev.Close() // its run goroutine releases what it held
		}
	}
}

// updateCaps announces the capabilities of the devices open now (lock
// held).
func (s *Seat) updateCaps() { s.c.SetInputCapabilities(s.Capabilities()) }

// Capabilities returns the seat capabilities the devices open now give
// (protocol.SeatPointer | SeatKeyboard | SeatTouch).
func (s *Seat) Capabilities() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var caps uint32
	for _, dv := range s.devs {
		if dv.class&(evdev.Keyboard|evdev.Keys) != 0 {
			caps |= protocol.SeatKeyboard
		}
		if dv.class&(evdev.Pointer|evdev.AbsPointer) != 0 {
			caps |= protocol.SeatPointer
		}
		if dv.class&evdev.Touchscreen != 0 {
			caps |= protocol.SeatTouch
		}
	}
	return caps
}

// Devices returns the descriptions of the devices in use.
func (s *Seat) Devices() []evdev.Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []evdev.Info
	for _, dv := range s.devs {
		out = append(out, *dv.info)
	}
	return out
}

// Report describes the devices in use and those left out, one line each,
// for a compositor's startup output.
func (s *Seat) Report() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for _, dv := range s.devs {
		lines = append(lines, "input: "+dv.info.String())
	}
	for p, why := range s.failed {
		if !strings.Contains(why, p) {
			why = p + ": " + why
		}
		lines = append(lines, "input: not used: "+why)
	}
	if len(lines) == 0 {
		dir := s.opts.Dir
		if dir == "" {
			dir = evdev.DefaultDir
		}
		lines = append(lines, "input: no input devices in "+dir)
	}
	sortLines(lines)
	return strings.Join(lines, "\n") + "\n"
}

func sortLines(l []string) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j] < l[j-1]; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

// Close stops following hotplug and closes every device; what they held is
// released. It must be called without the compositor lock.
func (s *Seat) Close() error {
	s.mu.Lock()
	s.closed = true
	devs := make([]*device, 0, len(s.devs))
	for _, dv := range s.devs {
		devs = append(devs, dv)
	}
	s.mu.Unlock()
	if s.mon != nil {
		s.mon.Close()
	}
	for _, dv := range devs {
		dv.dev.Close()
	}
	s.wg.Wait()
	return nil
}

// touchOutput returns the output touch maps to (lock held).
func (s *Seat) touchOutput() *compositor.Output {
	outs := s.c.Outputs()
	if len(outs) == 0 {
		return nil
	}
	if s.opts.TouchOutput != "" {
		for _, o := range outs {
			if o.Config().Name == s.opts.TouchOutput {
				return o
			}
		}
	}
	return outs[0]
}

// frame applies one device frame to the compositor under its lock.
func (dv *device) frame(f *evdev.Frame) {
	c := dv.s.c
	c.Lock()
	dv.apply(f)
	c.Unlock()
}

// apply turns a frame into compositor calls (lock held). It allocates
// nothing.
func (dv *device) apply(f *evdev.Frame) {
	s, c, t := dv.s, dv.s.c, f.Time
	ptr := false
	if dv.class&evdev.Pointer != 0 && (f.DX != 0 || f.DY != 0) {
		c.PointerMotion(float64(f.DX)*s.opts.PointerSpeed, float64(f.DY)*s.opts.PointerSpeed, t)
		ptr = true
	}
	if dv.class&evdev.AbsPointer != 0 && f.Abs {
		if out := s.touchOutput(); out != nil {
			x, y := dv.mapAbs(f.X, f.Y, out)
			c.PointerMotionAbsolute(out, x, y, t)
			ptr = true
		}
	}
	for _, k := range f.Keys {
		code := k.Code
		if code >= uapi.BTN_MISC && code < 0x160 {
			if dv.class&(evdev.Pointer|evdev.AbsPointer) == 0 {
				continue
			}
			if code == uapi.BTN_TOUCH && dv.class&evdev.AbsPointer != 0 {
				code = uapi.BTN_LEFT // a pen's tip
			} else if code >= uapi.BTN_DIGI && code < uapi.BTN_WHEEL && code != uapi.BTN_STYLUS && code != uapi.BTN_STYLUS+1 {
				continue // tool and contact state, not buttons
			}
			if dv.hold(code, k.Pressed) {
				c.PointerButton(uint32(code), k.Pressed, t)
				ptr = true
			}
			continue
		}
		if dv.class&(evdev.Keyboard|evdev.Keys) != 0 && dv.hold(code, k.Pressed) {
			c.KeyboardKey(uint32(code), k.Pressed, t)
		}
	}
	if dv.class&(evdev.Pointer|evdev.AbsPointer) != 0 {
		if f.Wheel != 0 || f.WheelHiRes != 0 {
			v := -float64(f.Wheel) * wheelStep
			if f.WheelHiRes != 0 {
				v = -float64(f.WheelHiRes) * wheelStep / 120
			}
			c.PointerAxis(true, v, -f.Wheel, t)
			ptr = true
		}
		if f.HWheel != 0 || f.HWheelHiRes != 0 {
			v := float64(f.HWheel) * wheelStep
			if f.HWheelHiRes != 0 {
				v = float64(f.HWheelHiRes) * wheelStep / 120
			}
			c.PointerAxis(false, v, f.HWheel, t)
			ptr = true
		}
	}
	if ptr {
		c.PointerFrame()
	}
	if dv.class&evdev.Touchscreen != 0 && len(f.Touches) > 0 {
		out := s.touchOutput()
		if out == nil {
			return
		}
		for _, tc := range f.Touches {
			id := dv.idx*uapi.MTMaxSlots + int32(tc.Slot)
			if tc.Up && !tc.Down {
				if dv.touch[tc.Slot] {
					dv.touch[tc.Slot] = false
					c.TouchUp(id, t)
				}
				continue
			}
			x, y := dv.mapAbs(tc.X, tc.Y, out)
			switch {
			case tc.Down:
				c.TouchDown(id, out, x, y, t)
				dv.touch[tc.Slot] = true
				if tc.Up {
					dv.touch[tc.Slot] = false
					c.TouchUp(id, t)
				}
			case dv.touch[tc.Slot]:
				c.TouchMotion(id, x, y, t)
			}
		}
		c.TouchFrame()
	}
}

// hold records a key or button transition and reports whether it changes
// anything (a release of something not held is dropped).
func (dv *device) hold(code uint16, pressed bool) bool {
	if dv.keys.Has(int(code)) == pressed {
		return false
	}
	if pressed {
		dv.keys.Set(int(code))
	} else {
		dv.keys.Clear(int(code))
	}
	return true
}

// mapAbs maps raw absolute coordinates to pixels of out.
func (dv *device) mapAbs(rx, ry int32, out *compositor.Output) (float64, float64) {
	nx, ny := dv.info.X.Normalize(rx), dv.info.Y.Normalize(ry)
	if dv.class&evdev.Touchscreen != 0 || dv.class&evdev.AbsPointer != 0 {
		nx, ny = dv.s.cal.Apply(nx, ny)
	}
	b := out.Bounds()
	return float64(b.Min.X) + nx*float64(b.Dx()), float64(b.Min.Y) + ny*float64(b.Dy())
}

// releaseAll lifts what the device holds (lock held): its keys, buttons
// and contacts, when it goes away.
func (dv *device) releaseAll() {
	c := dv.s.c
	t := monotonicNow()
	ptr := false
	for code := 0; code < uapi.KEY_CNT; code++ {
		if !dv.keys.Has(code) {
			continue
		}
		dv.keys.Clear(code)
		if code >= uapi.BTN_MISC && code < 0x160 {
			c.PointerButton(uint32(code), false, t)
			ptr = true
		} else {
			c.KeyboardKey(uint32(code), false, t)
		}
	}
	if ptr {
		c.PointerFrame()
	}
	for _, down := range dv.touch {
		if down {
			dv.touch = [uapi.MTMaxSlots]bool{}
			c.TouchCancel()
			break
		}
	}
}

// monotonicNow is CLOCK_MONOTONIC now, the clock of evdev timestamps
// (read without a system call).
func monotonicNow() time.Duration { return monoclock.Now() }
