// Package udmabuf turns memfd memory into dma-bufs through /dev/udmabuf
// (UDMABUF_CREATE): ordinary, scattered, cached system pages that any
// device with an IOMMU (or a virtual one such as vkms) can import, with no
// DMA heap and no root needed beyond access to /dev/udmabuf.
//
// The kernel requires the memfd to be created with MFD_ALLOW_SEALING and
// sealed with F_SEAL_SHRINK (without the seal UDMABUF_CREATE answers
// EINVAL), and the offset and size to be page aligned. The memfd is closed
// once the dma-buf exists: the dma-buf holds the pages.
package udmabuf
