package uapi

import (
	"runtime"
	"structs"
	"unsafe"

	"github.com/go-scanout/scanout/internal/fd"
)

// KMS ioctls (include/uapi/drm/drm.h and drm_mode.h).
var (
	reqDRMAuthMagic          = register("DRM_IOCTL_AUTH_MAGIC", IOW(drmBase, 0x11, unsafe.Sizeof(DRMAuth{})))
	reqDRMSetMaster          = register("DRM_IOCTL_SET_MASTER", IO(drmBase, 0x1e))
	reqDRMDropMaster         = register("DRM_IOCTL_DROP_MASTER", IO(drmBase, 0x1f))
	reqDRMGemClose           = register("DRM_IOCTL_GEM_CLOSE", IOW(drmBase, 0x09, unsafe.Sizeof(DRMGemClose{})))
	reqDRMPrimeHandleToFD    = register("DRM_IOCTL_PRIME_HANDLE_TO_FD", IOWR(drmBase, 0x2d, unsafe.Sizeof(DRMPrimeHandle{})))
	reqDRMPrimeFDToHandle    = register("DRM_IOCTL_PRIME_FD_TO_HANDLE", IOWR(drmBase, 0x2e, unsafe.Sizeof(DRMPrimeHandle{})))
	reqDRMCrtcGetSequence    = register("DRM_IOCTL_CRTC_GET_SEQUENCE", IOWR(drmBase, 0x3b, unsafe.Sizeof(DRMCrtcGetSequence{})))
	reqDRMCrtcQueueSequence  = register("DRM_IOCTL_CRTC_QUEUE_SEQUENCE", IOWR(drmBase, 0x3c, unsafe.Sizeof(DRMCrtcQueueSequence{})))
	reqModeGetResources      = register("DRM_IOCTL_MODE_GETRESOURCES", IOWR(drmBase, 0xA0, unsafe.Sizeof(DRMModeCardRes{})))
	reqModeGetCrtc           = register("DRM_IOCTL_MODE_GETCRTC", IOWR(drmBase, 0xA1, unsafe.Sizeof(DRMModeCrtc{})))
	reqModeSetCrtc           = register("DRM_IOCTL_MODE_SETCRTC", IOWR(drmBase, 0xA2, unsafe.Sizeof(DRMModeCrtc{})))
	reqModeCursor            = register("DRM_IOCTL_MODE_CURSOR", IOWR(drmBase, 0xA3, unsafe.Sizeof(DRMModeCursor{})))
	reqModeGetEncoder        = register("DRM_IOCTL_MODE_GETENCODER", IOWR(drmBase, 0xA6, unsafe.Sizeof(DRMModeGetEncoder{})))
	reqModeGetConnector      = register("DRM_IOCTL_MODE_GETCONNECTOR", IOWR(drmBase, 0xA7, unsafe.Sizeof(DRMModeGetConnector{})))
	reqModeGetProperty       = register("DRM_IOCTL_MODE_GETPROPERTY", IOWR(drmBase, 0xAA, unsafe.Sizeof(DRMModeGetProperty{})))
	reqModeGetPropBlob       = register("DRM_IOCTL_MODE_GETPROPBLOB", IOWR(drmBase, 0xAC, unsafe.Sizeof(DRMModeGetBlob{})))
	reqModeRmFB              = register("DRM_IOCTL_MODE_RMFB", IOWR(drmBase, 0xAF, unsafe.Sizeof(uint32(0))))
	reqModePageFlip          = register("DRM_IOCTL_MODE_PAGE_FLIP", IOWR(drmBase, 0xB0, unsafe.Sizeof(DRMModeCrtcPageFlip{})))
	reqModeCreateDumb        = register("DRM_IOCTL_MODE_CREATE_DUMB", IOWR(drmBase, 0xB2, unsafe.Sizeof(DRMModeCreateDumb{})))
	reqModeMapDumb           = register("DRM_IOCTL_MODE_MAP_DUMB", IOWR(drmBase, 0xB3, unsafe.Sizeof(DRMModeMapDumb{})))
	reqModeDestroyDumb       = register("DRM_IOCTL_MODE_DESTROY_DUMB", IOWR(drmBase, 0xB4, unsafe.Sizeof(DRMModeDestroyDumb{})))
	reqModeGetPlaneResources = register("DRM_IOCTL_MODE_GETPLANERESOURCES", IOWR(drmBase, 0xB5, unsafe.Sizeof(DRMModeGetPlaneRes{})))
	reqModeGetPlane          = register("DRM_IOCTL_MODE_GETPLANE", IOWR(drmBase, 0xB6, unsafe.Sizeof(DRMModeGetPlane{})))
	reqModeSetPlane          = register("DRM_IOCTL_MODE_SETPLANE", IOWR(drmBase, 0xB7, unsafe.Sizeof(DRMModeSetPlane{})))
	reqModeAddFB2            = register("DRM_IOCTL_MODE_ADDFB2", IOWR(drmBase, 0xB8, unsafe.Sizeof(DRMModeFBCmd2{})))
	reqModeObjGetProperties  = register("DRM_IOCTL_MODE_OBJ_GETPROPERTIES", IOWR(drmBase, 0xB9, unsafe.Sizeof(DRMModeObjGetProperties{})))
	reqModeObjSetProperty    = register("DRM_IOCTL_MODE_OBJ_SETPROPERTY", IOWR(drmBase, 0xBA, unsafe.Sizeof(DRMModeObjSetProperty{})))
	reqModeCursor2           = register("DRM_IOCTL_MODE_CURSOR2", IOWR(drmBase, 0xBB, unsafe.Sizeof(DRMModeCursor2{})))
	reqModeAtomic            = register("DRM_IOCTL_MODE_ATOMIC", IOWR(drmBase, 0xBC, unsafe.Sizeof(DRMModeAtomic{})))
	reqModeCreatePropBlob    = register("DRM_IOCTL_MODE_CREATEPROPBLOB", IOWR(drmBase, 0xBD, unsafe.Sizeof(DRMModeCreateBlob{})))
	reqModeDestroyPropBlob   = register("DRM_IOCTL_MODE_DESTROYPROPBLOB", IOWR(drmBase, 0xBE, unsafe.Sizeof(DRMModeDestroyBlob{})))
)

// DRMAuth is struct drm_auth.
type DRMAuth struct {
	_     structs.HostLayout
	Magic uint32
}

// DRMGemClose is struct drm_gem_close.
type DRMGemClose struct {
	_      structs.HostLayout
	Handle uint32
	Pad    uint32
}

// DRMPrimeHandle is struct drm_prime_handle.
type DRMPrimeHandle struct {
	_      structs.HostLayout
	Handle uint32
	Flags  uint32
	FD     int32
}

// DRMCrtcGetSequence is struct drm_crtc_get_sequence.
type DRMCrtcGetSequence struct {
	_          structs.HostLayout
	CrtcID     uint32
	Active     uint32
	Sequence   uint64
	SequenceNs int64
}

// DRMCrtcQueueSequence is struct drm_crtc_queue_sequence.
type DRMCrtcQueueSequence struct {
	_        structs.HostLayout
	CrtcID   uint32
	Flags    uint32
	Sequence uint64
	UserData uint64
}

// Flags of DRMCrtcQueueSequence.
const (
	DRM_CRTC_SEQUENCE_RELATIVE     = 0x1
	DRM_CRTC_SEQUENCE_NEXT_ON_MISS = 0x2
)

// DRMModeModeinfo is struct drm_mode_modeinfo.
type DRMModeModeinfo struct {
	_          structs.HostLayout
	Clock      uint32
	Hdisplay   uint16
	HsyncStart uint16
	HsyncEnd   uint16
	Htotal     uint16
	Hskew      uint16
	Vdisplay   uint16
	VsyncStart uint16
	VsyncEnd   uint16
	Vtotal     uint16
	Vscan      uint16
	Vrefresh   uint32
	Flags      uint32
	Type       uint32
	Name       [32]byte
}

// DRMModeCardRes is struct drm_mode_card_res.
type DRMModeCardRes struct {
	_               structs.HostLayout
	FbIDPtr         uint64
	CrtcIDPtr       uint64
	ConnectorIDPtr  uint64
	EncoderIDPtr    uint64
	CountFbs        uint32
	CountCrtcs      uint32
	CountConnectors uint32
	CountEncoders   uint32
	MinWidth        uint32
	MaxWidth        uint32
	MinHeight       uint32
	MaxHeight       uint32
}

// DRMModeCrtc is struct drm_mode_crtc.
type DRMModeCrtc struct {
	_                structs.HostLayout
	SetConnectorsPtr uint64
	CountConnectors  uint32
	CrtcID           uint32
	FbID             uint32
	X                uint32
	Y                uint32
	GammaSize        uint32
	ModeValid        uint32
	Mode             DRMModeModeinfo
}

// DRMModeCursor is struct drm_mode_cursor.
type DRMModeCursor struct {
	_      structs.HostLayout
	Flags  uint32
	CrtcID uint32
	X      int32
	Y      int32
	Width  uint32
	Height uint32
	Handle uint32
}

// DRMModeCursor2 is struct drm_mode_cursor2.
type DRMModeCursor2 struct {
	_      structs.HostLayout
	Flags  uint32
	CrtcID uint32
	X      int32
	Y      int32
	Width  uint32
	Height uint32
	Handle uint32
	HotX   int32
	HotY   int32
}

// Flags of DRMModeCursor.
const (
	DRM_MODE_CURSOR_BO   = 0x01
	DRM_MODE_CURSOR_MOVE = 0x02
)

// DRMModeGetEncoder is struct drm_mode_get_encoder.
type DRMModeGetEncoder struct {
	_              structs.HostLayout
	EncoderID      uint32
	EncoderType    uint32
	CrtcID         uint32
	PossibleCrtcs  uint32
	PossibleClones uint32
}

// DRMModeGetConnector is struct drm_mode_get_connector.
type DRMModeGetConnector struct {
	_               structs.HostLayout
	EncodersPtr     uint64
	ModesPtr        uint64
	PropsPtr        uint64
	PropValuesPtr   uint64
	CountModes      uint32
	CountProps      uint32
	CountEncoders   uint32
	EncoderID       uint32
	ConnectorID     uint32
	ConnectorType   uint32
	ConnectorTypeID uint32
	Connection      uint32
	MmWidth         uint32
	MmHeight        uint32
	Subpixel        uint32
	Pad             uint32
}

// DRMModePropertyEnum is struct drm_mode_property_enum.
type DRMModePropertyEnum struct {
	_     structs.HostLayout
	Value uint64
	Name  [32]byte
}

// DRMModeGetProperty is struct drm_mode_get_property.
type DRMModeGetProperty struct {
	_              structs.HostLayout
	ValuesPtr      uint64
	EnumBlobPtr    uint64
	PropID         uint32
	Flags          uint32
	Name           [32]byte
	CountValues    uint32
	CountEnumBlobs uint32
}

// Property flags of DRMModeGetProperty.
const (
	DRM_MODE_PROP_PENDING      = 1 << 0
	DRM_MODE_PROP_RANGE        = 1 << 1
	DRM_MODE_PROP_IMMUTABLE    = 1 << 2
	DRM_MODE_PROP_ENUM         = 1 << 3
	DRM_MODE_PROP_BLOB         = 1 << 4
	DRM_MODE_PROP_BITMASK      = 1 << 5
	DRM_MODE_PROP_LEGACY_TYPE  = DRM_MODE_PROP_RANGE | DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BLOB | DRM_MODE_PROP_BITMASK
	DRM_MODE_PROP_EXTENDED     = 0x0000ffc0
	DRM_MODE_PROP_OBJECT       = 1 << 6
	DRM_MODE_PROP_SIGNED_RANGE = 2 << 6
	DRM_MODE_PROP_ATOMIC       = 0x80000000
)

// DRMModeGetBlob is struct drm_mode_get_blob.
type DRMModeGetBlob struct {
	_      structs.HostLayout
	BlobID uint32
	Length uint32
	Data   uint64
}

// DRMModeCrtcPageFlip is struct drm_mode_crtc_page_flip.
type DRMModeCrtcPageFlip struct {
	_        structs.HostLayout
	CrtcID   uint32
	FbID     uint32
	Flags    uint32
	Reserved uint32
	UserData uint64
}

// Page flip and atomic flags.
const (
	DRM_MODE_PAGE_FLIP_EVENT      = 0x01
	DRM_MODE_PAGE_FLIP_ASYNC      = 0x02
	DRM_MODE_ATOMIC_TEST_ONLY     = 0x0100
	DRM_MODE_ATOMIC_NONBLOCK      = 0x0200
	DRM_MODE_ATOMIC_ALLOW_MODESET = 0x0400
)

// DRMModeCreateDumb is struct drm_mode_create_dumb.
type DRMModeCreateDumb struct {
	_      structs.HostLayout
	Height uint32
	Width  uint32
	Bpp    uint32
	Flags  uint32
	Handle uint32
	Pitch  uint32
	Size   uint64
}

// DRMModeMapDumb is struct drm_mode_map_dumb.
type DRMModeMapDumb struct {
	_      structs.HostLayout
	Handle uint32
	Pad    uint32
	Offset uint64
}

// DRMModeDestroyDumb is struct drm_mode_destroy_dumb.
type DRMModeDestroyDumb struct {
	_      structs.HostLayout
	Handle uint32
}

// DRMModeGetPlaneRes is struct drm_mode_get_plane_res.
type DRMModeGetPlaneRes struct {
	_           structs.HostLayout
	PlaneIDPtr  uint64
	CountPlanes uint32
	Pad         uint32
}

// DRMModeGetPlane is struct drm_mode_get_plane.
type DRMModeGetPlane struct {
	_                structs.HostLayout
	PlaneID          uint32
	CrtcID           uint32
	FbID             uint32
	PossibleCrtcs    uint32
	GammaSize        uint32
	CountFormatTypes uint32
	FormatTypePtr    uint64
}

// DRMModeSetPlane is struct drm_mode_set_plane. Source coordinates are
// 16.16 fixed point.
type DRMModeSetPlane struct {
	_       structs.HostLayout
	PlaneID uint32
	CrtcID  uint32
	FbID    uint32
	Flags   uint32
	CrtcX   int32
	CrtcY   int32
	CrtcW   uint32
	CrtcH   uint32
	SrcX    uint32
	SrcY    uint32
	SrcH    uint32
	SrcW    uint32
}

// DRMModeFBCmd2 is struct drm_mode_fb_cmd2.
type DRMModeFBCmd2 struct {
	_           structs.HostLayout
	FbID        uint32
	Width       uint32
	Height      uint32
	PixelFormat uint32
	Flags       uint32
	Handles     [4]uint32
	Pitches     [4]uint32
	Offsets     [4]uint32
	Pad         uint32
	Modifier    [4]uint64
}

// Flags of DRMModeFBCmd2.
const (
	DRM_MODE_FB_INTERLACED = 1 << 0
	DRM_MODE_FB_MODIFIERS  = 1 << 1
)

// DRMModeObjGetProperties is struct drm_mode_obj_get_properties.
type DRMModeObjGetProperties struct {
	_             structs.HostLayout
	PropsPtr      uint64
	PropValuesPtr uint64
	CountProps    uint32
	ObjID         uint32
	ObjType       uint32
	Pad           uint32
}

// DRMModeObjSetProperty is struct drm_mode_obj_set_property.
type DRMModeObjSetProperty struct {
	_       structs.HostLayout
	Value   uint64
	PropID  uint32
	ObjID   uint32
	ObjType uint32
	Pad     uint32
}

// Object types.
const (
	DRM_MODE_OBJECT_CRTC      = 0xcccccccc
	DRM_MODE_OBJECT_CONNECTOR = 0xc0c0c0c0
	DRM_MODE_OBJECT_ENCODER   = 0xe0e0e0e0
	DRM_MODE_OBJECT_MODE      = 0xdededede
	DRM_MODE_OBJECT_PROPERTY  = 0xb0b0b0b0
	DRM_MODE_OBJECT_FB        = 0xfbfbfbfb
	DRM_MODE_OBJECT_BLOB      = 0xbbbbbbbb
	DRM_MODE_OBJECT_PLANE     = 0xeeeeeeee
	DRM_MODE_OBJECT_ANY       = 0
)

// DRMModeAtomic is struct drm_mode_atomic.
type DRMModeAtomic struct {
	_             structs.HostLayout
	Flags         uint32
	CountObjs     uint32
	ObjsPtr       uint64
	CountPropsPtr uint64
	PropsPtr      uint64
	PropValuesPtr uint64
	Reserved      uint64
	UserData      uint64
}

// DRMModeCreateBlob is struct drm_mode_create_blob.
type DRMModeCreateBlob struct {
	_      structs.HostLayout
	Data   uint64
	Length uint32
	BlobID uint32
}

// DRMModeDestroyBlob is struct drm_mode_destroy_blob.
type DRMModeDestroyBlob struct {
	_      structs.HostLayout
	BlobID uint32
}

// DRM event types read from the device file.
const (
	DRM_EVENT_VBLANK        = 0x01
	DRM_EVENT_FLIP_COMPLETE = 0x02
	DRM_EVENT_CRTC_SEQUENCE = 0x03
)

// ptr returns the address of the first element of s as the kernel's
// __u64 pointer type, pinning it with p; 0 for an empty slice.
func ptr[T any](p *runtime.Pinner, s []T) uint64 {
	if len(s) == 0 {
		return 0
	}
	p.Pin(&s[0])
	return uint64(uintptr(unsafe.Pointer(&s[0])))
}

// AuthMagic issues DRM_IOCTL_AUTH_MAGIC. With magic 0 it answers whether
// the caller is master: EINVAL when it is, EACCES when it is not.
func AuthMagic(d *fd.FD, magic uint32) error {
	a := DRMAuth{Magic: magic}
	return Ioctl(d, "DRM_IOCTL_AUTH_MAGIC", reqDRMAuthMagic, unsafe.Pointer(&a))
}

// SetMaster issues DRM_IOCTL_SET_MASTER.
func SetMaster(d *fd.FD) error {
	return IoctlInt(d, "DRM_IOCTL_SET_MASTER", reqDRMSetMaster, 0)
}

// DropMaster issues DRM_IOCTL_DROP_MASTER.
func DropMaster(d *fd.FD) error {
	return IoctlInt(d, "DRM_IOCTL_DROP_MASTER", reqDRMDropMaster, 0)
}

// GemClose releases the GEM handle on d.
func GemClose(d *fd.FD, handle uint32) error {
	c := DRMGemClose{Handle: handle}
	return Ioctl(d, "DRM_IOCTL_GEM_CLOSE", reqDRMGemClose, unsafe.Pointer(&c))
}

// DRM_RDWR and DRM_CLOEXEC are the flags of PrimeHandleToFD.
const (
	DRM_CLOEXEC = 0x80000 // O_CLOEXEC
	DRM_RDWR    = 0x2     // O_RDWR
)

// PrimeHandleToFD exports the GEM handle as a dma-buf owned by the caller.
func PrimeHandleToFD(d *fd.FD, handle, flags uint32, name string) (*fd.FD, error) {
	p := DRMPrimeHandle{Handle: handle, Flags: flags, FD: -1}
	if err := Ioctl(d, "DRM_IOCTL_PRIME_HANDLE_TO_FD", reqDRMPrimeHandleToFD, unsafe.Pointer(&p)); err != nil {
		return nil, err
	}
	return fd.New(int(p.FD), name)
}

// PrimeFDToHandle imports the dma-buf into d and returns its GEM handle.
// Importing the same dma-buf twice returns the same handle.
func PrimeFDToHandle(d, dmabuf *fd.FD) (uint32, error) {
	var p DRMPrimeHandle
	var err error
	cerr := dmabuf.Control(func(n int) error {
		p.FD = int32(n)
		err = Ioctl(d, "DRM_IOCTL_PRIME_FD_TO_HANDLE", reqDRMPrimeFDToHandle, unsafe.Pointer(&p))
		return nil
	})
	if cerr != nil {
		return 0, &Error{Op: "DRM_IOCTL_PRIME_FD_TO_HANDLE", Device: d.Name(), Objects: "dma-buf " + dmabuf.Name(), Errno: 9, Hint: "the dma-buf descriptor was already closed"}
	}
	return p.Handle, err
}

// CrtcGetSequence issues DRM_IOCTL_CRTC_GET_SEQUENCE.
func CrtcGetSequence(d *fd.FD, crtc uint32) (DRMCrtcGetSequence, error) {
	s := DRMCrtcGetSequence{CrtcID: crtc}
	err := Ioctl(d, "DRM_IOCTL_CRTC_GET_SEQUENCE", reqDRMCrtcGetSequence, unsafe.Pointer(&s))
	return s, err
}

// CrtcQueueSequence asks for a DRM_EVENT_CRTC_SEQUENCE event and returns
// the sequence the event will carry.
func CrtcQueueSequence(d *fd.FD, crtc, flags uint32, sequence, userData uint64) (uint64, error) {
	s := DRMCrtcQueueSequence{CrtcID: crtc, Flags: flags, Sequence: sequence, UserData: userData}
	err := Ioctl(d, "DRM_IOCTL_CRTC_QUEUE_SEQUENCE", reqDRMCrtcQueueSequence, unsafe.Pointer(&s))
	return s.Sequence, err
}

// ModeGetResources fills the given id slices (any may be empty) and
// returns the structure with the kernel's current counts.
func ModeGetResources(d *fd.FD, fbs, crtcs, conns, encs []uint32) (DRMModeCardRes, error) {
	var p runtime.Pinner
	defer p.Unpin()
	r := DRMModeCardRes{
		FbIDPtr: ptr(&p, fbs), CountFbs: uint32(len(fbs)),
		CrtcIDPtr: ptr(&p, crtcs), CountCrtcs: uint32(len(crtcs)),
		ConnectorIDPtr: ptr(&p, conns), CountConnectors: uint32(len(conns)),
		EncoderIDPtr: ptr(&p, encs), CountEncoders: uint32(len(encs)),
	}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETRESOURCES", reqModeGetResources, unsafe.Pointer(&r))
	return r, err
}

// ModeGetCrtc issues DRM_IOCTL_MODE_GETCRTC.
func ModeGetCrtc(d *fd.FD, id uint32) (DRMModeCrtc, error) {
	c := DRMModeCrtc{CrtcID: id}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETCRTC", reqModeGetCrtc, unsafe.Pointer(&c))
	return c, err
}

// ModeSetCrtc issues DRM_IOCTL_MODE_SETCRTC with the connectors conns.
func ModeSetCrtc(d *fd.FD, c *DRMModeCrtc, conns []uint32) error {
	var p runtime.Pinner
	defer p.Unpin()
	c.SetConnectorsPtr, c.CountConnectors = ptr(&p, conns), uint32(len(conns))
	return Ioctl(d, "DRM_IOCTL_MODE_SETCRTC", reqModeSetCrtc, unsafe.Pointer(c))
}

// ModeCursor issues DRM_IOCTL_MODE_CURSOR.
func ModeCursor(d *fd.FD, c *DRMModeCursor) error {
	return Ioctl(d, "DRM_IOCTL_MODE_CURSOR", reqModeCursor, unsafe.Pointer(c))
}

// ModeCursor2 issues DRM_IOCTL_MODE_CURSOR2 (with a hotspot).
func ModeCursor2(d *fd.FD, c *DRMModeCursor2) error {
	return Ioctl(d, "DRM_IOCTL_MODE_CURSOR2", reqModeCursor2, unsafe.Pointer(c))
}

// ModeGetEncoder issues DRM_IOCTL_MODE_GETENCODER.
func ModeGetEncoder(d *fd.FD, id uint32) (DRMModeGetEncoder, error) {
	e := DRMModeGetEncoder{EncoderID: id}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETENCODER", reqModeGetEncoder, unsafe.Pointer(&e))
	return e, err
}

// ModeGetConnector fills the slices (any may be empty) and returns the
// connector with the kernel's current counts. The kernel re-probes the
// connector (when the caller is master) only when count_modes is 0 on
// input; pass a non-empty modes slice to read the cached list.
func ModeGetConnector(d *fd.FD, id uint32, encs []uint32, modes []DRMModeModeinfo, props []uint32, vals []uint64) (DRMModeGetConnector, error) {
	var p runtime.Pinner
	defer p.Unpin()
	c := DRMModeGetConnector{
		ConnectorID: id,
		EncodersPtr: ptr(&p, encs), CountEncoders: uint32(len(encs)),
		ModesPtr: ptr(&p, modes), CountModes: uint32(len(modes)),
		PropsPtr: ptr(&p, props), PropValuesPtr: ptr(&p, vals), CountProps: uint32(min(len(props), len(vals))),
	}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETCONNECTOR", reqModeGetConnector, unsafe.Pointer(&c))
	return c, err
}

// ModeGetProperty fills values and enums (either may be empty) and returns
// the property with the kernel's counts.
func ModeGetProperty(d *fd.FD, id uint32, values []uint64, enums []DRMModePropertyEnum) (DRMModeGetProperty, error) {
	var p runtime.Pinner
	defer p.Unpin()
	g := DRMModeGetProperty{
		PropID:    id,
		ValuesPtr: ptr(&p, values), CountValues: uint32(len(values)),
		EnumBlobPtr: ptr(&p, enums), CountEnumBlobs: uint32(len(enums)),
	}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETPROPERTY", reqModeGetProperty, unsafe.Pointer(&g))
	return g, err
}

// ModeGetPropBlob copies up to len(data) bytes of blob id into data and
// returns the blob's full length.
func ModeGetPropBlob(d *fd.FD, id uint32, data []byte) (uint32, error) {
	var p runtime.Pinner
	defer p.Unpin()
	b := DRMModeGetBlob{BlobID: id, Length: uint32(len(data)), Data: ptr(&p, data)}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETPROPBLOB", reqModeGetPropBlob, unsafe.Pointer(&b))
	return b.Length, err
}

// ModeCreatePropBlob creates a property blob holding data.
func ModeCreatePropBlob(d *fd.FD, data []byte) (uint32, error) {
	var p runtime.Pinner
	defer p.Unpin()
	b := DRMModeCreateBlob{Data: ptr(&p, data), Length: uint32(len(data))}
	err := Ioctl(d, "DRM_IOCTL_MODE_CREATEPROPBLOB", reqModeCreatePropBlob, unsafe.Pointer(&b))
	return b.BlobID, err
}

// ModeInfoBytes returns the bytes of m, as a mode property blob holds them.
func ModeInfoBytes(m *DRMModeModeinfo) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(m)), unsafe.Sizeof(*m))...)
}

// ModeInfoFromBytes decodes a MODE_ID blob; ok is false when b is too short.
func ModeInfoFromBytes(b []byte) (m DRMModeModeinfo, ok bool) {
	if len(b) < int(unsafe.Sizeof(m)) {
		return m, false
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&m)), unsafe.Sizeof(m)), b)
	return m, true
}

// ModeDestroyPropBlob destroys a property blob created by this client.
func ModeDestroyPropBlob(d *fd.FD, id uint32) error {
	b := DRMModeDestroyBlob{BlobID: id}
	return Ioctl(d, "DRM_IOCTL_MODE_DESTROYPROPBLOB", reqModeDestroyPropBlob, unsafe.Pointer(&b))
}

// ModeRmFB removes framebuffer id.
func ModeRmFB(d *fd.FD, id uint32) error {
	v := id
	return Ioctl(d, "DRM_IOCTL_MODE_RMFB", reqModeRmFB, unsafe.Pointer(&v))
}

// ModePageFlip issues DRM_IOCTL_MODE_PAGE_FLIP.
func ModePageFlip(d *fd.FD, f *DRMModeCrtcPageFlip) error {
	return Ioctl(d, "DRM_IOCTL_MODE_PAGE_FLIP", reqModePageFlip, unsafe.Pointer(f))
}

// ModeCreateDumb issues DRM_IOCTL_MODE_CREATE_DUMB; the answer is in c.
func ModeCreateDumb(d *fd.FD, c *DRMModeCreateDumb) error {
	return Ioctl(d, "DRM_IOCTL_MODE_CREATE_DUMB", reqModeCreateDumb, unsafe.Pointer(c))
}

// ModeMapDumb returns the fake mmap offset of the dumb buffer handle.
func ModeMapDumb(d *fd.FD, handle uint32) (uint64, error) {
	m := DRMModeMapDumb{Handle: handle}
	err := Ioctl(d, "DRM_IOCTL_MODE_MAP_DUMB", reqModeMapDumb, unsafe.Pointer(&m))
	return m.Offset, err
}

// ModeDestroyDumb destroys the dumb buffer handle.
func ModeDestroyDumb(d *fd.FD, handle uint32) error {
	m := DRMModeDestroyDumb{Handle: handle}
	return Ioctl(d, "DRM_IOCTL_MODE_DESTROY_DUMB", reqModeDestroyDumb, unsafe.Pointer(&m))
}

// ModeGetPlaneResources fills ids and returns the kernel's plane count.
func ModeGetPlaneResources(d *fd.FD, ids []uint32) (uint32, error) {
	var p runtime.Pinner
	defer p.Unpin()
	r := DRMModeGetPlaneRes{PlaneIDPtr: ptr(&p, ids), CountPlanes: uint32(len(ids))}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETPLANERESOURCES", reqModeGetPlaneResources, unsafe.Pointer(&r))
	return r.CountPlanes, err
}

// ModeGetPlane fills formats and returns the plane with the kernel's count.
func ModeGetPlane(d *fd.FD, id uint32, formats []uint32) (DRMModeGetPlane, error) {
	var p runtime.Pinner
	defer p.Unpin()
	g := DRMModeGetPlane{PlaneID: id, FormatTypePtr: ptr(&p, formats), CountFormatTypes: uint32(len(formats))}
	err := Ioctl(d, "DRM_IOCTL_MODE_GETPLANE", reqModeGetPlane, unsafe.Pointer(&g))
	return g, err
}

// ModeSetPlane issues DRM_IOCTL_MODE_SETPLANE.
func ModeSetPlane(d *fd.FD, s *DRMModeSetPlane) error {
	return Ioctl(d, "DRM_IOCTL_MODE_SETPLANE", reqModeSetPlane, unsafe.Pointer(s))
}

// ModeAddFB2 issues DRM_IOCTL_MODE_ADDFB2; the new id is in c.FbID.
func ModeAddFB2(d *fd.FD, c *DRMModeFBCmd2) error {
	return Ioctl(d, "DRM_IOCTL_MODE_ADDFB2", reqModeAddFB2, unsafe.Pointer(c))
}

// ModeObjGetProperties fills props and vals (same length) for object id
// of type typ and returns the kernel's count.
func ModeObjGetProperties(d *fd.FD, id, typ uint32, props []uint32, vals []uint64) (uint32, error) {
	var p runtime.Pinner
	defer p.Unpin()
	n := min(len(props), len(vals))
	g := DRMModeObjGetProperties{ObjID: id, ObjType: typ, PropsPtr: ptr(&p, props[:n]), PropValuesPtr: ptr(&p, vals[:n]), CountProps: uint32(n)}
	err := Ioctl(d, "DRM_IOCTL_MODE_OBJ_GETPROPERTIES", reqModeObjGetProperties, unsafe.Pointer(&g))
	return g.CountProps, err
}

// ModeObjSetProperty sets one property of one object (legacy path).
func ModeObjSetProperty(d *fd.FD, id, typ, prop uint32, value uint64) error {
	s := DRMModeObjSetProperty{ObjID: id, ObjType: typ, PropID: prop, Value: value}
	return Ioctl(d, "DRM_IOCTL_MODE_OBJ_SETPROPERTY", reqModeObjSetProperty, unsafe.Pointer(&s))
}

// AtomicArgs holds the arrays of one DRM_IOCTL_MODE_ATOMIC call. Reuse it
// across commits: its pinner and the kernel struct are kept so that a
// commit allocates nothing.
type AtomicArgs struct {
	Objs   []uint32 // object ids
	Counts []uint32 // properties per object
	Props  []uint32 // property ids, grouped per object
	Values []uint64 // values, parallel to Props

	// FenceAt lists indexes into Values whose value must be the address
	// of an s32 the kernel writes a fence fd into (OUT_FENCE_PTR); the
	// fds written are returned in Fences (-1 when none).
	FenceAt []int
	Fences  []int32

	pin runtime.Pinner
	arg DRMModeAtomic
}

// ModeAtomic issues DRM_IOCTL_MODE_ATOMIC with a's arrays.
func ModeAtomic(d *fd.FD, flags uint32, userData uint64, a *AtomicArgs) error {
	defer a.pin.Unpin()
	for i := range a.Fences {
		a.Fences[i] = -1
	}
	if len(a.FenceAt) > 0 {
		a.pin.Pin(&a.Fences[0])
	}
	for i, at := range a.FenceAt {
		a.Values[at] = uint64(uintptr(unsafe.Pointer(&a.Fences[i])))
	}
	a.arg = DRMModeAtomic{
		Flags: flags, CountObjs: uint32(len(a.Objs)),
		ObjsPtr: ptr(&a.pin, a.Objs), CountPropsPtr: ptr(&a.pin, a.Counts),
		PropsPtr: ptr(&a.pin, a.Props), PropValuesPtr: ptr(&a.pin, a.Values),
		UserData: userData,
	}
	a.pin.Pin(&a.arg)
	return Ioctl(d, "DRM_IOCTL_MODE_ATOMIC", reqModeAtomic, unsafe.Pointer(&a.arg))
}

// DRMEvent is struct drm_event, the header of every event read from a
// DRM device file.
type DRMEvent struct {
	_      structs.HostLayout
	Type   uint32
	Length uint32
}

// DRMEventVblank is struct drm_event_vblank (DRM_EVENT_VBLANK and
// DRM_EVENT_FLIP_COMPLETE).
type DRMEventVblank struct {
	_        structs.HostLayout
	Base     DRMEvent
	UserData uint64
	TvSec    uint32
	TvUsec   uint32
	Sequence uint32
	CrtcID   uint32
}

// DRMEventCrtcSequence is struct drm_event_crtc_sequence.
type DRMEventCrtcSequence struct {
	_        structs.HostLayout
	Base     DRMEvent
	UserData uint64
	TimeNs   int64
	Sequence uint64
}

// decode copies the leading bytes of b into *v; it reports false when b is
// shorter than *v.
func decode[T any](b []byte, v *T) bool {
	n := int(unsafe.Sizeof(*v))
	if len(b) < n {
		return false
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(v)), n), b)
	return true
}

// DecodeEventHeader decodes the struct drm_event at the start of b.
func DecodeEventHeader(b []byte) (h DRMEvent, ok bool) { ok = decode(b, &h); return }

// DecodeEventVblank decodes a struct drm_event_vblank at the start of b.
func DecodeEventVblank(b []byte) (e DRMEventVblank, ok bool) { ok = decode(b, &e); return }

// DecodeEventCrtcSequence decodes a struct drm_event_crtc_sequence at the
// start of b.
func DecodeEventCrtcSequence(b []byte) (e DRMEventCrtcSequence, ok bool) {
	ok = decode(b, &e)
	return
}
