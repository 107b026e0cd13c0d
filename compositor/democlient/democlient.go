// Package democlient is the built-in Wayland client of cmd/compositor-demo
// and of the compositor's tests: a wl_shm client, written on
// github.com/neurlang/wayland, that asks for an xdg_toplevel, draws a
// deterministic animated test pattern at the size the compositor
// configures, and damages only what changed from one frame to the next.
//
// Frame n is a function of the size and n alone (see Pattern), so a
// screenshot of frame n can be compared with a reference image.
package democlient

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"sync"
	"sync/atomic"
	"time"

	nlos "github.com/neurlang/wayland/os"
	dmabuf "github.com/neurlang/wayland/stable/linux-dmabuf-v1"
	"github.com/neurlang/wayland/wl"
	"github.com/neurlang/wayland/wlclient"
	"github.com/neurlang/wayland/xdg"
	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
)

// Options configure Run.
type Options struct {
	// Socket is the WAYLAND_DISPLAY name (in $XDG_RUNTIME_DIR); empty
	// means $WAYLAND_DISPLAY.
	Socket string
	// Frames is how many frames to draw before exiting; 0 draws until
	// the context is done or the compositor goes away.
	Frames int
	// Width and Height are used when the compositor leaves the size to
	// the client (configure 0x0); default 640x480.
	Width, Height int
	// Title is the xdg_toplevel title (default "scanout demo").
	Title string
	// DMABuf, when set, makes the client draw into dma-bufs it
	// allocates itself (for example from the DMA heap the compositor's
	// scanout tranche points at) and share them through
	// zwp_linux_dmabuf_v1 instead of wl_shm. The buffers must be
	// single-plane XRGB8888 with the LINEAR modifier.
	DMABuf func(width, height int) (*allocator.Buffer, error)
	// Hold keeps the window shown, without drawing, after Frames frames
	// until ctx is done (for measuring an idle compositor).
	Hold bool
}

// Stats are what Run did.
type Stats struct {
	Frames        int // buffers committed
	Width, Height int // last size
}

// SquareSize is the side of the moving square.
const SquareSize = 96

// square returns where frame n's square is.
func square(w, h, n int) image.Rectangle {
	span := max(w-SquareSize, 1)
	x := (n * 8) % (2 * span)
	if x >= span {
		x = 2*span - x
	}
	y := max((h-SquareSize)/2, 0)
	return image.Rect(x, y, x+SquareSize, y+SquareSize).Intersect(image.Rect(0, 0, w, h))
}

// background returns the background colour at (x, y) as XRGB8888.
func background(w, h, x, y int) uint32 {
	if y < h/8 { // colour bars
		bars := [...]uint32{0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000}
		return bars[x*len(bars)/max(w, 1)]
	}
	r := uint32(x * 255 / max(w-1, 1))
	g := uint32(y * 255 / max(h-1, 1))
	return r<<16 | g<<8 | 0x60
}

func squareColor(n int) uint32 {
	return 0xf0f0f0 - uint32(n%16)*0x0f0000
}

// Pattern returns frame n at w x h, as the client draws it (opaque).
func Pattern(w, h, n int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	sq := square(w, h, n)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := background(w, h, x, y)
			if image.Pt(x, y).In(sq) {
				c = squareColor(n)
			}
			o := y*img.Stride + x*4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = byte(c>>16), byte(c>>8), byte(c), 0xff
		}
	}
	return img
}

type buffer struct {
	c      *client
	buf    *wl.Buffer
	mem    []byte // shm: the mapping; dma-buf: nil (see dma)
	stride int
	dma    *allocator.Buffer
	lb     *dmabuf.Buffer
	busy   bool
	square image.Rectangle // square drawn in it (to erase on reuse)
	drawn  bool
}

func (b *buffer) HandleBufferRelease(wl.BufferReleaseEvent) { b.busy = false }

type client struct {
	opts       Options
	display    *wl.Display
	registry   *wl.Registry
	compositor *wl.Compositor
	shm        *wl.Shm
	dmabuf     *dmabuf.ZwpDmabufV1
	wm         *xdg.WmBase
	surface    *wl.Surface
	xsurface   *xdg.Surface
	toplevel   *xdg.Toplevel
	cb         *wl.Callback

	width, height int // configured
	bw, bh        int // buffers' size
	bufs          [2]*buffer
	n             int // next frame
	prevSquare    image.Rectangle
	configured    bool
	done          bool
	err           error
}

func (c *client) HandleRegistryGlobal(ev wl.RegistryGlobalEvent) {
	switch ev.Interface {
	case "wl_compositor":
		c.compositor = wlclient.RegistryBindCompositorInterface(c.registry, ev.Name, 4)
	case "wl_shm":
		c.shm = wlclient.RegistryBindShmInterface(c.registry, ev.Name, 1)
	case "zwp_linux_dmabuf_v1":
		if c.opts.DMABuf != nil && ev.Version >= 3 {
			c.dmabuf = dmabuf.NewZwpDmabufV1(c.display.Context())
			c.check(c.registry.Bind(ev.Name, ev.Interface, 3, c.dmabuf))
		}
	case "xdg_wm_base":
		c.wm = wlclient.RegistryBindWmBaseInterface(c.registry, ev.Name, 1)
		xdg.WmBaseAddListener(c.wm, c)
	}
}

func (c *client) HandleRegistryGlobalRemove(wl.RegistryGlobalRemoveEvent) {}

func (c *client) HandleWmBasePing(ev xdg.WmBasePingEvent) { c.check(c.wm.Pong(ev.Serial)) }

func (c *client) HandleToplevelConfigure(ev xdg.ToplevelConfigureEvent) {
	c.width, c.height = int(ev.Width), int(ev.Height)
}

func (c *client) HandleToplevelClose(xdg.ToplevelCloseEvent) { c.done = true }

func (c *client) HandleSurfaceConfigure(ev xdg.SurfaceConfigureEvent) {
	c.check(c.xsurface.AckConfigure(ev.Serial))
	if !c.configured {
		c.configured = true
		c.redraw()
	}
}

func (c *client) HandleCallbackDone(wl.CallbackDoneEvent) {
	c.cb = nil
	if c.opts.Frames > 0 && c.n >= c.opts.Frames {
		if !c.opts.Hold {
			c.done = true
		}
		return
	}
	c.redraw()
}

func (c *client) check(err error) {
	if err != nil && c.err == nil {
		c.err = err
	}
}

func (c *client) size() (int, int) {
	w, h := c.width, c.height
	if w <= 0 || h <= 0 {
		w, h = c.opts.Width, c.opts.Height
	}
	return w, h
}

func (c *client) freeBuffers() {
	for i, b := range c.bufs {
		if b == nil {
			continue
		}
		if b.buf != nil {
			b.buf.Destroy()
		}
		if b.dma != nil {
			b.dma.Close()
		} else {
			nlos.Munmap(b.mem)
		}
		c.bufs[i] = nil
	}
}

func (c *client) newBuffer(w, h int) (*buffer, error) {
	if c.opts.DMABuf != nil {
		return c.newDMABuffer(w, h)
	}
	size := w * h * 4
	f, err := nlos.CreateAnonymousFile(int64(size))
	if err != nil {
		return nil, fmt.Errorf("democlient: shm file of %d bytes: %w", size, err)
	}
	defer f.Close()
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("democlient: mmap %d bytes: %w", size, err)
	}
	pool, err := c.shm.CreatePool(f.Fd(), int32(size))
	if err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	wb, err := pool.CreateBuffer(0, int32(w), int32(h), int32(w*4), wl.ShmFormatXrgb8888)
	pool.Destroy()
	if err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	b := &buffer{c: c, buf: wb, mem: mem, stride: w * 4}
	wlclient.BufferAddListener(wb, b)
	return b, nil
}

// newDMABuffer allocates a dma-buf with opts.DMABuf and wraps it in a
// wl_buffer through zwp_linux_buffer_params_v1.create_immed.
func (c *client) newDMABuffer(w, h int) (*buffer, error) {
	if c.dmabuf == nil {
		return nil, errors.New("democlient: the compositor offers no zwp_linux_dmabuf_v1 version 3 or later")
	}
	db, err := c.opts.DMABuf(w, h)
	if err != nil {
		return nil, fmt.Errorf("democlient: allocate %dx%d dma-buf: %w", w, h, err)
	}
	if len(db.Planes) != 1 || db.Format != allocator.XRGB8888 || (db.Modifier != allocator.ModifierLinear && db.Modifier != allocator.ModifierInvalid) {
		db.Close()
		return nil, fmt.Errorf("democlient: %v: want one plane of XRGB8888/LINEAR", db)
	}
	params, err := c.dmabuf.CreateParams()
	if err != nil {
		db.Close()
		return nil, err
	}
	p := db.Planes[0]
	var raw int
	p.FD.Control(func(n int) error { raw = n; return nil })
	mod := uint64(allocator.ModifierLinear)
	err = params.Add(uintptr(raw), 0, p.Offset, p.Stride, uint32(mod>>32), uint32(mod))
	var lb *dmabuf.Buffer
	if err == nil {
		lb, err = params.CreateImmed(int32(w), int32(h), uint32(allocator.XRGB8888), 0)
	}
	params.Destroy()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("democlient: create dma-buf wl_buffer: %w", err)
	}
	// neurlang's create_immed returns its own buffer type; wl_surface.attach
	// wants a *wl.Buffer: the same object id in the same context.
	wb := &wl.Buffer{}
	wb.SetId(lb.Id())
	wb.SetContext(lb.Context())
	b := &buffer{c: c, buf: wb, dma: db, stride: int(p.Stride), lb: lb}
	lb.AddReleaseHandler(b)
	return b, nil
}

// paint draws the pattern of frame n into b, in full the first time and
// then only where the previous square of b and the new square are.
func (c *client) paint(b *buffer, n int) image.Rectangle {
	w, h := c.bw, c.bh
	sq := square(w, h, n)
	area := image.Rect(0, 0, w, h)
	if b.drawn {
		area = b.square.Union(sq)
	}
	col := squareColor(n)
	if b.dma != nil {
		b.dma.Access(allocator.AccessWrite, func(mem []byte) error {
			fill(mem[b.dma.Planes[0].Offset:], b.stride, w, h, area, sq, col)
			return nil
		})
	} else {
		fill(b.mem, b.stride, w, h, area, sq, col)
	}
	b.square, b.drawn = sq, true
	return sq
}

// fill paints area of frame whose square is sq into mem.
func fill(mem []byte, stride, w, h int, area, sq image.Rectangle, col uint32) {
	for y := area.Min.Y; y < area.Max.Y; y++ {
		row := mem[y*stride:]
		for x := area.Min.X; x < area.Max.X; x++ {
			v := background(w, h, x, y)
			if image.Pt(x, y).In(sq) {
				v = col
			}
			row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = byte(v), byte(v>>8), byte(v>>16), 0xff
		}
	}
}

func (c *client) redraw() {
	w, h := c.size()
	if w != c.bw || h != c.bh {
		c.freeBuffers()
		c.bw, c.bh = w, h
		c.prevSquare = image.Rectangle{}
	}
	var b *buffer
	for i := range c.bufs {
		if c.bufs[i] == nil {
			nb, err := c.newBuffer(w, h)
			if err != nil {
				c.check(err)
				c.done = true
				return
			}
			c.bufs[i] = nb
		}
		if !c.bufs[i].busy {
			b = c.bufs[i]
			break
		}
	}
	if b == nil {
		c.check(errors.New("democlient: both buffers are still held by the compositor"))
		c.done = true
		return
	}
	first := !b.drawn
	sq := c.paint(b, c.n)
	c.check(c.surface.Attach(b.buf, 0, 0))
	if first || c.prevSquare.Empty() {
		c.check(c.surface.DamageBuffer(0, 0, int32(w), int32(h)))
	} else {
		d := c.prevSquare.Union(sq)
		c.check(c.surface.DamageBuffer(int32(d.Min.X), int32(d.Min.Y), int32(d.Dx()), int32(d.Dy())))
	}
	cb, err := c.surface.Frame()
	c.check(err)
	c.cb = cb
	wlclient.CallbackAddListener(cb, c)
	c.check(c.surface.Commit())
	b.busy = true
	c.prevSquare = sq
	c.n++
}

// dispatch reads and handles one event. neurlang/wayland panics when its
// connection is closed under a reader; that is reported as an error.
func dispatch(d *wl.Display) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("connection closed while dispatching: %v", v)
		}
	}()
	return d.Context().Run()
}

// Run connects, draws opts.Frames frames (or until ctx is done) and
// disconnects. The caller's environment must have XDG_RUNTIME_DIR set.
func Run(ctx context.Context, opts Options) (Stats, error) {
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 640, 480
	}
	if opts.Title == "" {
		opts.Title = "scanout demo"
	}
	if os.Getenv("XDG_RUNTIME_DIR") == "" {
		return Stats{}, errors.New("democlient: XDG_RUNTIME_DIR is not set (the socket name is relative to it)")
	}
	d, err := wl.Connect(opts.Socket)
	if err != nil {
		return Stats{}, fmt.Errorf("democlient: connect to %q: %w", opts.Socket, err)
	}
	c := &client{opts: opts, display: d}
	// neurlang/wayland reads its connection without a lock when sending,
	// so nothing may close the connection while another goroutine could
	// send. mu serialises the close with the wake-up below.
	var mu sync.Mutex
	closed := false
	closeConn := func() {
		mu.Lock()
		defer mu.Unlock()
		if !closed {
			closed = true
			d.Context().Close()
		}
	}
	defer closeConn()
	// When ctx ends the loop stops at the next event (the compositor keeps
	// sending frame callbacks). If none comes within a grace period, a
	// wl_display.sync round trip wakes the reader.
	var stopped atomic.Bool
	var grace *time.Timer
	stop := context.AfterFunc(ctx, func() {
		stopped.Store(true)
		mu.Lock()
		defer mu.Unlock()
		grace = time.AfterFunc(time.Second, func() {
			mu.Lock()
			defer mu.Unlock()
			if !closed {
				d.Sync()
			}
		})
	})
	defer func() {
		if !stop() {
			mu.Lock()
			if grace != nil {
				grace.Stop()
			}
			mu.Unlock()
		}
	}()

	if c.registry, err = d.GetRegistry(); err != nil {
		return Stats{}, fmt.Errorf("democlient: get registry: %w", err)
	}
	wlclient.RegistryAddListener(c.registry, c)
	if err := wlclient.DisplayRoundtrip(d); err != nil {
		return Stats{}, fmt.Errorf("democlient: roundtrip: %w", err)
	}
	if c.compositor == nil || c.shm == nil || c.wm == nil {
		return Stats{}, errors.New("democlient: the compositor lacks wl_compositor, wl_shm or xdg_wm_base")
	}
	if c.surface, err = c.compositor.CreateSurface(); err != nil {
		return Stats{}, err
	}
	if c.xsurface, err = c.wm.GetSurface(c.surface); err != nil {
		return Stats{}, err
	}
	c.xsurface.AddListener(c)
	if c.toplevel, err = c.xsurface.GetToplevel(); err != nil {
		return Stats{}, err
	}
	xdg.ToplevelAddListener(c.toplevel, c)
	c.check(c.toplevel.SetTitle(opts.Title))
	c.check(c.toplevel.SetAppId("scanout.democlient"))
	c.check(c.surface.Commit())
	for !c.done && c.err == nil && !stopped.Load() {
		if err := dispatch(d); err != nil && !errors.Is(err, wl.ErrContextRunProxyNil) {
			if stopped.Load() {
				c.freeBuffers()
				return Stats{Frames: c.n, Width: c.bw, Height: c.bh}, nil
			}
			c.check(fmt.Errorf("democlient: %w", err))
		}
	}
	if stopped.Load() {
		c.freeBuffers()
		return Stats{Frames: c.n, Width: c.bw, Height: c.bh}, nil
	}
	st := Stats{Frames: c.n, Width: c.bw, Height: c.bh}
	if c.err == nil && c.done {
		// leave cleanly so the compositor sees the toplevel go
		c.toplevel.Destroy()
		c.xsurface.Destroy()
		c.surface.Destroy()
		c.freeBuffers()
		wlclient.DisplayRoundtrip(d)
	} else {
		c.freeBuffers()
	}
	if c.err != nil && ctx.Err() == nil {
		return st, c.err
	}
	return st, nil
}
