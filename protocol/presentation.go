package protocol

import (
	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/presentation"
	"github.com/go-scanout/scanout/protocol/viewporter"
	"github.com/go-scanout/scanout/protocol/wire"
	"github.com/go-scanout/scanout/protocol/wl"
)

func (s *Server) addPresentation() {
	s.d.AddGlobal(presentation.PresentationInterface, 1, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(presentationHandler{})
		presentation.Presentation{Resource: r}.SendClockId(unix.CLOCK_MONOTONIC)
		return nil
	})
}

type presentationHandler struct{}

func (presentationHandler) Destroy(presentation.Presentation) error { return nil }
func (presentationHandler) Feedback(o presentation.Presentation, surface wl.Surface, cb presentation.PresentationFeedback) error {
	x := surfaceFrom(surface.Resource)
	x.pending.feedbacks = append(x.pending.feedbacks, cb.Resource)
	return nil
}

// discardFeedback tells the client its content update was never shown.
func discardFeedback(f *core.Resource) {
	if f == nil || !f.Alive() {
		return
	}
	presentation.PresentationFeedback{Resource: f}.SendDiscarded()
	f.Destroy()
}

func (s *Server) addViewporter() {
	s.d.AddGlobal(viewporter.ViewporterInterface, 1, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(viewporterHandler{})
		return nil
	})
}

type viewporterHandler struct{}

func (viewporterHandler) Destroy(viewporter.Viewporter) error { return nil }
func (viewporterHandler) GetViewport(o viewporter.Viewporter, id viewporter.Viewport, surface wl.Surface) error {
	x := surfaceFrom(surface.Resource)
	if x.viewport != nil {
		return o.Errorf(viewporter.ViewporterErrorViewportExists, "wl_surface@%d already has a wp_viewport", x.ID())
	}
	x.viewport = id.Resource
	v := &viewport{x: x}
	id.SetHandler(v)
	surface.OnDestroy(func(*core.Resource) { v.x = nil })
	id.OnDestroy(func(*core.Resource) {
		if v.x != nil {
			v.x.viewport = nil
			v.x.pending.srcSet, v.x.pending.src = true, [4]wire.Fixed{-256, -256, -256, -256}
			v.x.pending.dstSet, v.x.pending.dst = true, [2]int32{-1, -1}
		}
	})
	return nil
}

type viewport struct{ x *Surface }

func (v *viewport) Destroy(viewporter.Viewport) error { return nil }
func (v *viewport) SetSource(o viewporter.Viewport, x, y, w, h wire.Fixed) error {
	if v.x == nil {
		return o.Errorf(viewporter.ViewportErrorNoSurface, "the wl_surface was destroyed")
	}
	unset := x == -256 && y == -256 && w == -256 && h == -256
	if !unset && (x < 0 || y < 0 || w <= 0 || h <= 0) {
		return o.Errorf(viewporter.ViewportErrorBadValue, "source rectangle %v,%v %vx%v is invalid", x, y, w, h)
	}
	v.x.pending.srcSet, v.x.pending.src = true, [4]wire.Fixed{x, y, w, h}
	return nil
}
func (v *viewport) SetDestination(o viewporter.Viewport, w, h int32) error {
	if v.x == nil {
		return o.Errorf(viewporter.ViewportErrorNoSurface, "the wl_surface was destroyed")
	}
	if !(w == -1 && h == -1) && (w <= 0 || h <= 0) {
		return o.Errorf(viewporter.ViewportErrorBadValue, "destination size %dx%d is invalid", w, h)
	}
	v.x.pending.dstSet, v.x.pending.dst = true, [2]int32{w, h}
	return nil
}

// checkViewport applies wp_viewport's commit-time rules.
func (x *Surface) checkViewport() error {
	if x.viewport == nil || x.src[2] < 0 {
		return nil
	}
	vp := viewporter.Viewport{Resource: x.viewport}
	if x.dst[0] < 0 && (x.src[2]%256 != 0 || x.src[3]%256 != 0) {
		return vp.Errorf(viewporter.ViewportErrorBadSize, "source size %vx%v is not integer and no destination size is set", x.src[2], x.src[3])
	}
	if x.buffer != nil {
		bw, bh := x.bufferSurfaceSize()
		if int64(x.src[0])+int64(x.src[2]) > int64(bw)*256 || int64(x.src[1])+int64(x.src[3]) > int64(bh)*256 {
			return vp.Errorf(viewporter.ViewportErrorOutOfBuffer, "source rectangle %v,%v %vx%v is outside the %dx%d buffer", x.src[0], x.src[1], x.src[2], x.src[3], bw, bh)
		}
	}
	return nil
}
