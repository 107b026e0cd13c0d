package drm

import (
	"fmt"
	"image"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/protocol"
)

// Cursor plane buffers.
const (
	// cursorBuffers is the cursor swapchain length: the buffer on screen
	// is never written, and a copy made for a configuration TEST_ONLY
	// refused stays usable.
	cursorBuffers = 3
	// defaultCursorSize is used when the driver does not say
	// (DRM_CAP_CURSOR_WIDTH/HEIGHT read 0).
	defaultCursorSize = 64
	// maxCursorSize bounds the cursor buffers (vkms announces 512x512;
	// cursor images are 24 to 64 pixels, 128 on HiDPI screens).
	maxCursorSize = 256
)

// cursorBuf is one cursor-plane buffer: a dumb buffer of the cursor
// size, mapped, and the client image it holds.
type cursorBuf struct {
	dumb    kms.DumbBuffer
	fb      uint32
	mem     []byte
	src     *protocol.Buffer  // the client buffer copied in
	surface *protocol.Surface // its surface
	commits uint64            // the surface's commit count at the copy
	used    image.Rectangle   // the part written by the last copy (the rest is transparent)
}

// cursorChain is the cursor plane's buffers (empty: no cursor plane).
type cursorChain struct {
	bufs []*cursorBuf
	w, h int
	// copy parameters for copyFn (a method value made once, so AccessSHM
	// gets no new closure per copy)
	copyFn       func(pix []byte, stride int)
	dst          *cursorBuf
	sw, sh       int
	opaque       bool
	copied       int
	copies       uint64
	bytesWritten uint64
}

// allocCursor allocates the cursor swapchain (dumb ARGB8888 buffers of
// the size the driver announces, at most maxCursorSize). A failure
// leaves the cursor composited and says why in the report.
func (b *Backend) allocCursor() {
	if b.cursor == nil {
		return
	}
	cc := &b.curs
	cc.w, cc.h = int(b.caps.CursorWidth), int(b.caps.CursorHeight)
	if cc.w <= 0 || cc.h <= 0 {
		cc.w, cc.h = defaultCursorSize, defaultCursorSize
	}
	cc.w, cc.h = min(cc.w, maxCursorSize), min(cc.h, maxCursorSize)
	cc.copyFn = b.copyCursor
	if !b.caps.DumbBuffer {
		b.cursorNote = fmt.Sprintf("cursor plane %d unused: %s has no dumb buffers for cursor images; the cursor is composited", b.cursor.ID, b.dev.Path())
		return
	}
	for i := range cursorBuffers {
		cb, err := b.newCursorBuf()
		if err != nil {
			b.freeCursor()
			b.cursorNote = fmt.Sprintf("cursor plane %d unused: cursor buffer %d (%dx%d ARGB8888): %v; the cursor is composited", b.cursor.ID, i, cc.w, cc.h, err)
			return
		}
		cc.bufs = append(cc.bufs, cb)
	}
	hot := ""
	if b.cur.hot {
		hot = ", hotspot properties set (CURSOR_PLANE_HOTSPOT)"
	}
	b.cursorNote = fmt.Sprintf("cursor plane %d: %d x %dx%d ARGB8888 dumb buffers%s; a client cursor (shm, at most %dx%d) is copied once per new image and moved without copies",
		b.cursor.ID, len(cc.bufs), cc.w, cc.h, hot, cc.w, cc.h)
}

func (b *Backend) newCursorBuf() (*cursorBuf, error) {
	cc := &b.curs
	cb := &cursorBuf{}
	var err error
	if cb.dumb, err = b.dev.CreateDumb(uint32(cc.w), uint32(cc.h), 32); err != nil {
		return nil, err
	}
	if cb.mem, err = b.dev.MapDumb(cb.dumb); err != nil {
		b.dev.DestroyDumb(cb.dumb.Handle)
		return nil, err
	}
	clear(cb.mem)
	cb.fb, err = b.dev.AddFB2(kms.Framebuffer{Width: uint32(cc.w), Height: uint32(cc.h), Format: allocator.ARGB8888,
		Modifier: allocator.ModifierLinear, NoModifier: !b.caps.AddFB2Modifiers,
		Planes: []kms.FBPlane{{Handle: cb.dumb.Handle, Pitch: cb.dumb.Pitch}}})
	if err != nil {
		unix.Munmap(cb.mem)
		b.dev.DestroyDumb(cb.dumb.Handle)
		return nil, err
	}
	if b.c != nil {
		b.c.Stats().Allocated.Add(1)
	}
	return cb, nil
}

func (b *Backend) freeCursor() {
	for _, cb := range b.curs.bufs {
		if cb.fb != 0 {
			b.dev.RemoveFB(cb.fb)
		}
		if cb.mem != nil {
			unix.Munmap(cb.mem)
		}
		b.dev.DestroyDumb(cb.dumb.Handle)
	}
	b.curs.bufs = nil
}

// cursorFits reports whether the cursor element can go on the cursor
// plane: an shm image in ARGB8888 or XRGB8888, drawn 1:1, no larger than
// the cursor buffers, not refused by the plane before.
func (b *Backend) cursorFits(e *compositor.Element) bool {
	if len(b.curs.bufs) == 0 || !e.Exact || e.Buffer.Kind() != protocol.SHMBuffer {
		return false
	}
	if f := e.Buffer.Format(); f != allocator.ARGB8888 && f != allocator.XRGB8888 {
		return false
	}
	w, h := e.Buffer.Size()
	if w > b.curs.w || h > b.curs.h || e.Src != image.Rect(0, 0, w, h) {
		return false
	}
	d, ok := b.loop.direct[e.Buffer]
	return !ok || d.refusedOn&(1<<slotCursor) == 0
}

// cursorImage returns a cursor buffer holding e's current image, copying
// it into a buffer that is not on screen when no buffer holds it yet (the
// cursor surface committed a new buffer or new contents). nil: the copy
// failed.
func (b *Backend) cursorImage(e *compositor.Element) *cursorBuf {
	cc := &b.curs
	commits := e.Surface.Commits()
	var dst *cursorBuf
	for _, cb := range cc.bufs {
		if cb.src == e.Buffer && cb.surface == e.Surface && cb.commits == commits {
			return cb
		}
		if cb != b.loop.shown.cb && cb != b.loop.pending.cb && (dst == nil || dst.src != nil && cb.src == nil) {
			dst = cb
		}
	}
	if dst == nil {
		return nil
	}
	w, h := e.Buffer.Size()
	cc.dst, cc.sw, cc.sh, cc.opaque, cc.copied = dst, w, h, e.Buffer.Format() == allocator.XRGB8888, 0
	dst.src = nil // holds nothing valid until the copy is done
	if err := e.Buffer.AccessSHM(cc.copyFn); err != nil {
		b.log("drm: copy the cursor image: %v (compositing the cursor)", err)
		return nil
	}
	dst.src, dst.surface, dst.commits = e.Buffer, e.Surface, commits
	cc.copies++
	cc.bytesWritten += uint64(cc.copied)
	b.c.Stats().BytesCopied.Add(uint64(cc.copied))
	return dst
}

// copyCursor copies the cursor image (cc.sw x cc.sh) into cc.dst and
// clears what the previous image left outside it; cc.copied counts the
// bytes written. It runs inside Buffer.AccessSHM.
func (b *Backend) copyCursor(pix []byte, stride int) {
	cc := &b.curs
	cb := cc.dst
	pitch := int(cb.dumb.Pitch)
	w, h := cc.sw, cc.sh
	n := 0
	old := cb.used
	for y := old.Min.Y; y < old.Max.Y; y++ {
		row := cb.mem[y*pitch:]
		switch {
		case y >= h:
			clear(row[old.Min.X*4 : old.Max.X*4])
			n += old.Dx() * 4
		case old.Max.X > w:
			clear(row[w*4 : old.Max.X*4])
			n += (old.Max.X - w) * 4
		}
	}
	for y := range h {
		d := cb.mem[y*pitch : y*pitch+w*4]
		copy(d, pix[y*stride:y*stride+w*4])
		if cc.opaque {
			for x := 3; x < len(d); x += 4 {
				d[x] = 0xff
			}
		}
	}
	n += w * h * 4
	cb.used = image.Rect(0, 0, w, h)
	cc.copied = n
}
