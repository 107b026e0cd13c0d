// Package scanout negotiates, per KMS plane, where scanout memory must come
// from.
//
// A display engine accepts a buffer only if its memory is of a kind it can
// fetch from: physically contiguous memory for a display with no IOMMU (a
// Raspberry Pi 4's vc4, i.MX LCDIF), scattered system pages behind an IOMMU
// (Apple DCP, Pi 5), or only buffers it allocated itself (virtio-gpu). No
// kernel interface states this today, so scanout combines hints and then
// verifies them:
//
//   - hint sources (each pluggable, each reporting what it found): sysfs heap
//     links (the layout in docs/scanout-negotiation.md), a driver knowledge
//     table, IOMMU presence, and a configuration file plus the SCANOUT_ROUTES
//     environment variable that force or forbid routes per device;
//   - a planner that, for every plane and every format and modifier the plane
//     advertises, tries the routes in the order the hints rank them through a
//     Prober (allocate, PRIME-import, ADDFB2, atomic TEST_ONLY), within a
//     budget of probes and time, and records every verdict with its reason;
//   - a cache keyed by kernel release, drivers and a hash of the planes'
//     IN_FORMATS, so a kiosk boots without probing;
//   - outputs derived from the plan: an explanation report (text or JSON),
//     the split render/display sharing decision, and linux-dmabuf feedback
//     tranches.
//
// A route is one way of obtaining memory: a named DMA heap ("heap:reserved"),
// udmabuf (memfd pages), a dumb buffer on the display device ("dumb"), or a
// GBM buffer on the render device ("gbm").
package scanout
