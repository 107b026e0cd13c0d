package uapi_test

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// TestVKMSDriverName proves the VM harness: the vkms card is found by
// driver name and answers DRM_IOCTL_VERSION.
func TestVKMSDriverName(t *testing.T) {
	path := testenv.RequireDRMCard(t, "vkms")
	d, err := fd.Open(path, unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	v, err := uapi.Version(d)
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "vkms" || v.Desc == "" {
		t.Fatalf("DRM_IOCTL_VERSION on %s: %+v", path, v)
	}
	dumb, err := uapi.GetCap(d, uapi.DRM_CAP_DUMB_BUFFER)
	if err != nil || dumb != 1 {
		t.Fatalf("DRM_CAP_DUMB_BUFFER = %d, %v; vkms supports dumb buffers", dumb, err)
	}
	if err := uapi.SetClientCap(d, uapi.DRM_CLIENT_CAP_ATOMIC, 1); err != nil {
		t.Fatalf("enabling atomic on vkms: %v", err)
	}
	t.Logf("%s: %s %d.%d.%d %q", path, v.Name, v.Major, v.Minor, v.Patch, v.Desc)
}

func TestHeapAllocMapSyncReadback(t *testing.T) {
	const size = 1920 * 1080 * 4
	heaps := map[string]string{
		"system": testenv.RequireHeap(t, "system"),
		"cma":    testenv.RequireHeap(t, testenv.CMAHeapNames...),
	}
	for kind, path := range heaps {
		t.Run(kind, func(t *testing.T) {
			heap, err := fd.Open(path, unix.O_RDWR)
			if err != nil {
				t.Fatal(err)
			}
			defer heap.Close()
			buf, err := uapi.DMAHeapAlloc(heap, size, "dma-buf from "+path)
			if err != nil {
				t.Fatalf("allocating %d bytes: %v", size, err)
			}
			defer buf.Close()
			if err := uapi.DMABufSetName(buf, "scanout-test-"+kind); err != nil {
				t.Errorf("DMA_BUF_SET_NAME: %v", err)
			}
			var mem []byte
			err = buf.Control(func(n int) error {
				var err error
				mem, err = unix.Mmap(n, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
				return err
			})
			if err != nil {
				t.Fatalf("mmap: %v", err)
			}
			defer unix.Munmap(mem)
			pattern := make([]byte, size)
			for i := range pattern {
				pattern[i] = byte(i*7 + i>>12)
			}
			if err := uapi.DMABufSyncIoctl(buf, uapi.DMA_BUF_SYNC_START|uapi.DMA_BUF_SYNC_WRITE); err != nil {
				t.Fatal(err)
			}
			copy(mem, pattern)
			if err := uapi.DMABufSyncIoctl(buf, uapi.DMA_BUF_SYNC_END|uapi.DMA_BUF_SYNC_WRITE); err != nil {
				t.Fatal(err)
			}
			// Read back through a second, independent mapping.
			var mem2 []byte
			buf.Control(func(n int) error {
				var err error
				mem2, err = unix.Mmap(n, 0, size, unix.PROT_READ, unix.MAP_SHARED)
				return err
			})
			if mem2 == nil {
				t.Fatal("second mmap failed")
			}
			defer unix.Munmap(mem2)
			if err := uapi.DMABufSyncIoctl(buf, uapi.DMA_BUF_SYNC_START|uapi.DMA_BUF_SYNC_READ); err != nil {
				t.Fatal(err)
			}
			same := bytes.Equal(mem2, pattern)
			if err := uapi.DMABufSyncIoctl(buf, uapi.DMA_BUF_SYNC_END|uapi.DMA_BUF_SYNC_READ); err != nil {
				t.Fatal(err)
			}
			if !same {
				t.Fatal("read back differs from the pattern written")
			}
		})
	}
}

func TestUdmabufCreate(t *testing.T) {
	path := testenv.RequireFile(t, "/dev/udmabuf")
	dev, err := fd.Open(path, unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	const size = 1 << 20
	mfd, err := unix.MemfdCreate("scanout-test", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	memfd, _ := fd.New(mfd, "memfd:scanout-test")
	defer memfd.Close()
	memfd.Control(func(n int) error { return unix.Ftruncate(n, size) })
	// Without F_SEAL_SHRINK the kernel refuses the memfd.
	if _, err := uapi.UdmabufCreateIoctl(dev, memfd, 0, size, "udmabuf"); err == nil || !bytes.Contains([]byte(err.Error()), []byte("EINVAL")) {
		t.Fatalf("UDMABUF_CREATE without seal: %v, want EINVAL", err)
	}
	memfd.Control(func(n int) error {
		_, err := unix.FcntlInt(uintptr(n), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK)
		return err
	})
	buf, err := uapi.UdmabufCreateIoctl(dev, memfd, 0, size, "udmabuf")
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	if err := uapi.DMABufSyncIoctl(buf, uapi.DMA_BUF_SYNC_START|uapi.DMA_BUF_SYNC_RW); err != nil {
		t.Fatal(err)
	}
	uapi.DMABufSyncIoctl(buf, uapi.DMA_BUF_SYNC_END|uapi.DMA_BUF_SYNC_RW)
}
