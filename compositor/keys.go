package compositor

import (
	"fmt"
	"image"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
)

// bufferKey is what the compositor remembers of a client buffer for the
// renderer: the Key its import or upload is cached under, and the part of
// the buffer that changed since it was last drawn (for shm uploads).
type bufferKey struct {
	key     uint64
	buf     *protocol.Buffer
	surface *protocol.Surface
	dirty   Damage            // buffer pixels changed since last drawn
	fresh   bool              // never drawn, or changed in ways damage cannot say
	dma     *allocator.Buffer // a dma-buf's planes, duplicated once
}

// DMABuf returns the allocator view of a client dma-buf buffer, created
// once per buffer (its descriptors are duplicated and closed when the
// buffer is forgotten). Call it with the lock held.
func (c *Compositor) DMABuf(b *protocol.Buffer) (*allocator.Buffer, error) {
	k := c.key(b, nil)
	return k.dmabuf()
}

func (k *bufferKey) dmabuf() (*allocator.Buffer, error) {
	if k.dma != nil {
		return k.dma, nil
	}
	a := k.buf.DMABUF()
	if a == nil {
		return nil, fmt.Errorf("wl_buffer is %v, not a dma-buf", k.buf.Kind())
	}
	d := allocator.Desc{Width: int(a.Width), Height: int(a.Height), Format: a.Format, Modifier: a.Modifier}
	for i, p := range a.Planes {
		f, err := p.FD.Dup()
		if err != nil {
			for _, q := range d.Planes {
				q.FD.Close()
			}
			return nil, fmt.Errorf("dup dma-buf plane %d of a %dx%d %v buffer: %w", i, a.Width, a.Height, a.Format, err)
		}
		d.Planes = append(d.Planes, allocator.Plane{FD: f, Offset: p.Offset, Stride: p.Stride})
	}
	b, err := allocator.NewBuffer(d, allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: "client"})
	if err != nil {
		return nil, err
	}
	k.dma = b
	return b, nil
}

// addBufferDamage records a commit of x in every buffer of x: what changed
// on the surface since a buffer was last drawn is what that buffer's
// upload must refresh.
func (k *bufferKey) addBufferDamage(x *protocol.Surface, sd, bd []protocol.Rect) {
	if x.Transform() != 0 {
		k.fresh = true
		return
	}
	sc := int(max(x.Scale(), 1))
	for _, r := range sd {
		k.dirty.Add(image.Rect(int(r.X)*sc, int(r.Y)*sc, (int(r.X)+int(r.W))*sc, (int(r.Y)+int(r.H))*sc))
	}
	for _, r := range bd {
		k.dirty.Add(rect(r))
	}
}

func (c *Compositor) key(b *protocol.Buffer, s *protocol.Surface) *bufferKey {
	if k, ok := c.keys[b]; ok {
		if s != nil {
			k.surface = s
		}
		return k
	}
	var k *bufferKey
	if n := len(c.keyFree); n > 0 {
		k, c.keyFree = c.keyFree[n-1], c.keyFree[:n-1]
	} else {
		k = new(bufferKey)
	}
	c.nextKey++
	*k = bufferKey{key: c.nextKey<<8 | 0x5c, buf: b, surface: s, fresh: true}
	c.keys[b] = k
	return k
}

// pruneKeys forgets buffers the client destroyed and no surface shows.
func (c *Compositor) pruneKeys() {
	for b, k := range c.keys {
		if !b.Destroyed() || c.shown(b) {
			continue
		}
		for _, r := range c.renderers {
			r.Forget(k.key)
		}
		delete(c.keys, b)
		if k.dma != nil {
			k.dma.Close()
		}
		*k = bufferKey{}
		c.keyFree = append(c.keyFree, k)
	}
}

func (c *Compositor) shown(b *protocol.Buffer) bool {
	for _, o := range c.outputs {
		for i := range o.scene {
			if o.scene[i].buf == b {
				return true
			}
		}
		if o.cursorOn && o.cursor.buf == b {
			return true
		}
	}
	return false
}

func (c *Compositor) noteRenderer(r render.Renderer) {
	for _, x := range c.renderers {
		if x == r {
			return
		}
	}
	c.renderers = append(c.renderers, r)
}

// ForgetRenderer stops the compositor from calling Forget on r (before
// the backend closes it).
func (c *Compositor) ForgetRenderer(r render.Renderer) {
	for i, x := range c.renderers {
		if x == r {
			c.renderers = append(c.renderers[:i], c.renderers[i+1:]...)
			return
		}
	}
}

// drawScratch holds what Draw receives by pointer, so a frame allocates
// nothing.
type drawScratch struct {
	img  render.Image
	src  render.Source
	quad render.Quad
	err  error
	r    render.Renderer
}

func (c *Compositor) drawBuffer(r render.Renderer, k *bufferKey, b *protocol.Buffer, q *render.Quad) error {
	sc := &c.scratch
	sc.quad, sc.r, sc.err = *q, r, nil
	sc.src = render.Source{Key: k.key}
	if !k.fresh {
		sc.src.Damage = k.dirty.Rects()
		if len(sc.src.Damage) == 0 {
			sc.src.Damage = noDamage
		}
	}
	switch b.Kind() {
	case protocol.SHMBuffer:
		w, h := b.Size()
		sc.img = render.Image{Format: b.Format(), Width: w, Height: h, Stride: b.Stride()}
		sc.src.Image = &sc.img
		if err := b.AccessSHM(c.drawSHM); err != nil {
			return err
		}
	case protocol.DMABUFBuffer:
		db, err := k.dmabuf()
		if err != nil {
			return err
		}
		sc.src.DMABuf = db
		sc.err = r.Draw(&sc.src, &sc.quad)
	default:
		return fmt.Errorf("buffer kind %v cannot be drawn", b.Kind())
	}
	sc.img.Pix, sc.src.Image, sc.src.DMABuf = nil, nil, nil
	if sc.err == nil {
		k.dirty.Reset()
		k.fresh = false
	}
	return sc.err
}

// noDamage is a non-nil empty damage list: "nothing changed".
var noDamage = make([]image.Rectangle, 0)

func (c *Compositor) drawSHMPixels(pix []byte, stride int) {
	sc := &c.scratch
	sc.img.Pix, sc.img.Stride = pix, stride
	sc.err = sc.r.Draw(&sc.src, &sc.quad)
}
