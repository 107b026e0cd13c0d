// Package kms is a KMS (kernel mode setting) client in pure Go, over
// golang.org/x/sys/unix: what a compositor needs to know about and drive
// the display hardware, without libdrm and without cgo.
//
// # Devices
//
// Discover lists the DRM devices from sysfs, pairing each card node
// (/dev/dri/cardN: mode setting, dumb buffers) with the render node
// (/dev/dri/renderDN) of the same parent device, naming the driver with
// DRM_IOCTL_VERSION (sysfs does not know the driver of platform devices
// such as vkms and vgem) and classifying it as display+render,
// display-only (vkms; vc4 on a Raspberry Pi 4) or render-only (vgem, v3d).
// Open opens one node; Caps and Cap read device capabilities;
// EnableAtomic sets the client capabilities (universal planes, atomic,
// writeback connectors, cursor hotspot); IsMaster, SetMaster and
// DropMaster manage DRM master.
//
// # Resources
//
// Resources lists CRTC, connector, encoder and plane ids. Connector,
// Encoder, CRTC and Plane read one object each, with its properties and
// their metadata (Property: range, signed range, enum, bitmask, blob,
// object). Connectors carry their kernel names ("HDMI-A-1", "Virtual-1",
// "Writeback-1"), modes and EDID. Planes carry their type, possible
// CRTCs, formats and the IN_FORMATS blob parsed into format -> modifiers
// (ParseInFormats), zpos, rotation, alpha, blend modes and
// FB_DAMAGE_CLIPS. Every count-then-fill ioctl is retried when a hotplug
// changes the counts between the two calls.
//
// # Buffers
//
// CreateDumb, MapDumb and DestroyDumb manage dumb buffers;
// PrimeFDToHandle imports a dma-buf and PrimeHandleToFD exports one.
// GEM handles are reference-counted per Device: the kernel gives the same
// handle for every import of one dma-buf, so each PrimeFDToHandle must be
// matched by one CloseHandle, and closing one owner's handle never pulls
// the buffer from under another. AddFB2 makes a framebuffer (explicit
// modifiers, up to four planes); RemoveFB removes it.
//
// # Presenting
//
// AtomicRequest builds an atomic commit by property name, with property
// ids cached per object and a sticky error, so a request can be built
// without checking every step:
//
//	req := dev.NewAtomicRequest()
//	req.SetMode(crtc, &mode).Set(conn, "CRTC_ID", uint64(crtc))
//	req.SetPlane(primary, crtc, fb, kms.Rect{W: w, H: h}, kms.Rect{W: w, H: h})
//	if err := req.Commit(kms.AtomicTestOnly|kms.AtomicAllowModeset, 0); err != nil {
//		// the driver refused; err names the objects and says why
//	}
//
// Commit flags select TEST_ONLY, NONBLOCK, ALLOW_MODESET and
// PAGE_FLIP_EVENT; OutFence and InFence use sync_files. ReadEvents waits
// on Go's runtime poller (no thread blocked) and delivers page-flip and
// vblank events with their sequence numbers and CLOCK_MONOTONIC
// timestamps; Close unblocks it. SetCRTC, PageFlip, SetPlane, SetCursor
// and MoveCursor form the legacy path for drivers without atomic.
//
// # Writeback
//
// Writeback captures what a CRTC really produced through a writeback
// connector (vkms has one), which is how scanout's tests check what a
// display would show. See docs/kms.md.
//
// # Errors
//
// Ioctl failures are *uapi.Error values naming the ioctl, the device
// path and the objects involved, with a hint when the cause is common
// (not DRM master, a render node asked to mode-set, a device refusing an
// imported buffer's memory). They unwrap to the errno:
// errors.Is(err, unix.ENODEV) works.
//
// A Device is safe for concurrent use; an AtomicRequest or a Writeback
// belongs to one goroutine at a time.
package kms
