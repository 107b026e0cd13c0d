// Package drm is the DRM/KMS backend: it drives one connector of a KMS
// device with atomic commits.
//
// Open finds a card with a connected connector (or the one configured),
// becomes DRM master (or says who holds it and how to get it), picks a
// CRTC the connector can use and a mode (preferred or configured),
// negotiates the primary plane's scanout memory with kms/scanout (the
// plan per plane, with reasons), and chooses the renderer (GL when it
// imports a buffer from the plan, else the CPU). Feedback returns the
// linux-dmabuf feedback derived from the plan: a scanout tranche for the
// display device, then the renderer's formats.
//
// Attach adds the output to a compositor, allocates the swapchain once
// through the plan's winning route (a DMA heap or dumb buffers; the
// route's refusals fall through to the next accepted one), and modesets
// with an atomic commit checked by TEST_ONLY first.
//
// Run is the frame loop, driven by page-flip events read on Go's poller.
// A frame is produced only when something changed. Each frame assigns the
// output's scene (compositor.Output.Scene) to planes, topmost element
// first: the pointer's cursor to the cursor plane (its shm image copied
// into a small swapchain of cursor buffers only when it changed; a pointer
// motion only moves the plane), client dma-bufs drawn 1:1 with nothing
// composited above them to overlay planes (stacked above the primary),
// the bottom element to the primary plane when it alone covers the output
// opaquely, and the rest composited into the swapchain buffer with the
// oldest content that is not on screen, repainting what its buffer age
// requires. The configuration is checked with a TEST_ONLY commit; on
// refusal the least valuable offload is dropped and the check repeated
// (bounded), and the (buffer, plane) pairs KMS refused are remembered.
// compositor.Output.Offload gets the surfaces on planes, so they are not
// composited and their commits cost no copy. Frame callbacks and
// presentation feedback carry the flip's timestamp. A failed commit
// (EBUSY, or a refusal) leaves the previous frame on screen and is
// retried at the next frame with full damage, so the screen never goes
// black.
//
// Connector hotplug is read from kernel uevents (netlink
// NETLINK_KOBJECT_UEVENT): a change on the device re-reads the connector
// and modesets again when it is (re)connected or its mode changed.
//
// Close turns off what the backend showed and restores the CRTC state it
// found (mode, framebuffer, connector routing), then drops DRM master.
package drm
