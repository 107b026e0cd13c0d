package uapi

import (
	"runtime"
	"structs"
	"unsafe"

	"github.com/go-scanout/scanout/internal/fd"
)

// DMA-BUF ioctls (include/uapi/linux/dma-buf.h).
const dmaBufBase = 'b'

var (
	reqDMABufSync    = register("DMA_BUF_IOCTL_SYNC", IOW(dmaBufBase, 0, unsafe.Sizeof(DMABufSync{})))
	reqDMABufSetName = register("DMA_BUF_SET_NAME", IOW(dmaBufBase, 1, unsafe.Sizeof(uintptr(0))))
)

// DMABufSync is struct dma_buf_sync.
type DMABufSync struct {
	_     structs.HostLayout
	Flags uint64
}

// Flags of DMABufSync.
const (
	DMA_BUF_SYNC_READ  = 1 << 0
	DMA_BUF_SYNC_WRITE = 2 << 0
	DMA_BUF_SYNC_RW    = DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE
	DMA_BUF_SYNC_START = 0 << 2
	DMA_BUF_SYNC_END   = 1 << 2
)

// DMABufNameLen is DMA_BUF_NAME_LEN: names longer than this minus one byte
// are refused by the kernel.
const DMABufNameLen = 32

// DMABufSyncIoctl issues DMA_BUF_IOCTL_SYNC with flags on the dma-buf d.
func DMABufSyncIoctl(d *fd.FD, flags uint64) error {
	s := DMABufSync{Flags: flags}
	return Ioctl(d, "DMA_BUF_IOCTL_SYNC", reqDMABufSync, unsafe.Pointer(&s))
}

// DMABufSetName names the dma-buf d (visible in /sys/kernel/debug/dma_buf
// and fdinfo). Names are truncated to DMABufNameLen-1 bytes.
func DMABufSetName(d *fd.FD, name string) error {
	if len(name) > DMABufNameLen-1 {
		name = name[:DMABufNameLen-1]
	}
	b := append([]byte(name), 0)
	var p runtime.Pinner
	defer p.Unpin()
	p.Pin(&b[0])
	return IoctlInt(d, "DMA_BUF_SET_NAME", reqDMABufSetName, uintptr(unsafe.Pointer(&b[0])))
}
