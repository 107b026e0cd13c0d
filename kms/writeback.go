package kms

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Writeback captures what a CRTC really composes, through a writeback
// connector (vkms has one when loaded with enable_writeback=1): it
// attaches a framebuffer to the connector, commits, waits for the
// writeback out-fence and reads the pixels back. Tests use it to check
// what a display shows, byte for byte.
//
// The CRTC is routed to the writeback connector alone (vkms refuses a
// writeback connector cloned with Virtual-1 on one CRTC), so a capture
// replaces whatever the CRTC showed. A Writeback is not safe for
// concurrent use.
type Writeback struct {
	dev       *Device
	Connector *Connector // the writeback connector
	CRTC      uint32     // the CRTC it captures
	CRTCIndex int
	Mode      Mode             // the mode the CRTC runs while capturing
	Format    allocator.Format // XRGB8888
	// Planes are the planes that can be shown on CRTC, in the kernel's
	// order (which is vkms's stacking order when there is no zpos).
	Planes []*Plane

	others []uint32 // other connectors, detached from CRTC while capturing
	buf    DumbBuffer
	fb     uint32
	mem    []byte
	last   time.Time
	req    *AtomicRequest
}

// Capture is one captured frame.
type Capture struct {
	Width, Height int
	Stride        int              // bytes per row in Pix
	Format        allocator.Format // XRGB8888: bytes B, G, R, X
	Pix           []byte
}

// At returns the pixel at (x, y) as a 0xXXRRGGBB word.
func (c *Capture) At(x, y int) uint32 {
	o := y*c.Stride + 4*x
	p := c.Pix[o : o+4]
	return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24
}

// ErrNoWriteback is returned by NewWriteback when the device has no
// writeback connector (vkms without enable_writeback=1, most hardware).
var ErrNoWriteback = errors.New("kms: the device has no writeback connector (for vkms load it with vkms.enable_writeback=1)")

// WritebackPause is the pause Capture keeps between the end of one
// writeback job and the start of the next. vkms can leave the second of
// two back-to-back jobs' out-fence unsignalled while it cleans up the
// first one (seen about 1 run in 12 without a pause).
const WritebackPause = 20 * time.Millisecond

// NewWriteback prepares writeback capture on d at width x height: it
// enables atomic and writeback client capabilities, finds the writeback
// connector, a CRTC it can use and a mode of that size, and allocates the
// XRGB8888 dumb buffer the frames are written to. Close releases them.
func NewWriteback(d *Device, width, height int) (*Writeback, error) {
	cc, err := d.EnableAtomic()
	if err != nil {
		return nil, err
	}
	if !cc.WritebackConnectors {
		return nil, fmt.Errorf("kms: %s: %w", d.path, ErrNoWriteback)
	}
	res, err := d.Resources()
	if err != nil {
		return nil, err
	}
	w := &Writeback{dev: d, Format: allocator.XRGB8888, CRTCIndex: -1}
	var modeSrc []*Connector
	for _, id := range res.Connectors {
		c, err := d.Connector(id)
		if err != nil {
			return nil, err
		}
		if c.Type == ConnectorWriteback && w.Connector == nil {
			w.Connector = c
			continue
		}
		w.others = append(w.others, id)
		modeSrc = append(modeSrc, c)
	}
	if w.Connector == nil {
		return nil, fmt.Errorf("kms: %s: %w", d.path, ErrNoWriteback)
	}
	mask, err := d.ConnectorCRTCs(w.Connector)
	if err != nil {
		return nil, err
	}
	for i, id := range res.CRTCs {
		if mask&(1<<i) != 0 {
			w.CRTC, w.CRTCIndex = id, i
			break
		}
	}
	if w.CRTCIndex < 0 {
		return nil, fmt.Errorf("kms: %s: writeback connector %s can use no CRTC", d.path, w.Connector.Name)
	}
	found := false
	for _, c := range append([]*Connector{w.Connector}, modeSrc...) {
		if m, ok := c.FindMode(width, height, 0); ok {
			w.Mode, found = m, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("kms: %s: no connector offers a %dx%d mode for writeback", d.path, width, height)
	}
	for _, id := range res.Planes {
		p, err := d.Plane(id)
		if err != nil {
			return nil, err
		}
		if p.SupportsCRTC(w.CRTCIndex) {
			w.Planes = append(w.Planes, p)
		}
	}
	if w.buf, err = d.CreateDumb(uint32(width), uint32(height), 32); err != nil {
		return nil, err
	}
	if w.fb, err = d.AddFB2(Framebuffer{Width: uint32(width), Height: uint32(height), Format: w.Format,
		Modifier: allocator.ModifierLinear, Planes: []FBPlane{{Handle: w.buf.Handle, Pitch: w.buf.Pitch}}}); err != nil {
		w.Close()
		return nil, err
	}
	if w.mem, err = d.MapDumb(w.buf); err != nil {
		w.Close()
		return nil, err
	}
	w.req = d.NewAtomicRequest()
	return w, nil
}

// PlaneOfType returns the n-th plane (from 0) of type t usable on the
// CRTC, or nil.
func (w *Writeback) PlaneOfType(t PlaneType, n int) *Plane {
	for _, p := range w.Planes {
		if p.Type == t {
			if n == 0 {
				return p
			}
			n--
		}
	}
	return nil
}

// Capture composes one frame and returns what the CRTC produced. setup
// adds the planes to show to the request (SetPlane with this
// Writeback's CRTC); every other plane of the CRTC is disabled first, so
// a capture depends only on what setup sets. timeout bounds the wait for
// the writeback out-fence (a second of so is plenty for vkms).
//
// If the fence does not signal in time, Capture retries the job once
// after a pause (the vkms back-to-back race), then fails with an error
// wrapping unix.ETIMEDOUT.
func (w *Writeback) Capture(setup func(r *AtomicRequest), timeout time.Duration) (*Capture, error) {
	var err error
	for attempt := range 2 {
		if wait := WritebackPause - time.Since(w.last); wait > 0 {
			time.Sleep(wait)
		}
		err = w.captureOnce(setup, timeout)
		w.last = time.Now()
		if err == nil {
			c := &Capture{Width: int(w.buf.Width), Height: int(w.buf.Height), Stride: int(w.buf.Pitch), Format: w.Format,
				Pix: append([]byte(nil), w.mem[:int(w.buf.Pitch)*int(w.buf.Height)]...)}
			return c, nil
		}
		if !errors.Is(err, unix.ETIMEDOUT) || attempt == 1 {
			break
		}
		time.Sleep(5 * WritebackPause)
	}
	return nil, err
}

func (w *Writeback) captureOnce(setup func(r *AtomicRequest), timeout time.Duration) error {
	// Poison the buffer so a job that wrote nothing cannot pass for one
	// that wrote the previous frame again.
	for i := range w.mem {
		w.mem[i] = 0x5a
	}
	r := w.req
	r.Reset()
	for _, p := range w.Planes {
		r.DisablePlane(p.ID)
	}
	for _, c := range w.others {
		r.Set(c, "CRTC_ID", 0)
	}
	r.SetMode(w.CRTC, &w.Mode)
	r.Set(w.Connector.ID, "CRTC_ID", uint64(w.CRTC))
	r.Set(w.Connector.ID, "WRITEBACK_FB_ID", uint64(w.fb))
	r.WritebackOutFence(w.Connector.ID)
	if setup != nil {
		setup(r)
	}
	if err := r.Commit(AtomicAllowModeset, 0); err != nil {
		return fmt.Errorf("kms: writeback commit on %s: %w", w.dev.path, err)
	}
	fence := r.TakeOutFence(w.Connector.ID)
	if fence == nil {
		return fmt.Errorf("kms: writeback commit on %s returned no out-fence", w.dev.path)
	}
	defer fence.Close()
	if err := WaitFence(fence, timeout); err != nil {
		return fmt.Errorf("kms: writeback on %s (connector %s, CRTC %d): %w", w.dev.path, w.Connector.Name, w.CRTC, err)
	}
	return nil
}

// Close turns the CRTC off and detaches the writeback connector (so the
// next user can route the CRTC to another connector: vkms refuses a
// writeback connector cloned with Virtual-1), then releases the
// framebuffer, the buffer and its mapping. It returns the error of
// turning the CRTC off, if any; the buffers are released regardless.
func (w *Writeback) Close() error {
	var err error
	if w.req != nil {
		r := w.req
		r.Reset()
		for _, p := range w.Planes {
			r.DisablePlane(p.ID)
		}
		r.Set(w.Connector.ID, "CRTC_ID", 0)
		r.SetMode(w.CRTC, nil)
		if cerr := r.Commit(AtomicAllowModeset, 0); cerr != nil {
			err = fmt.Errorf("kms: turning off writeback CRTC %d on %s: %w", w.CRTC, w.dev.path, cerr)
		}
		r.Close()
		w.req = nil
	}
	if w.mem != nil {
		unix.Munmap(w.mem)
		w.mem = nil
	}
	if w.fb != 0 {
		w.dev.RemoveFB(w.fb)
		w.fb = 0
	}
	if w.buf.Handle != 0 {
		w.dev.DestroyDumb(w.buf.Handle)
		w.buf.Handle = 0
	}
	return err
}

// WaitFence waits until the sync_file f signals, up to timeout. It fails
// with an error wrapping unix.ETIMEDOUT when the time runs out, and with
// the fence's own error when it signalled an error.
func WaitFence(f *fd.FD, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left < 0 {
			left = 0
		}
		var n int
		var perr error
		err := f.Control(func(raw int) error {
			pfd := []unix.PollFd{{Fd: int32(raw), Events: unix.POLLIN}}
			n, perr = unix.Poll(pfd, int(left.Milliseconds()))
			return nil
		})
		if err != nil {
			return err
		}
		if perr == unix.EINTR {
			continue
		}
		if perr != nil {
			return fmt.Errorf("poll fence %s: %w", f.Name(), perr)
		}
		if n > 0 {
			st, err := uapi.SyncFileStatus(f)
			if err == nil && st < 0 {
				return fmt.Errorf("fence %s signalled an error: %w", f.Name(), unix.Errno(-st))
			}
			return nil
		}
		if left == 0 {
			return fmt.Errorf("fence %s not signalled after %v: %w", f.Name(), timeout, unix.ETIMEDOUT)
		}
	}
}
