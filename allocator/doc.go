// Package allocator is the vocabulary every other scanout package speaks:
// DRM fourcc formats (Format, FormatInfo) and modifiers (Modifier) with
// their names and memory layout, format sets (FormatSet), buffer
// descriptions (Desc, Plane) and owned buffers (Buffer), usage bits
// (Usage), requests (Request), the Allocator interface with its
// capabilities (Caps), the selection policy (Policy) and sentinel errors
// that match both their meaning and their errno under errors.Is.
//
// The allocators themselves live in the sub-packages: allocator/dmaheap
// (DMA-BUF heaps), allocator/dumb (KMS dumb buffers exported through
// PRIME), allocator/gbm (libgbm, cgo, build tag gbm), allocator/udmabuf
// (memfd turned into a dma-buf) and allocator/shm (memfd for CPU-only use
// and wl_shm).
//
// # Ownership
//
// A Buffer owns the descriptors of its planes; Close (idempotent) closes
// them and any CPU mapping. To hand a buffer to another consumer with its
// own lifetime, give it Buffer.Dup (or DupPlane for one descriptor).
//
// # CPU access
//
// The CPU reaches a buffer's memory only through Buffer.Access and
// Buffer.AccessPlanes. They map the memory once and cache the mapping, and
// for dma-bufs they always bracket the callback with DMA_BUF_IOCTL_SYNC
// START and END carrying the READ and/or WRITE flags of the access mode,
// also when the callback fails or panics. On cache-incoherent hardware
// (most ARM SoCs) skipping that bracket shows stale pixels on screen; there
// is deliberately no exported way to do so.
//
// # Layout
//
// ComputeLayout gives the strides, plane offsets and total size of a
// linear buffer for any known format under an Alignment; see
// docs/allocator.md for the alignment each allocator uses and why.
//
// This package imports only scanout's internal foundation (internal/fd,
// internal/uapi).
package allocator
