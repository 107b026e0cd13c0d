package protocol

import (
	"time"

	"github.com/go-scanout/scanout/internal/monoclock"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/presentation"
	"github.com/go-scanout/scanout/protocol/wl"
)

// OutputConfig describes a display as clients see it.
type OutputConfig struct {
	Name, Description string // "HEADLESS-1"; free text
	Make, Model       string
	Width, Height     int32 // current mode in pixels
	RefreshMilliHz    int32 // 60000 for 60 Hz
	PhysicalW         int32 // millimetres, 0 when unknown
	PhysicalH         int32
	Scale             int32 // integer scale, 1 by default
	X, Y              int32 // position in the global space
}

// Output is one wl_output global.
type Output struct {
	s      *Server
	cfg    OutputConfig
	global *core.Global
	res    []*core.Resource
}

// Config returns the output's description.
func (o *Output) Config() OutputConfig { return o.cfg }

// AddOutput advertises a wl_output. Call it with the lock held (inside Do)
// once serving.
func (s *Server) AddOutput(cfg OutputConfig) *Output {
	if cfg.Scale < 1 {
		cfg.Scale = 1
	}
	if cfg.RefreshMilliHz <= 0 {
		cfg.RefreshMilliHz = 60000
	}
	if cfg.Make == "" {
		cfg.Make = "scanout"
	}
	if cfg.Model == "" {
		cfg.Model = "virtual"
	}
	o := &Output{s: s, cfg: cfg}
	o.global = s.d.AddGlobal(wl.OutputInterface, wl.OutputInterface.Version, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(outputHandler{})
		r.SetData(o)
		o.res = append(o.res, r)
		r.OnDestroy(func(r *core.Resource) { o.res = removeRes(o.res, r) })
		o.send(wl.Output{Resource: r})
		// surfaces of this client already shown enter the new wl_output
		for x := range s.surfaces {
			if x.mapped && x.Client() == c {
				wl.Surface{Resource: x.res}.SendEnter(wl.Output{Resource: r})
			}
		}
		return nil
	})
	s.outputs = append(s.outputs, o)
	for x := range s.surfaces {
		if x.mapped {
			x.enter(o)
		}
	}
	return o
}

// Remove withdraws the output.
func (o *Output) Remove() {
	o.global.Remove()
	for i, x := range o.s.outputs {
		if x == o {
			o.s.outputs = append(o.s.outputs[:i], o.s.outputs[i+1:]...)
			break
		}
	}
	for x := range o.s.surfaces {
		delete(x.entered, o)
	}
}

func (o *Output) send(r wl.Output) {
	c := o.cfg
	r.SendGeometry(c.X, c.Y, c.PhysicalW, c.PhysicalH, int32(wl.OutputSubpixelUnknown), c.Make, c.Model, int32(wl.OutputTransformNormal))
	r.SendMode(wl.OutputModeCurrent|wl.OutputModePreferred, c.Width, c.Height, c.RefreshMilliHz)
	r.SendScale(c.Scale)
	if c.Name != "" {
		r.SendName(c.Name)
	}
	if c.Description != "" {
		r.SendDescription(c.Description)
	}
	r.SendDone()
}

func removeRes(list []*core.Resource, r *core.Resource) []*core.Resource {
	for i, x := range list {
		if x == r {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

type outputHandler struct{}

func (outputHandler) Release(wl.Output) error { return nil }

// enter sends wl_surface.enter for every wl_output of the client.
func (x *Surface) enter(o *Output) {
	if x.entered == nil {
		x.entered = map[*Output]bool{}
	}
	if x.entered[o] {
		return
	}
	x.entered[o] = true
	for _, r := range o.res {
		if r.Client() == x.Client() {
			wl.Surface{Resource: x.res}.SendEnter(wl.Output{Resource: r})
		}
	}
}

// Outputs returns the outputs.
func (s *Server) Outputs() []*Output { return s.outputs }

// PresentFlags are wp_presentation_feedback.kind bits.
type PresentFlags uint32

const (
	PresentVSync        = PresentFlags(presentation.PresentationFeedbackKindVsync)
	PresentHWClock      = PresentFlags(presentation.PresentationFeedbackKindHwClock)
	PresentHWCompletion = PresentFlags(presentation.PresentationFeedbackKindHwCompletion)
	PresentZeroCopy     = PresentFlags(presentation.PresentationFeedbackKindZeroCopy)
)

// Presentation describes one presented frame of an output.
type Presentation struct {
	// Time is when the frame turned into light, on CLOCK_MONOTONIC
	// (see MonotonicNow), as reported by the display (page-flip event
	// timestamp) or estimated by a headless backend.
	Time time.Duration
	// Refresh is the output's refresh period, 0 when unknown or variable.
	Refresh time.Duration
	// Seq is the vertical retrace counter (0 when the output has none).
	Seq uint64
	// Flags say how precise the report is (vsync, hw clock, ...).
	Flags PresentFlags
}

// MonotonicNow returns CLOCK_MONOTONIC, the presentation clock, without a
// system call (see internal/monoclock).
func MonotonicNow() time.Duration { return monoclock.Now() }

// Latch fixes the content of the frame output o is about to show: the
// frame callbacks and presentation feedbacks committed so far belong to
// it (Surface.Latch), and the next FrameDone and Presented complete them.
// Call it when the frame's content is decided (rendered, or its buffers
// put on planes); commits after that wait for the next frame. In this
// kiosk server every surface is on every output. Lock held.
func (s *Server) Latch(o *Output) {
	for x := range s.surfaces {
		x.Latch()
	}
}

// FrameDone completes the latched frame of output o: every surface gets
// the frame callbacks latched for it done with the time in milliseconds.
// Call it with the lock held (inside Do).
func (s *Server) FrameDone(o *Output, when time.Duration) {
	ms := uint32(when / time.Millisecond)
	for x := range s.surfaces {
		x.FrameDone(ms)
	}
}

// Presented reports that the latched content is on screen: every latched
// wp_presentation_feedback gets sync_output and presented and is
// destroyed. Call it with the lock held.
func (s *Server) Presented(o *Output, p Presentation) {
	for x := range s.surfaces {
		x.Presented(o, p)
	}
}

// Presented reports the surface's latched content as shown on o.
func (x *Surface) Presented(o *Output, p Presentation) {
	for i, f := range x.latchedFeedbacks {
		fb := presentation.PresentationFeedback{Resource: f}
		if o != nil {
			for _, r := range o.res {
				if r.Client() == f.Client() {
					fb.SendSyncOutput(wl.Output{Resource: r})
				}
			}
		}
		sec := uint64(p.Time / time.Second)
		nsec := uint32(p.Time % time.Second)
		fb.SendPresented(uint32(sec>>32), uint32(sec), nsec, uint32(p.Refresh), uint32(p.Seq>>32), uint32(p.Seq), uint32(p.Flags))
		f.Destroy()
		x.latchedFeedbacks[i] = nil
	}
	x.latchedFeedbacks = x.latchedFeedbacks[:0]
}
