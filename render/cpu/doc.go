// Package cpu is the CPU blit engine: fill, copy, premultiplied alpha
// blending, format conversion, nearest and bilinear scaling and the eight
// output transforms over images in memory, clipped to damage rectangles.
// It is what a kiosk draws with when GL is missing or refuses a buffer,
// and what headless runs use, so it is built to compete with pixman (the
// library weston and wlroots blit with) and is tested against it.
//
// # Operations
//
// [Composite] draws a source [Image] into a destination: a source
// rectangle, rotated or flipped by a [Transform] (wl_output.transform
// numbering), scaled into a destination rectangle with a [Filter],
// multiplied by an opacity, with operator [Src] (replace) or [Over]
// (premultiplied blend). [Fill] paints a rectangle with a [Color]. Both take
// a list of damage rectangles and touch no pixel outside their union.
// Formats convert on the way: XRGB8888, ARGB8888, XBGR8888, ABGR8888 and
// RGB565 as sources and destinations, NV12 as a source.
//
// Results are pixman's to the bit: OVER rounds t = x*(255-a) + 0x80,
// (t + t>>8) >> 8 and saturates; RGB565 expands by replicating high bits
// and packs by truncation; NV12 uses pixman's BT.601 limited-range
// coefficients with truncation; scaling evaluates the same 16.16 fixed
// point matrix pixman does at pixel centres, with PAD edges (clamped to
// the source rectangle) and 7-bit bilinear weights. The differential
// tests (build tag pixman) hold the engine to that.
//
// # Safety
//
// Every argument is validated before a pixel is touched: unknown formats,
// negative or oversized dimensions (above [MaxSize]), strides shorter than
// a row, buffers shorter than stride*height, source rectangles outside the
// source and destination geometry beyond [MaxCoord] return an [*Error]
// wrapping one of the sentinel errors ([ErrFormat], [ErrSize], [ErrStride],
// [ErrShort], [ErrRect], [ErrArg]); the destination is then unchanged.
// Destination rectangles and damage may reach outside the destination;
// they are clipped, as a GPU clips to its viewport. All indexing goes
// through Go slices, so a bug would panic rather than corrupt memory (the
// few assembly routines get slices their Go wrappers have cut to exactly
// the bytes they touch); the fuzzers check that none does.
//
// # Speed
//
// Operations allocate nothing (scratch lives on the stack) and are safe for
// concurrent use on different destinations. Rows run through small
// kernels: SWAR ones (four channels in the 16-bit lanes of a uint64, one
// multiply per pixel; RGB565 through two 256-entry tables) that every
// architecture runs, and, in binaries built with GOEXPERIMENT=simd on
// amd64 CPUs with AVX2 (checked at run time, see [SIMD]), simd/archsimd
// kernels that process 8 to 16 pixels per step and clear the upper AVX
// state when they return. The SIMD build also scales without gathers (the
// sample positions of a column chunk become shuffle indices once, reused
// by every row), rotates by 90 and 270 degrees through 8x8 register
// transposes, copies and expands RGB565 into large destinations with
// non-temporal stores, blends rows of 512 pixels or more with a prefetch
// in every step and copies or blends rectangles of short rows
// prefetching rows ahead (small assembly routines in stream_amd64.s: simd/archsimd has
// neither streaming stores nor prefetches). Adding NEON means one file defining the same
// kernel functions for arm64 (kernels.go explains the dispatch).
//
// Damage rectangles that continue each other (a row of tiles) are merged
// before drawing, so a region's rectangles run as long rows.
package cpu
