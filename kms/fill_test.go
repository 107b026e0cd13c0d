package kms

import (
	"errors"
	"testing"
)

// TestFillRetriesWhileTheCountGrows plays a device whose object count
// grows between the count call and the fill call (a hotplug), the way
// the count-then-fill callers use fill.
func TestFillRetriesWhileTheCountGrows(t *testing.T) {
	counts := []int{2, 3, 5, 5} // what the kernel reports on each call
	call := 0
	var ids []uint32
	err := fill(func() (bool, error) {
		n := counts[call]
		call++
		if n > len(ids) {
			ids = make([]uint32, n)
			return false, nil
		}
		ids = ids[:n]
		return true, nil
	})
	if err != nil || len(ids) != 5 || call != 4 {
		t.Errorf("fill: err %v, %d ids after %d calls; want nil, 5 ids, 4 calls", err, len(ids), call)
	}
}

func TestFillGivesUpOnACountThatNeverSettles(t *testing.T) {
	calls := 0
	err := fill(func() (bool, error) { calls++; return false, nil })
	if err == nil || err.Error() != "kms: object counts kept changing across 64 retries" || calls != 64 {
		t.Errorf("fill: %v after %d calls; want the retry error after 64", err, calls)
	}
}

func TestFillStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	if err := fill(func() (bool, error) { calls++; return false, boom }); err != boom || calls != 1 {
		t.Errorf("fill: %v after %d calls; want boom after 1", err, calls)
	}
}
