package main

import (
	"context"

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
