// Package drm is the DRM/KMS backend: modeset, swapchain, page-flip-driven
// frame loop, direct scanout of client buffers and composition otherwise.
package drm
