package drm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	nlos "github.com/neurlang/wayland/os"
	dmabuf "github.com/neurlang/wayland/stable/linux-dmabuf-v1"
	"github.com/neurlang/wayland/wl"
	"github.com/neurlang/wayland/wlclient"
	"github.com/neurlang/wayland/xdg"
	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
)

// PlaneClient (exported for the external tests of this package) is a
// small Wayland client (neurlang/wayland) for the plane
// tests: an xdg_toplevel whose buffers have a fixed size, whatever the
// compositor configures (the kiosk placement centres it), filled with
// one solid colour per frame (FrameColor), and optionally a cursor image
// set on pointer enter.
type PlaneClient struct {
	Width, Height int
	Frames        int
	// DMABuf allocates the window's buffers (XRGB8888/LINEAR); nil
	// means wl_shm.
	DMABuf func(w, h int) (*allocator.Buffer, error)
	// Cursor sets cursorImage (32x32 ARGB8888, hotspot cursorHot) on
	// pointer enter.
	Cursor bool

	// set while running
	display    *wl.Display
	registry   *wl.Registry
	compositor *wl.Compositor
	shm        *wl.Shm
	dmabuf     *dmabuf.ZwpDmabufV1
	wm         *xdg.WmBase
	seat       *wl.Seat
	pointer    *wl.Pointer
	surface    *wl.Surface
	xsurface   *xdg.Surface
	toplevel   *xdg.Toplevel
	cursorSurf *wl.Surface
	cursorBuf  *pcBuffer
	bufs       [3]*pcBuffer // a third when the compositor holds two (a frame callback may come before the flip of the last commit)
	n          int
	configured bool
	err        error
	// Enters counts pointer enters (the cursor was set after each).
	Enters atomic.Int32
	// Drawn is how many frames were committed.
	Drawn atomic.Int32
}

type pcBuffer struct {
	buf  *wl.Buffer
	mem  []byte
	dma  *allocator.Buffer
	busy bool
}

func (b *pcBuffer) HandleBufferRelease(wl.BufferReleaseEvent) { b.busy = false }

// FrameColor is the XRGB colour of the plane client's frame n.
func FrameColor(n int) uint32 {
	return 0x203040 + uint32(n%8)*0x1a0c06
}

// The cursor image: an opaque 12x12 square at (2,2) in a transparent
// 32x32 ARGB8888 image whose hotspot is (2,2).
const (
	CursorSize  = 32
	CursorHotX  = 2
	CursorHotY  = 2
	CursorColor = 0xffe01070
)

func CursorPixel(x, y int) uint32 {
	if x >= 2 && x < 14 && y >= 2 && y < 14 {
		return CursorColor
	}
	return 0
}

func (c *PlaneClient) check(err error) {
	if err != nil && c.err == nil {
		c.err = err
	}
}

func (c *PlaneClient) HandleRegistryGlobal(ev wl.RegistryGlobalEvent) {
	switch ev.Interface {
	case "wl_compositor":
		c.compositor = wlclient.RegistryBindCompositorInterface(c.registry, ev.Name, 4)
	case "wl_shm":
		c.shm = wlclient.RegistryBindShmInterface(c.registry, ev.Name, 1)
	case "zwp_linux_dmabuf_v1":
		if c.DMABuf != nil && ev.Version >= 3 {
			c.dmabuf = dmabuf.NewZwpDmabufV1(c.display.Context())
			c.check(c.registry.Bind(ev.Name, ev.Interface, 3, c.dmabuf))
		}
	case "xdg_wm_base":
		c.wm = wlclient.RegistryBindWmBaseInterface(c.registry, ev.Name, 1)
		xdg.WmBaseAddListener(c.wm, c)
	case "wl_seat":
		if c.Cursor {
			c.seat = wlclient.RegistryBindSeatInterface(c.registry, ev.Name, min(ev.Version, 5))
			c.seat.AddCapabilitiesHandler(c)
		}
	}
}

func (c *PlaneClient) HandleRegistryGlobalRemove(wl.RegistryGlobalRemoveEvent) {}
func (c *PlaneClient) HandleWmBasePing(ev xdg.WmBasePingEvent)                 { c.check(c.wm.Pong(ev.Serial)) }
func (c *PlaneClient) HandleToplevelConfigure(xdg.ToplevelConfigureEvent)      {}
func (c *PlaneClient) HandleToplevelClose(xdg.ToplevelCloseEvent)              {}

func (c *PlaneClient) HandleSeatCapabilities(ev wl.SeatCapabilitiesEvent) {
	if ev.Capabilities&wl.SeatCapabilityPointer != 0 && c.pointer == nil {
		p, err := c.seat.GetPointer()
		c.check(err)
		c.pointer = p
		p.AddEnterHandler(c)
	}
}

func (c *PlaneClient) HandlePointerEnter(ev wl.PointerEnterEvent) {
	if c.cursorSurf == nil {
		s, err := c.compositor.CreateSurface()
		c.check(err)
		c.cursorSurf = s
		b, err := c.shmBuffer(CursorSize, CursorSize, wl.ShmFormatArgb8888)
		c.check(err)
		if err != nil {
			return
		}
		c.cursorBuf = b
		for y := 0; y < CursorSize; y++ {
			for x := 0; x < CursorSize; x++ {
				v := CursorPixel(x, y)
				o := y*CursorSize*4 + x*4
				b.mem[o], b.mem[o+1], b.mem[o+2], b.mem[o+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			}
		}
		c.check(s.Attach(b.buf, 0, 0))
		c.check(s.DamageBuffer(0, 0, CursorSize, CursorSize))
		c.check(s.Commit())
	}
	c.check(c.pointer.SetCursor(ev.Serial, c.cursorSurf, CursorHotX, CursorHotY))
	c.Enters.Add(1)
}

func (c *PlaneClient) HandleSurfaceConfigure(ev xdg.SurfaceConfigureEvent) {
	c.check(c.xsurface.AckConfigure(ev.Serial))
	if !c.configured {
		c.configured = true
		c.redraw()
	}
}

func (c *PlaneClient) HandleCallbackDone(wl.CallbackDoneEvent) {
	if c.n < c.Frames {
		c.redraw()
	}
}

func (c *PlaneClient) shmBuffer(w, h int, format uint32) (*pcBuffer, error) {
	size := w * h * 4
	f, err := nlos.CreateAnonymousFile(int64(size))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	pool, err := c.shm.CreatePool(f.Fd(), int32(size))
	if err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	wb, err := pool.CreateBuffer(0, int32(w), int32(h), int32(w*4), format)
	pool.Destroy()
	if err != nil {
		unix.Munmap(mem)
		return nil, err
	}
	b := &pcBuffer{buf: wb, mem: mem}
	wlclient.BufferAddListener(wb, b)
	return b, nil
}

func (c *PlaneClient) dmaBuffer(w, h int) (*pcBuffer, error) {
	if c.dmabuf == nil {
		return nil, errors.New("the compositor offers no zwp_linux_dmabuf_v1 version 3")
	}
	db, err := c.DMABuf(w, h)
	if err != nil {
		return nil, err
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
		return nil, err
	}
	wb := &wl.Buffer{}
	wb.SetId(lb.Id())
	wb.SetContext(lb.Context())
	b := &pcBuffer{buf: wb, dma: db}
	lb.AddReleaseHandler(b)
	return b, nil
}

func (c *PlaneClient) fill(b *pcBuffer, col uint32) {
	paint := func(mem []byte, stride int) {
		for y := 0; y < c.Height; y++ {
			row := mem[y*stride:]
			for x := 0; x < c.Width; x++ {
				row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = byte(col), byte(col>>8), byte(col>>16), 0xff
			}
		}
	}
	if b.dma != nil {
		b.dma.Access(allocator.AccessWrite, func(mem []byte) error {
			paint(mem[b.dma.Planes[0].Offset:], int(b.dma.Planes[0].Stride))
			return nil
		})
		return
	}
	paint(b.mem, c.Width*4)
}

func (c *PlaneClient) redraw() {
	var b *pcBuffer
	for i := range c.bufs {
		if c.bufs[i] == nil {
			var nb *pcBuffer
			var err error
			if c.DMABuf != nil {
				nb, err = c.dmaBuffer(c.Width, c.Height)
			} else {
				nb, err = c.shmBuffer(c.Width, c.Height, wl.ShmFormatXrgb8888)
			}
			if err != nil {
				c.check(err)
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
		c.check(errors.New("all three buffers are still held by the compositor"))
		return
	}
	c.fill(b, FrameColor(c.n))
	c.check(c.surface.Attach(b.buf, 0, 0))
	c.check(c.surface.DamageBuffer(0, 0, int32(c.Width), int32(c.Height)))
	cb, err := c.surface.Frame()
	c.check(err)
	wlclient.CallbackAddListener(cb, c)
	c.check(c.surface.Commit())
	b.busy = true
	c.n++
	c.Drawn.Store(int32(c.n))
}

func (c *PlaneClient) free() {
	for _, b := range append(c.bufs[:], c.cursorBuf) {
		if b == nil {
			continue
		}
		if b.dma != nil {
			b.dma.Close()
		} else if b.mem != nil {
			unix.Munmap(b.mem)
		}
	}
}

// run connects to socket and draws until ctx is done.
func (c *PlaneClient) run(ctx context.Context, socket string) error {
	d, err := wl.Connect(socket)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", socket, err)
	}
	c.display = d
	var mu sync.Mutex
	closed := false
	var stopped atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		stopped.Store(true)
		mu.Lock()
		defer mu.Unlock()
		if !closed {
			d.Sync() // wakes the reader
		}
	})
	defer stop()
	defer func() {
		mu.Lock()
		closed = true
		d.Context().Close()
		mu.Unlock()
		c.free()
	}()
	if c.registry, err = d.GetRegistry(); err != nil {
		return err
	}
	wlclient.RegistryAddListener(c.registry, c)
	if err := wlclient.DisplayRoundtrip(d); err != nil {
		return err
	}
	if c.compositor == nil || c.shm == nil || c.wm == nil {
		return errors.New("the compositor lacks wl_compositor, wl_shm or xdg_wm_base")
	}
	if c.Cursor && c.seat == nil {
		return errors.New("the compositor offers no wl_seat")
	}
	if c.surface, err = c.compositor.CreateSurface(); err != nil {
		return err
	}
	if c.xsurface, err = c.wm.GetSurface(c.surface); err != nil {
		return err
	}
	c.xsurface.AddListener(c)
	if c.toplevel, err = c.xsurface.GetToplevel(); err != nil {
		return err
	}
	xdg.ToplevelAddListener(c.toplevel, c)
	c.check(c.surface.Commit())
	for c.err == nil && !stopped.Load() {
		if err := pcDispatch(d); err != nil && !errors.Is(err, wl.ErrContextRunProxyNil) && !stopped.Load() {
			c.check(err)
		}
	}
	if stopped.Load() {
		return nil
	}
	return c.err
}

func pcDispatch(d *wl.Display) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("connection closed while dispatching: %v", v)
		}
	}()
	return d.Context().Run()
}

// Start runs the client on socket until the test ends.
func (c *PlaneClient) Start(t *testing.T, socket string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.run(ctx, socket) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("plane client: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("plane client did not stop")
		}
	})
}
