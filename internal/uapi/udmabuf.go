package uapi

import (
	"structs"
	"unsafe"

	"github.com/go-scanout/scanout/internal/fd"
)

// udmabuf ioctls (include/uapi/linux/udmabuf.h).
const udmabufBase = 'u'

var reqUdmabufCreate = register("UDMABUF_CREATE", IOW(udmabufBase, 0x42, unsafe.Sizeof(UdmabufCreate{})))

// UdmabufCreate is struct udmabuf_create.
type UdmabufCreate struct {
	_      structs.HostLayout
	Memfd  uint32
	Flags  uint32
	Offset uint64
	Size   uint64
}

// UDMABUF_FLAGS_CLOEXEC asks for a close-on-exec dma-buf.
const UDMABUF_FLAGS_CLOEXEC = 0x01

// UdmabufCreateIoctl turns [offset, offset+size) of memfd (which must be
// sealed against shrinking) into a dma-buf owned by the caller.
func UdmabufCreateIoctl(dev, memfd *fd.FD, offset, size uint64, name string) (*fd.FD, error) {
	var out int
	err := memfd.Control(func(m int) error {
		c := UdmabufCreate{Memfd: uint32(m), Flags: UDMABUF_FLAGS_CLOEXEC, Offset: offset, Size: size}
		n, e := IoctlRet(dev, "UDMABUF_CREATE", reqUdmabufCreate, unsafe.Pointer(&c))
		out = n
		return e
	})
	if err != nil {
		return nil, err
	}
	return fd.New(out, name)
}
