package kms

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/uapi"
)

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventFlipComplete: a page flip or atomic commit requested with
	// AtomicPageFlipEvent is on screen.
	EventFlipComplete EventKind = iota + 1
	// EventVblank: a vertical blank requested with the legacy vblank API.
	EventVblank
	// EventSequence: the vblank sequence requested with QueueVblank was
	// reached.
	EventSequence
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventFlipComplete:
		return "flip-complete"
	case EventVblank:
		return "vblank"
	case EventSequence:
		return "sequence"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one event read from the device.
type Event struct {
	Kind     EventKind
	CRTC     uint32 // CRTC id (0 for EventSequence: the kernel does not say)
	Sequence uint64 // vblank counter of the CRTC when it happened
	// Time is when the first pixel of the new frame left the display
	// engine, on CLOCK_MONOTONIC (when CapTimestampMonotonic is set,
	// which every kernel since 4.15 guarantees), as a duration since
	// boot: compare with unix.ClockGettime(CLOCK_MONOTONIC).
	Time     time.Duration
	UserData uint64 // as given to Commit, PageFlip or QueueVblank
}

// ReadEvents waits on Go's poller until the device has events, then
// reads them and calls h for each, in the kernel's order, and returns.
// It does not spin a thread while waiting. Close makes a waiting
// ReadEvents return ErrClosed. Only one goroutine reads at a time;
// concurrent callers take turns.
//
// A frame loop calls it in a loop:
//
//	for {
//		if err := dev.ReadEvents(onEvent); err != nil {
//			return err
//		}
//	}
func (d *Device) ReadEvents(h func(Event)) error {
	d.evMu.Lock()
	defer d.evMu.Unlock()
	// The read callback is a method value made once: the frame loop calls
	// ReadEvents every frame and must not allocate.
	if d.evRead == nil {
		d.evRead = d.readEventsOnce
	}
	d.evN, d.evErr = 0, nil
	if err := d.fd.Read(d.evRead); err != nil {
		return err
	}
	if d.evErr != nil {
		return fmt.Errorf("kms: read events from %s: %w", d.path, d.evErr)
	}
	return dispatchEvents(d.evBuf[:d.evN], h)
}

// readEventsOnce is ReadEvents' callback for fd.Read: one read(2) of the
// pending events into evBuf (under evMu).
func (d *Device) readEventsOnce(raw int) bool {
	for {
		d.evN, d.evErr = uapi.ReadNonblock(raw, d.evBuf)
		if d.evErr != unix.EINTR {
			return d.evErr != unix.EAGAIN
		}
	}
}

// dispatchEvents decodes the events in b and calls h for each known one.
// It never reads past b: a truncated or malformed event ends the batch
// with an error.
func dispatchEvents(b []byte, h func(Event)) error {
	for len(b) > 0 {
		hd, ok := uapi.DecodeEventHeader(b)
		if !ok || hd.Length < 8 || int(hd.Length) > len(b) {
			return fmt.Errorf("kms: malformed DRM event (type %d, length %d, %d bytes left)", hd.Type, hd.Length, len(b))
		}
		ev := b[:hd.Length]
		b = b[hd.Length:]
		switch hd.Type {
		case uapi.DRM_EVENT_FLIP_COMPLETE, uapi.DRM_EVENT_VBLANK:
			v, ok := uapi.DecodeEventVblank(ev)
			if !ok {
				return fmt.Errorf("kms: short vblank event (%d bytes)", len(ev))
			}
			k := EventFlipComplete
			if hd.Type == uapi.DRM_EVENT_VBLANK {
				k = EventVblank
			}
			h(Event{Kind: k, CRTC: v.CrtcID, Sequence: uint64(v.Sequence), UserData: v.UserData,
				Time: time.Duration(v.TvSec)*time.Second + time.Duration(v.TvUsec)*time.Microsecond})
		case uapi.DRM_EVENT_CRTC_SEQUENCE:
			v, ok := uapi.DecodeEventCrtcSequence(ev)
			if !ok {
				return fmt.Errorf("kms: short sequence event (%d bytes)", len(ev))
			}
			h(Event{Kind: EventSequence, Sequence: v.Sequence, UserData: v.UserData, Time: time.Duration(v.TimeNs)})
		default:
			// Driver-private events: skip.
		}
	}
	return nil
}

// QueueVblank asks for an EventSequence when crtc reaches vblank
// sequence seq (relative: that many vblanks from now) and returns the
// absolute sequence the event will carry. The CRTC must be active.
func (d *Device) QueueVblank(crtc uint32, seq uint64, relative bool, userData uint64) (uint64, error) {
	flags := uint32(uapi.DRM_CRTC_SEQUENCE_NEXT_ON_MISS)
	if relative {
		flags |= uapi.DRM_CRTC_SEQUENCE_RELATIVE
	}
	s, err := uapi.CrtcQueueSequence(d.fd, crtc, flags, seq, userData)
	if err != nil {
		err = uapi.WithObjects(err, "CRTC %d sequence %d", crtc, seq)
		if errors.Is(err, unix.EINVAL) {
			err = uapi.WithHint(err, "the CRTC is off (no mode set) or the driver has no vblank support")
		}
	}
	return s, err
}

// VblankSequence returns the CRTC's current vblank counter and the
// CLOCK_MONOTONIC time of that vblank.
func (d *Device) VblankSequence(crtc uint32) (seq uint64, at time.Duration, active bool, err error) {
	s, err := uapi.CrtcGetSequence(d.fd, crtc)
	if err != nil {
		return 0, 0, false, uapi.WithObjects(err, "CRTC %d", crtc)
	}
	return s.Sequence, time.Duration(s.SequenceNs), s.Active != 0, nil
}
