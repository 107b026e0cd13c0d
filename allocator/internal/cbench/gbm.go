//go:build cgo && gbm

package cbench

/*
#cgo pkg-config: gbm
#cgo CFLAGS: -I/usr/include/libdrm
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <gbm.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <drm.h>

static int64_t gbm_now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t gbm_loop(int drm, uint32_t w, uint32_t h, uint32_t fmt, uint32_t flags, int n, int dotouch) {
	struct gbm_device *dev = gbm_create_device(drm);
	if (!dev) return -ENODEV;
	int64_t t0 = gbm_now_ns();
	for (int i = 0; i < n; i++) {
		struct gbm_bo *bo = gbm_bo_create(dev, w, h, fmt, flags);
		if (!bo) { int e = errno ? errno : EINVAL; gbm_device_destroy(dev); return -e; }
		// Export read-write like allocator/gbm does (libgbm's own
		// gbm_bo_get_fd_for_plane exports read-only).
		struct drm_prime_handle ph = { .handle = gbm_bo_get_handle_for_plane(bo, 0).u32, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
		int r = ioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
		int fd = ph.fd;
		uint32_t stride = gbm_bo_get_stride_for_plane(bo, 0);
		gbm_bo_destroy(bo);
		if (r < 0) { int e = errno; gbm_device_destroy(dev); return -e; }
		if (dotouch) {
			size_t size = (size_t)stride * h;
			unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) { int e = errno; close(fd); gbm_device_destroy(dev); return -e; }
			struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };
			ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
			for (size_t o = 0; o < size; o += 4096) p[o] = 1;
			s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
			ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
			munmap(p, size);
		}
		close(fd);
	}
	int64_t t = gbm_now_ns() - t0;
	gbm_device_destroy(dev);
	return t;
}
*/
import "C"

import "time"

// GBMLoop creates a GBM device on the DRM descriptor and, n times, creates
// a w x h bo with flags, exports plane 0, destroys the bo, optionally maps
// and touches it inside a SYNC bracket, and closes the dma-buf. Device
// creation is not timed.
func GBMLoop(drm int, w, h, format, flags uint32, n int, touch bool) (time.Duration, error) {
	return result(C.gbm_loop(C.int(drm), C.uint32_t(w), C.uint32_t(h), C.uint32_t(format), C.uint32_t(flags), C.int(n), b2i(touch)), "gbm loop")
}
