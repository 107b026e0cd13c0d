// Package pixmanref is the test-only reference for package cpu: pixman,
// the library weston and wlroots blit with, called through cgo. It exists
// only with the build tag "pixman" (apt: libpixman-1-dev) and is imported
// only by tests and benchmarks.
//
// Pixel memory handed to pixman must not be Go memory (pixman keeps the
// pointer), so Alloc returns C memory viewed as a []byte; both engines
// then work on the very same bytes.
package pixmanref
