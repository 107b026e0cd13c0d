package drm

import (
	"errors"
	"fmt"

	"github.com/go-scanout/scanout/kms"
)

// savedState is what the CRTC showed before the backend took it over.
type savedState struct {
	valid     bool
	mode      *kms.Mode
	fb        uint32 // primary plane framebuffer
	connCRTC  uint64 // the connector's CRTC_ID
	planeCRTC uint32
}

func (b *Backend) save() error {
	c, err := b.dev.CRTC(b.crtc, nil)
	if err != nil {
		return err
	}
	b.saved = savedState{valid: true, mode: c.Mode, fb: b.primary.FBID, planeCRTC: b.primary.CRTCID}
	if v, ok := b.conn.Props.Value("CRTC_ID"); ok {
		b.saved.connCRTC = v
	}
	return nil
}

// restore puts the saved configuration back, or turns the CRTC off when
// the saved one cannot be shown any more (its owner removed the
// framebuffer).
func (b *Backend) restore() error {
	if !b.saved.valid || b.dev == nil {
		return nil
	}
	req := b.dev.NewAtomicRequest()
	defer req.Close()
	s := b.saved
	if s.mode != nil && s.fb != 0 && s.connCRTC == uint64(b.crtc) {
		full := kms.Rect{W: uint32(s.mode.HDisplay), H: uint32(s.mode.VDisplay)}
		req.SetMode(b.crtc, s.mode).Set(b.conn.ID, "CRTC_ID", uint64(b.crtc)).SetPlane(b.primary.ID, b.crtc, s.fb, full, full)
		b.disableOthers(req)
		for _, id := range b.detach {
			req.Set(id, "CRTC_ID", 0)
		}
		if err := req.Commit(kms.AtomicAllowModeset, 0); err == nil {
			return nil
		}
		req.Reset()
	}
	req.SetMode(b.crtc, nil).Set(b.conn.ID, "CRTC_ID", 0).DisablePlane(b.primary.ID)
	b.disableOthers(req)
	for _, id := range b.detach {
		req.Set(id, "CRTC_ID", 0)
	}
	if err := req.Commit(kms.AtomicAllowModeset, 0); err != nil {
		return fmt.Errorf("drm: restore CRTC %d: %w", b.crtc, err)
	}
	return nil
}

// disableOthers turns off the overlay and cursor planes the backend may
// have used.
func (b *Backend) disableOthers(req *kms.AtomicRequest) {
	for _, hp := range b.overlays {
		req.DisablePlane(hp.p.ID)
	}
	if b.cursor != nil {
		req.DisablePlane(b.cursor.ID)
	}
}

// Close stops using the display: it restores the CRTC as it was found,
// releases the swapchain and imported buffers, drops DRM master and closes
// the device. The frame loop must have returned (cancel Run's context
// first). Idempotent.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	if b.out != nil {
		errs = append(errs, b.restore())
	}
	// Give back the client buffers still on screen or queued for a flip:
	// a locked buffer keeps its dma-buf descriptors even after the client
	// destroyed it (the leak check in TestMain caught exactly that).
	release := func() {
		l := &b.loop
		if l.shown.valid {
			l.shown.unlock()
		}
		if l.pending.valid {
			l.pending.unlock()
		}
		l.shown, l.pending, l.next = frameState{}, frameState{}, frameState{}
	}
	if b.c != nil {
		b.c.Do(release)
	} else {
		release()
	}
	b.forgetDirect(true)
	b.chain.free(b)
	b.freeCursor()
	if b.r != nil {
		if b.c != nil {
			b.c.Do(func() { b.c.ForgetRenderer(b.r) })
		}
		errs = append(errs, b.r.Close())
	}
	if b.loop.req != nil {
		b.loop.req.Close()
	}
	if b.loop.hotplug != nil {
		b.loop.hotplug.Close()
	}
	if b.dev != nil {
		b.dev.DropMaster()
		errs = append(errs, b.dev.Close())
	}
	return errors.Join(errs...)
}
