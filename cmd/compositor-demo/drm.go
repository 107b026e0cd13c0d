package main

import (
	"context"
	"fmt"

	"github.com/go-scanout/scanout/backend"
	"github.com/go-scanout/scanout/backend/drm"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/protocol"
)

// openDRM opens the DRM backend: device, DRM master, connector, mode, the
// negotiated plan and the renderer; then it creates the compositor with
// the plan's linux-dmabuf feedback and attaches the outputs.
func openDRM(ctx context.Context, cfg *config, newCompositor func(*protocol.DMABUFFeedback) error, c **compositor.Compositor, logf func(string, ...any)) (*drm.Backend, error) {
	b, err := drm.Open(ctx, &drm.Options{Device: cfg.device, Connector: cfg.connector, Mode: cfg.mode, Renderer: cfg.renderer, PlanCache: cfg.planCache, Log: logf})
	if err != nil {
		return nil, err
	}
	if err := newCompositor(b.Feedback()); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.Attach(*c); err != nil {
		(*c).Close()
		*c = nil
		b.Close()
		return nil, err
	}
	return b, nil
}

// drmCounters is the exit line with the DRM backend's plane counters ("" for
// other backends). Call it after the frame loop returned.
func drmCounters(be backend.Backend) string {
	db, ok := be.(*drm.Backend)
	if !ok {
		return ""
	}
	s := db.Stats() // the frame loop has returned: nothing else touches them
	return fmt.Sprintf("planes: primary_direct=%d overlay=%d cursor_plane=%d cursor_copies=%d cursor_bytes=%d test_only_refusals=%d refused_pairs=%d failed_commits=%d paced=%d",
		s.PrimaryDirectFrames, s.OverlayFrames, s.CursorPlaneFrames, s.CursorCopies, s.CursorBytes, s.TestRefusals, s.RefusedBuffers, s.FailedCommits, s.PacedFrames)
}
