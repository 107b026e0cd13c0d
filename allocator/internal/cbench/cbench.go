//go:build cgo

package cbench

/*
#cgo CFLAGS: -O2 -I/usr/include/libdrm
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <drm.h>
#include <drm_mode.h>

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int xioctl(int fd, unsigned long req, void *arg) {
	int r;
	do { r = ioctl(fd, req, arg); } while (r < 0 && (errno == EINTR || errno == EAGAIN));
	return r;
}

// touch maps the dma-buf (or memfd), brackets with DMA_BUF_IOCTL_SYNC when
// sync is set, writes one byte per page, unmaps.
static int touch(int fd, uint64_t size, int sync) {
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) return -errno;
	struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE };
	if (sync && xioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0) { int e = errno; munmap(p, size); return -e; }
	for (uint64_t o = 0; o < size; o += 4096) p[o] = 1;
	s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	if (sync && xioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0) { int e = errno; munmap(p, size); return -e; }
	munmap(p, size);
	return 0;
}

static int64_t heap_loop(int heap, uint64_t size, int n, int dotouch) {
	int64_t t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct dma_heap_allocation_data d = { .len = size, .fd_flags = O_RDWR | O_CLOEXEC };
		if (xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) < 0) return -errno;
		const char *name = "scanout bench";
		xioctl(d.fd, DMA_BUF_SET_NAME, (void *)name);
		if (dotouch) { int r = touch(d.fd, size, 1); if (r < 0) { close(d.fd); return r; } }
		close(d.fd);
	}
	return now_ns() - t0;
}

static int make_memfd(uint64_t size) {
	int m = memfd_create("scanout bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m < 0) return -errno;
	if (ftruncate(m, size) < 0 || fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK) < 0) { int e = errno; close(m); return -e; }
	return m;
}

static int64_t udmabuf_loop(int dev, uint64_t size, int n, int dotouch) {
	int64_t t0 = now_ns();
	for (int i = 0; i < n; i++) {
		int m = make_memfd(size);
		if (m < 0) return m;
		struct udmabuf_create c = { .memfd = m, .flags = UDMABUF_FLAGS_CLOEXEC, .offset = 0, .size = size };
		int buf = xioctl(dev, UDMABUF_CREATE, &c);
		int e = errno;
		close(m);
		if (buf < 0) return -e;
		const char *name = "scanout bench";
		xioctl(buf, DMA_BUF_SET_NAME, (void *)name);
		if (dotouch) { int r = touch(buf, size, 1); if (r < 0) { close(buf); return r; } }
		close(buf);
	}
	return now_ns() - t0;
}

static int64_t shm_loop(uint64_t size, int n, int dotouch) {
	int64_t t0 = now_ns();
	for (int i = 0; i < n; i++) {
		int m = make_memfd(size);
		if (m < 0) return m;
		if (dotouch) { int r = touch(m, size, 0); if (r < 0) { close(m); return r; } }
		close(m);
	}
	return now_ns() - t0;
}

static int64_t dumb_loop(int drm, uint32_t w, uint32_t h, uint32_t bpp, int n, int dotouch) {
	int64_t t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = bpp };
		if (xioctl(drm, DRM_IOCTL_MODE_CREATE_DUMB, &c) < 0) return -errno;
		struct drm_prime_handle p = { .handle = c.handle, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
		int r = xioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
		int e = errno;
		struct drm_mode_destroy_dumb d = { .handle = c.handle };
		xioctl(drm, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
		if (r < 0) return -e;
		if (dotouch) { int r2 = touch(p.fd, c.size, 1); if (r2 < 0) { close(p.fd); return r2; } }
		close(p.fd);
	}
	return now_ns() - t0;
}

static int64_t sync_loop(int buf, int n) {
	int64_t t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
		if (xioctl(buf, DMA_BUF_IOCTL_SYNC, &s) < 0) return -errno;
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		if (xioctl(buf, DMA_BUF_IOCTL_SYNC, &s) < 0) return -errno;
	}
	return now_ns() - t0;
}
*/
import "C"

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Available reports whether the C counterparts are compiled in.
const Available = true

func result(v C.int64_t, what string) (time.Duration, error) {
	if v < 0 {
		return 0, fmt.Errorf("C %s: %w", what, unix.Errno(-v))
	}
	return time.Duration(v), nil
}

// HeapLoop allocates n dma-bufs of size bytes from the heap descriptor,
// names them (DMA_BUF_SET_NAME), optionally maps and touches every page
// inside a SYNC bracket, and closes them. It returns the total time.
func HeapLoop(heap int, size uint64, n int, touch bool) (time.Duration, error) {
	return result(C.heap_loop(C.int(heap), C.uint64_t(size), C.int(n), b2i(touch)), "heap loop")
}

// UdmabufLoop is HeapLoop for udmabuf: memfd, seal, UDMABUF_CREATE,
// close the memfd, name, (touch), close.
func UdmabufLoop(dev int, size uint64, n int, touch bool) (time.Duration, error) {
	return result(C.udmabuf_loop(C.int(dev), C.uint64_t(size), C.int(n), b2i(touch)), "udmabuf loop")
}

// ShmLoop is HeapLoop for sealed memfds (no SYNC bracket).
func ShmLoop(size uint64, n int, touch bool) (time.Duration, error) {
	return result(C.shm_loop(C.uint64_t(size), C.int(n), b2i(touch)), "shm loop")
}

// DumbLoop creates n dumb buffers, exports each with PRIME, destroys the
// handle, optionally touches the dma-buf, and closes it.
func DumbLoop(drm int, w, h, bpp uint32, n int, touch bool) (time.Duration, error) {
	return result(C.dumb_loop(C.int(drm), C.uint32_t(w), C.uint32_t(h), C.uint32_t(bpp), C.int(n), b2i(touch)), "dumb loop")
}

// SyncLoop issues n DMA_BUF_IOCTL_SYNC START/END pairs (READ|WRITE).
func SyncLoop(buf int, n int) (time.Duration, error) {
	return result(C.sync_loop(C.int(buf), C.int(n)), "sync loop")
}

func b2i(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
