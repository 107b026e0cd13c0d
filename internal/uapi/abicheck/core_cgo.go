//go:build cgo && abicheck

package abicheck

/*
#cgo CFLAGS: -I/usr/include/libdrm
#include "abicheck.h"
#include <drm.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

static const struct abi_field core_fields[] = {
	ABI_SIZE(drm_version),
	ABI_FIELD(drm_version, version_major),
	ABI_FIELD(drm_version, version_minor),
	ABI_FIELD(drm_version, version_patchlevel),
	ABI_FIELD(drm_version, name_len),
	ABI_FIELD(drm_version, name),
	ABI_FIELD(drm_version, date_len),
	ABI_FIELD(drm_version, date),
	ABI_FIELD(drm_version, desc_len),
	ABI_FIELD(drm_version, desc),
	ABI_SIZE(drm_get_cap),
	ABI_FIELD(drm_get_cap, capability),
	ABI_FIELD(drm_get_cap, value),
	ABI_SIZE(drm_set_client_cap),
	ABI_FIELD(drm_set_client_cap, capability),
	ABI_FIELD(drm_set_client_cap, value),
	ABI_SIZE(dma_buf_sync),
	ABI_FIELD(dma_buf_sync, flags),
	ABI_SIZE(dma_heap_allocation_data),
	ABI_FIELD(dma_heap_allocation_data, len),
	ABI_FIELD(dma_heap_allocation_data, fd),
	ABI_FIELD(dma_heap_allocation_data, fd_flags),
	ABI_FIELD(dma_heap_allocation_data, heap_flags),
	ABI_SIZE(udmabuf_create),
	ABI_FIELD(udmabuf_create, memfd),
	ABI_FIELD(udmabuf_create, flags),
	ABI_FIELD(udmabuf_create, offset),
	ABI_FIELD(udmabuf_create, size),
};
static const struct abi_field *core_fields_get(size_t *n) { *n = ABI_LEN(core_fields); return core_fields; }

static const struct abi_ioctl core_ioctls[] = {
	ABI_IOCTL(DRM_IOCTL_VERSION),
	ABI_IOCTL(DRM_IOCTL_GET_CAP),
	ABI_IOCTL(DRM_IOCTL_SET_CLIENT_CAP),
	ABI_IOCTL(DMA_BUF_IOCTL_SYNC),
	ABI_IOCTL(DMA_BUF_SET_NAME),
	ABI_IOCTL(DMA_HEAP_IOCTL_ALLOC),
	ABI_IOCTL(UDMABUF_CREATE),
};
static const struct abi_ioctl *core_ioctls_get(size_t *n) { *n = ABI_LEN(core_ioctls); return core_ioctls; }
*/
import "C"

import (
	"reflect"

	"github.com/go-scanout/scanout/internal/uapi"
)

func init() {
	var n C.size_t
	addFields(C.core_fields_get(&n), int(n))
	addIoctls(C.core_ioctls_get(&n), int(n))
	goTypes["drm_version"] = reflect.TypeFor[uapi.DRMVersion]()
	goTypes["drm_get_cap"] = reflect.TypeFor[uapi.DRMGetCap]()
	goTypes["drm_set_client_cap"] = reflect.TypeFor[uapi.DRMSetClientCap]()
	goTypes["dma_buf_sync"] = reflect.TypeFor[uapi.DMABufSync]()
	goTypes["dma_heap_allocation_data"] = reflect.TypeFor[uapi.DMAHeapAllocationData]()
	goTypes["udmabuf_create"] = reflect.TypeFor[uapi.UdmabufCreate]()
}
