// Package backend holds what the output backends share: the Backend
// interface cmd/compositor-demo drives, and the startup Report (devices
// found, renderer chosen, route per plane with reasons). The backends
// are backend/headless (virtual outputs, frame clock, frame capture) and
// backend/drm (KMS modeset, swapchain, page-flip-driven frame loop, direct
// scanout, composition otherwise, cursor plane, hotplug).
//
// Both drive a compositor.Compositor: they add its outputs, run a frame
// loop that asks each output whether it needs a frame, render the damage
// into a target buffer (or scan a client buffer out directly), and report
// presentation back so clients get their frame callbacks.
package backend
