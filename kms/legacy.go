package kms

import (
	"github.com/go-scanout/scanout/internal/uapi"
)

// The legacy (pre-atomic) mode-setting path, for drivers without atomic
// support. Each call changes one thing and takes effect on its own.

// SetCRTC sets a mode on crtc showing framebuffer fb from (x, y) on the
// connectors (DRM_IOCTL_MODE_SETCRTC). A nil mode (with fb 0 and no
// connectors) turns the CRTC off.
func (d *Device) SetCRTC(crtc, fb uint32, x, y uint32, connectors []uint32, mode *Mode) error {
	c := uapi.DRMModeCrtc{CrtcID: crtc, FbID: fb, X: x, Y: y}
	if mode != nil {
		c.Mode, c.ModeValid = mode.uapi(), 1
	}
	err := uapi.ModeSetCrtc(d.fd, &c, connectors)
	return d.masterHint(uapi.WithObjects(err, "CRTC %d, fb %d, connectors %v", crtc, fb, connectors))
}

// PageFlip schedules fb to replace crtc's framebuffer at the next vblank
// (DRM_IOCTL_MODE_PAGE_FLIP). With event true an EventFlipComplete
// carrying userData follows. EBUSY means the previous flip is pending.
func (d *Device) PageFlip(crtc, fb uint32, event bool, userData uint64) error {
	f := uapi.DRMModeCrtcPageFlip{CrtcID: crtc, FbID: fb, UserData: userData}
	if event {
		f.Flags |= uapi.DRM_MODE_PAGE_FLIP_EVENT
	}
	err := uapi.ModePageFlip(d.fd, &f)
	return d.masterHint(uapi.WithObjects(err, "CRTC %d, fb %d", crtc, fb))
}

// SetPlane shows fb on plane at dst on crtc, reading the src rectangle in
// pixels (DRM_IOCTL_MODE_SETPLANE). fb 0 disables the plane.
func (d *Device) SetPlane(plane, crtc, fb uint32, dst, src Rect) error {
	s := uapi.DRMModeSetPlane{
		PlaneID: plane, CrtcID: crtc, FbID: fb,
		CrtcX: dst.X, CrtcY: dst.Y, CrtcW: dst.W, CrtcH: dst.H,
		SrcX: uint32(src.X) << 16, SrcY: uint32(src.Y) << 16, SrcW: src.W << 16, SrcH: src.H << 16,
	}
	err := uapi.ModeSetPlane(d.fd, &s)
	return d.masterHint(uapi.WithObjects(err, "plane %d, CRTC %d, fb %d", plane, crtc, fb))
}

// SetCursor sets the cursor image of crtc to the buffer handle (a GEM
// handle of width x height ARGB8888 pixels; 0 hides the cursor).
func (d *Device) SetCursor(crtc, handle, width, height uint32) error {
	c := uapi.DRMModeCursor{Flags: uapi.DRM_MODE_CURSOR_BO, CrtcID: crtc, Handle: handle, Width: width, Height: height}
	err := uapi.ModeCursor(d.fd, &c)
	return d.masterHint(uapi.WithObjects(err, "CRTC %d, cursor handle %d %dx%d", crtc, handle, width, height))
}

// SetCursorHotspot is SetCursor with the image's hotspot, which
// virtualised drivers (virtio-gpu, vmwgfx, qxl) pass to the host.
func (d *Device) SetCursorHotspot(crtc, handle, width, height uint32, hotX, hotY int32) error {
	c := uapi.DRMModeCursor2{Flags: uapi.DRM_MODE_CURSOR_BO, CrtcID: crtc, Handle: handle, Width: width, Height: height, HotX: hotX, HotY: hotY}
	err := uapi.ModeCursor2(d.fd, &c)
	return d.masterHint(uapi.WithObjects(err, "CRTC %d, cursor handle %d %dx%d", crtc, handle, width, height))
}

// MoveCursor moves crtc's cursor so its top-left corner is at (x, y).
func (d *Device) MoveCursor(crtc uint32, x, y int32) error {
	c := uapi.DRMModeCursor{Flags: uapi.DRM_MODE_CURSOR_MOVE, CrtcID: crtc, X: x, Y: y}
	err := uapi.ModeCursor(d.fd, &c)
	return d.masterHint(uapi.WithObjects(err, "CRTC %d, cursor at %d,%d", crtc, x, y))
}
