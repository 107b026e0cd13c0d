// Package dmaheap allocates buffers from the kernel's DMA-BUF heaps
// (/dev/dma_heap/*, DMA_HEAP_IOCTL_ALLOC).
//
// Heaps are known by name, and the names differ per kernel and vendor:
// "system" (scattered pages, cached), "system-uncached", the CMA heap
// ("linux,cma", "reserved" — named after the default CMA area — or
// "default_cma_region" on newer kernels), "vidbuf_cached" and others. Kinds
// tells for each name whether its memory is physically contiguous and
// whether CPU access is cached; Options.Kinds adds vendor names.
//
// A Heap is one allocator.Allocator. When a heap has an uncached variant
// ("system" and "system-uncached") they form one Heap, which allocates from
// the uncached node when the request says the CPU will not touch the
// buffer (no UsageCPURead/UsageCPUWrite): the device then needs no cache
// maintenance, and CPU writes that do happen are write-combined. This
// choice per allocation is why there is no per-buffer "coherent" flag.
//
// Heap nodes are root-only unless a udev rule opens them. A Heap opens its
// node on first use; when the node exists but cannot be opened, the error
// (allocator.ErrPermission) says so and prints the udev rule that fixes
// it (see UdevRule).
//
// Buffers are laid out with allocator.ComputeLayout under
// Options.Alignment (allocator.DefaultAlignment: 256-byte strides,
// page-aligned planes and size), every plane in one dma-buf, named with
// DMA_BUF_SET_NAME after Request.Name.
package dmaheap
