// Package backend holds the output backends: backend/headless (virtual
// outputs, frame capture) and backend/drm (KMS modeset, swapchain,
// page-flip-driven frame loop, direct scanout).
package backend
