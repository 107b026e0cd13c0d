package uapi

import (
	"structs"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// DMA heap ioctls (include/uapi/linux/dma-heap.h).
const dmaHeapBase = 'H'

var reqDMAHeapAlloc = register("DMA_HEAP_IOCTL_ALLOC", IOWR(dmaHeapBase, 0x0, unsafe.Sizeof(DMAHeapAllocationData{})))

// DMAHeapAllocationData is struct dma_heap_allocation_data.
type DMAHeapAllocationData struct {
	_         structs.HostLayout
	Len       uint64
	FD        uint32
	FDFlags   uint32
	HeapFlags uint64
}

// DMAHeapAlloc allocates size bytes from the heap opened as heap and returns
// the new dma-buf, owned by the caller and named name in errors.
func DMAHeapAlloc(heap *fd.FD, size uint64, name string) (*fd.FD, error) {
	a := DMAHeapAllocationData{Len: size, FDFlags: unix.O_RDWR | unix.O_CLOEXEC}
	if err := Ioctl(heap, "DMA_HEAP_IOCTL_ALLOC", reqDMAHeapAlloc, unsafe.Pointer(&a)); err != nil {
		return nil, err
	}
	return fd.New(int(a.FD), name)
}
