package uapi

import (
	"runtime"
	"structs"
	"unsafe"

	"github.com/go-scanout/scanout/internal/fd"
)

// drmBase is DRM_IOCTL_BASE ('d').
const drmBase = 'd'

// DRM core ioctls (include/uapi/drm/drm.h).
var (
	reqDRMVersion      = register("DRM_IOCTL_VERSION", IOWR(drmBase, 0x00, unsafe.Sizeof(DRMVersion{})))
	reqDRMGetCap       = register("DRM_IOCTL_GET_CAP", IOWR(drmBase, 0x0c, unsafe.Sizeof(DRMGetCap{})))
	reqDRMSetClientCap = register("DRM_IOCTL_SET_CLIENT_CAP", IOW(drmBase, 0x0d, unsafe.Sizeof(DRMSetClientCap{})))
)

// DRMVersion is struct drm_version. The three string buffers are user
// pointers; use Version rather than filling it by hand.
type DRMVersion struct {
	_                 structs.HostLayout
	VersionMajor      int32
	VersionMinor      int32
	VersionPatchlevel int32
	NameLen           uintptr // __kernel_size_t
	Name              uintptr // char __user *
	DateLen           uintptr
	Date              uintptr
	DescLen           uintptr
	Desc              uintptr
}

// DRMGetCap is struct drm_get_cap.
type DRMGetCap struct {
	_          structs.HostLayout
	Capability uint64
	Value      uint64
}

// DRMSetClientCap is struct drm_set_client_cap.
type DRMSetClientCap struct {
	_          structs.HostLayout
	Capability uint64
	Value      uint64
}

// Device capabilities for DRM_IOCTL_GET_CAP.
const (
	DRM_CAP_DUMB_BUFFER            = 0x1
	DRM_CAP_VBLANK_HIGH_CRTC       = 0x2
	DRM_CAP_DUMB_PREFERRED_DEPTH   = 0x3
	DRM_CAP_DUMB_PREFER_SHADOW     = 0x4
	DRM_CAP_PRIME                  = 0x5
	DRM_CAP_TIMESTAMP_MONOTONIC    = 0x6
	DRM_CAP_ASYNC_PAGE_FLIP        = 0x7
	DRM_CAP_CURSOR_WIDTH           = 0x8
	DRM_CAP_CURSOR_HEIGHT          = 0x9
	DRM_CAP_ADDFB2_MODIFIERS       = 0x10
	DRM_CAP_PAGE_FLIP_TARGET       = 0x11
	DRM_CAP_CRTC_IN_VBLANK_EVENT   = 0x12
	DRM_CAP_SYNCOBJ                = 0x13
	DRM_CAP_SYNCOBJ_TIMELINE       = 0x14
	DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP = 0x15

	DRM_PRIME_CAP_IMPORT = 0x1
	DRM_PRIME_CAP_EXPORT = 0x2
)

// Client capabilities for DRM_IOCTL_SET_CLIENT_CAP.
const (
	DRM_CLIENT_CAP_STEREO_3D            = 1
	DRM_CLIENT_CAP_UNIVERSAL_PLANES     = 2
	DRM_CLIENT_CAP_ATOMIC               = 3
	DRM_CLIENT_CAP_ASPECT_RATIO         = 4
	DRM_CLIENT_CAP_WRITEBACK_CONNECTORS = 5
	DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT = 6
)

// VersionInfo is the decoded answer of DRM_IOCTL_VERSION.
type VersionInfo struct {
	Major, Minor, Patch int
	Name, Date, Desc    string
}

// Version issues DRM_IOCTL_VERSION twice (lengths, then strings) and
// returns the driver's name, date and description.
func Version(d *fd.FD) (VersionInfo, error) {
	var v DRMVersion
	if err := Ioctl(d, "DRM_IOCTL_VERSION", reqDRMVersion, unsafe.Pointer(&v)); err != nil {
		return VersionInfo{}, err
	}
	// Room for one more byte than announced guards against a length that
	// grew in between; the kernel truncates, it never overruns.
	name := make([]byte, v.NameLen+1)
	date := make([]byte, v.DateLen+1)
	desc := make([]byte, v.DescLen+1)
	var p runtime.Pinner
	defer p.Unpin()
	p.Pin(&name[0])
	p.Pin(&date[0])
	p.Pin(&desc[0])
	v.Name, v.NameLen = uintptr(unsafe.Pointer(&name[0])), uintptr(len(name)-1)
	v.Date, v.DateLen = uintptr(unsafe.Pointer(&date[0])), uintptr(len(date)-1)
	v.Desc, v.DescLen = uintptr(unsafe.Pointer(&desc[0])), uintptr(len(desc)-1)
	if err := Ioctl(d, "DRM_IOCTL_VERSION", reqDRMVersion, unsafe.Pointer(&v)); err != nil {
		return VersionInfo{}, err
	}
	return VersionInfo{
		Major: int(v.VersionMajor), Minor: int(v.VersionMinor), Patch: int(v.VersionPatchlevel),
		Name: cstr(name, v.NameLen), Date: cstr(date, v.DateLen), Desc: cstr(desc, v.DescLen),
	}, nil
}

func cstr(b []byte, n uintptr) string {
	if n > uintptr(len(b)) {
		n = uintptr(len(b))
	}
	b = b[:n]
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// GetCap returns the value of device capability capability.
func GetCap(d *fd.FD, capability uint64) (uint64, error) {
	c := DRMGetCap{Capability: capability}
	if err := Ioctl(d, "DRM_IOCTL_GET_CAP", reqDRMGetCap, unsafe.Pointer(&c)); err != nil {
		return 0, err
	}
	return c.Value, nil
}

// SetClientCap asks the device to enable client capability capability.
func SetClientCap(d *fd.FD, capability, value uint64) error {
	c := DRMSetClientCap{Capability: capability, Value: value}
	return Ioctl(d, "DRM_IOCTL_SET_CLIENT_CAP", reqDRMSetClientCap, unsafe.Pointer(&c))
}
