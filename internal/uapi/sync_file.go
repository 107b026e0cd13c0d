package uapi

import (
	"structs"
	"unsafe"

	"github.com/go-scanout/scanout/internal/fd"
)

// sync_file ioctls (include/uapi/linux/sync_file.h).
const syncIOCBase = '>'

var reqSyncFileInfo = register("SYNC_IOC_FILE_INFO", IOWR(syncIOCBase, 4, unsafe.Sizeof(SyncFileInfo{})))

// SyncFileInfo is struct sync_file_info.
type SyncFileInfo struct {
	_             structs.HostLayout
	Name          [32]byte
	Status        int32
	Flags         uint32
	NumFences     uint32
	Pad           uint32
	SyncFenceInfo uint64
}

// SyncFileStatus returns the status of the sync_file d: 1 signalled, 0
// active, negative an error (the fence's -errno).
func SyncFileStatus(d *fd.FD) (int32, error) {
	var s SyncFileInfo
	err := Ioctl(d, "SYNC_IOC_FILE_INFO", reqSyncFileInfo, unsafe.Pointer(&s))
	return s.Status, err
}
