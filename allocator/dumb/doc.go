// Package dumb allocates KMS dumb buffers on a display device and hands
// them out as dma-bufs through PRIME export.
//
// Dumb buffers are the one kind of memory every KMS driver can scan out:
// the display driver allocates them itself, so they are contiguous on
// display engines without an IOMMU (vc4, many Rockchip and i.MX parts)
// and scattered where the engine can map scattered pages. No DRM master is
// needed. Render nodes refuse them (EACCES).
//
// Each buffer is created with DRM_IOCTL_MODE_CREATE_DUMB through package
// kms, exported with PRIME (DRM_CLOEXEC|DRM_RDWR) and its GEM handle is
// released at once: the dma-buf alone keeps the memory alive, and the CPU
// maps it through the dma-buf, so Buffer.Access brackets every touch with
// DMA_BUF_IOCTL_SYNC exactly as for heap buffers.
//
// Layout: single-plane formats are created with the format's bits per
// pixel and use the pitch the driver chooses. Multi-plane formats (NV12,
// YUV420, ...) are created as one 8-bpp dumb buffer large enough for
// allocator.ComputeLayout's layout under allocator.DefaultAlignment, and
// their planes use that layout.
package dumb
