package scanout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"golang.org/x/sys/unix"
)

// Stage is the step of a probe.
type Stage string

// The probe stages, in order.
const (
	StageSetup  Stage = "setup"  // finding a connector, mode and CRTC for TEST_ONLY
	StageOpen   Stage = "open"   // opening the allocator (heap node, /dev/udmabuf)
	StageAlloc  Stage = "alloc"  // allocating the buffer
	StageImport Stage = "import" // PRIME import into the display device
	StageRender Stage = "render-import"
	StageAddFB  Stage = "addfb" // DRM_IOCTL_MODE_ADDFB2
	StageTest   Stage = "test"  // atomic commit with TEST_ONLY
	StageDone   Stage = "ok"
)

// routeWide reports whether a failure at stage s says something about the
// route as a whole (every format would fail the same way), so the planner
// need not probe the route again on the same device.
func (s Stage) routeWide() bool {
	return s == StageSetup || s == StageOpen || s == StageImport || s == StageRender
}

// ProbeRequest is one probe: can Plane show a Format/Modifier buffer whose
// memory comes from Route?
type ProbeRequest struct {
	Device   *Device
	Plane    *Plane
	Format   allocator.Format
	Modifier allocator.Modifier
	Route    Route
}

// Outcome is a probe's verdict.
type Outcome struct {
	OK    bool
	Stage Stage // StageDone when OK, else the stage that failed
	// Errno is the failing system call's errno name ("ENODEV"), if any.
	Errno string
	// Detail is the error message.
	Detail string
	// Elapsed is how long the probe took.
	Elapsed time.Duration
}

// Failed builds the Outcome of a probe that failed at stage with err,
// extracting the errno when err wraps one.
func Failed(stage Stage, err error) Outcome {
	o := Outcome{Stage: stage}
	if err != nil {
		o.Detail = err.Error()
		var e unix.Errno
		if errors.As(err, &e) {
			o.Errno = unix.ErrnoName(e)
		}
	}
	return o
}

func (o Outcome) String() string {
	if o.OK {
		return "accepted"
	}
	s := fmt.Sprintf("refused at %s", o.Stage)
	if o.Errno != "" {
		s += " with " + o.Errno
	}
	if o.Detail != "" {
		s += ": " + o.Detail
	}
	return s
}

// Prober is the ground truth the planner asks. The real prober (NewProber)
// allocates, imports, adds a framebuffer and test-commits; package replay
// holds a recorded-outcome oracle.
type Prober interface {
	// Routes lists the routes available for d on this system (heaps that
	// exist, udmabuf, dumb if the device has it, ...), with notes for
	// routes that exist but cannot be used (permissions).
	Routes(d *Device) ([]Route, []string)
	// Probe runs one probe. It must honour ctx and never panic.
	Probe(ctx context.Context, req ProbeRequest) Outcome
}
