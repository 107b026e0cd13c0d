package drm

import (
	"testing"
	"time"
)

func TestPacerRealVblankStartsAtOnce(t *testing.T) {
	const period = 16 * time.Millisecond
	var p pacer
	ev := 100 * time.Millisecond
	for i := 0; i < 10; i++ {
		if w := p.next(ev, ev+time.Millisecond, period); w != 0 {
			t.Fatalf("event %d on a real %v grid: wait %v, want 0", i, period, w)
		}
		ev += period + time.Duration(i%3-1)*100*time.Microsecond // jitter
	}
	// a late frame (missed vblanks) also starts at once
	ev += 3 * period
	if w := p.next(ev, ev, period); w != 0 {
		t.Fatalf("late event: wait %v, want 0", w)
	}
}

// A driver that completes flips at once (virtio-gpu): each event arrives
// shortly after the frame was committed; the pacer must put the frames
// one period apart, not let them run as fast as the client draws.
func TestPacerImmediateFlipsStayOnTheGrid(t *testing.T) {
	const period = 13333 * time.Microsecond
	var p pacer
	start := time.Second
	if w := p.next(start, start, period); w != 0 {
		t.Fatalf("first event: wait %v", w)
	}
	now := start
	for i := 1; i <= 100; i++ {
		// the frame is rendered and committed, the flip completes 1 ms later
		ev := now + time.Millisecond
		w := p.next(ev, ev, period)
		now = ev + w
		want := start + time.Duration(i)*period
		if now != want {
			t.Fatalf("frame %d starts at %v, want %v on the grid", i, now-start, want-start)
		}
	}
}

func TestPacerWithoutPeriod(t *testing.T) {
	var p pacer
	if w := p.next(time.Second, time.Second, 0); w != 0 {
		t.Fatalf("no refresh period: wait %v", w)
	}
}
