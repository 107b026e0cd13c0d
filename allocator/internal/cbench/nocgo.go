//go:build !cgo

package cbench

import (
	"errors"
	"time"
)

// Available reports whether the C counterparts are compiled in.
const Available = false

var errNoCgo = errors.New("cbench: built without cgo")

// HeapLoop is unavailable without cgo.
func HeapLoop(int, uint64, int, bool) (time.Duration, error) { return 0, errNoCgo }

// UdmabufLoop is unavailable without cgo.
func UdmabufLoop(int, uint64, int, bool) (time.Duration, error) { return 0, errNoCgo }

// ShmLoop is unavailable without cgo.
func ShmLoop(uint64, int, bool) (time.Duration, error) { return 0, errNoCgo }

// DumbLoop is unavailable without cgo.
func DumbLoop(int, uint32, uint32, uint32, int, bool) (time.Duration, error) { return 0, errNoCgo }

// SyncLoop is unavailable without cgo.
func SyncLoop(int, int) (time.Duration, error) { return 0, errNoCgo }
