package headless

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"sync"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/backend"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/internal/monoclock"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
)

// OutputConfig describes a virtual output.
type OutputConfig struct {
	Name          string // default "HEADLESS-n"
	Width, Height int    // default 1280x720
	// RefreshHz is the frame clock rate; 0 renders on demand.
	RefreshHz float64
}

// Options configure New. A nil *Options means one 1280x720 output
// rendering on demand with the CPU renderer.
type Options struct {
	Outputs []OutputConfig
	// Renderer draws the frames; nil means render.NewCPU(). The backend
	// does not close it.
	Renderer render.Renderer
	// Selection is why the renderer was chosen, for the report.
	Selection string
	// Format of the output images: XRGB8888 (default) or ARGB8888.
	Format allocator.Format
	// Buffers is the swapchain length per output (default 2).
	Buffers int
	// Deterministic uses a virtual clock (see the package doc).
	Deterministic bool
	// Log receives frame errors; nil discards them.
	Log func(format string, args ...any)
}

// Backend is the headless backend.
type Backend struct {
	c       *compositor.Compositor
	opts    Options
	r       render.Renderer
	outs    []*Output
	closeMu sync.Mutex
	closed  bool
	start   time.Time // origin of the outputs' refresh grids
	// startMono is start on CLOCK_MONOTONIC (presentation timestamps).
	startMono time.Duration
}

// Output is one virtual output.
type Output struct {
	b      *Backend
	out    *compositor.Output
	cfg    OutputConfig
	period time.Duration

	images  []*render.Image
	targets []render.Target
	ages    []int
	front   int // index of the last presented image, -1 before the first
	seq     uint64
	wake    chan struct{}

	waiters []*waiter
	errors  uint64
}

type waiter struct {
	pred func() bool
	img  *image.RGBA
	done chan struct{}
}

// New adds the outputs to c. Call Run to start their frame clocks.
func New(c *compositor.Compositor, opts *Options) (*Backend, error) {
	b := &Backend{c: c, start: time.Now(), startMono: protocol.MonotonicNow()}
	if opts != nil {
		b.opts = *opts
	}
	if len(b.opts.Outputs) == 0 {
		b.opts.Outputs = []OutputConfig{{}}
	}
	if b.opts.Format == 0 {
		b.opts.Format = allocator.XRGB8888
	}
	if b.opts.Format != allocator.XRGB8888 && b.opts.Format != allocator.ARGB8888 {
		return nil, fmt.Errorf("headless: output format %v: want XRGB8888 or ARGB8888", b.opts.Format)
	}
	if b.opts.Buffers <= 0 {
		b.opts.Buffers = 2
	}
	b.r = b.opts.Renderer
	if b.r == nil {
		b.r = render.NewCPU()
		if b.opts.Selection == "" {
			b.opts.Selection = "cpu: default of the headless backend"
		}
	}
	for i, oc := range b.opts.Outputs {
		if oc.Name == "" {
			oc.Name = fmt.Sprintf("HEADLESS-%d", i+1)
		}
		if oc.Width == 0 && oc.Height == 0 {
			oc.Width, oc.Height = 1280, 720
		}
		if err := allocator.CheckSize(oc.Width, oc.Height); err != nil {
			return nil, fmt.Errorf("headless: output %s: %w", oc.Name, err)
		}
		if oc.RefreshHz < 0 || oc.RefreshHz > 1000 {
			return nil, fmt.Errorf("headless: output %s: refresh %g Hz: want 0 (on demand) to 1000", oc.Name, oc.RefreshHz)
		}
		o := &Output{b: b, cfg: oc, front: -1, wake: make(chan struct{}, 1)}
		o.period = time.Second / 60
		mhz := 0
		if oc.RefreshHz > 0 {
			o.period = time.Duration(float64(time.Second) / oc.RefreshHz)
			mhz = int(oc.RefreshHz*1000 + 0.5)
		}
		for range b.opts.Buffers {
			img := render.NewImage(b.opts.Format, oc.Width, oc.Height)
			o.images = append(o.images, img)
			o.targets = append(o.targets, render.Target{Key: uint64(len(b.outs)+1)<<32 | uint64(len(o.images)), Image: img})
			o.ages = append(o.ages, 0)
			c.Stats().Allocated.Add(1)
		}
		c.Do(func() {
			o.out = c.AddOutput(compositor.OutputConfig{Name: oc.Name, Description: "scanout headless output",
				Model: "headless", Width: oc.Width, Height: oc.Height, RefreshMilliHz: mhz})
			o.out.SetWake(o.kick)
		})
		b.outs = append(b.outs, o)
	}
	return b, nil
}

// Name returns "headless".
func (b *Backend) Name() string { return "headless" }

// Outputs returns the virtual outputs.
func (b *Backend) Outputs() []*Output { return b.outs }

// Report describes the outputs.
func (b *Backend) Report() backend.Report {
	r := backend.Report{Backend: "headless", Renderer: b.opts.Selection}
	for _, o := range b.outs {
		rate := "on demand"
		if o.cfg.RefreshHz > 0 {
			rate = fmt.Sprintf("%.3f Hz", o.cfg.RefreshHz)
		}
		clock := "wall clock"
		if b.opts.Deterministic {
			clock = "virtual clock (deterministic)"
		}
		r.Outputs = append(r.Outputs, fmt.Sprintf("%s %dx%d, %s, %s", o.cfg.Name, o.cfg.Width, o.cfg.Height, rate, clock))
		r.Planes = append(r.Planes, fmt.Sprintf("%s: composited into %d memory images (%v, %d bytes each), buffer age damage; no KMS plane, so no scanout route to negotiate",
			o.cfg.Name, len(o.images), b.opts.Format, o.images[0].Stride*o.cfg.Height))
	}
	return r
}

func (o *Output) kick() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run runs every output's frame loop until ctx is done.
func (b *Backend) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, o := range b.outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.loop(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (o *Output) loop(ctx context.Context) {
	// The clock ticks only while there is something to show: an idle
	// output sleeps until the compositor kicks it, then presents on the
	// next tick of its refresh grid (as a display presents at the next
	// vblank), so an idle kiosk costs no wake-ups at all. The tick is a
	// timerfd (monoclock.Timer) rather than a Go timer: with no Go timer
	// pending, the runtime's poller sleeps without a timeout, which makes
	// every wake-up by a client cheaper; a Go timer is the fallback.
	var tfd *monoclock.Timer
	if o.cfg.RefreshHz > 0 {
		if t, err := monoclock.NewTimer(); err == nil {
			tfd = t
			defer t.Close()
			go func() { <-ctx.Done(); t.Close() }()
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		o.b.c.Lock()
		need := o.out.NeedsFrame()
		o.b.c.Unlock()
		if !need {
			select {
			case <-ctx.Done():
				return
			case <-o.wake:
			}
			continue
		}
		switch {
		case tfd != nil:
			next, _ := o.nextTick()
			if tfd.ArmAt(o.b.startMono+next) != nil || tfd.Wait() != nil {
				return // closed: ctx is done
			}
		case o.cfg.RefreshHz > 0:
			next, now := o.nextTick()
			timer.Reset(next - now)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		o.b.c.Lock()
		o.frame()
		o.b.c.Unlock()
	}
}

// nextTick returns the next tick of the output's refresh grid (ticks at
// multiples of the period since the backend started) and the current
// time, both as offsets from the start.
func (o *Output) nextTick() (next, now time.Duration) {
	now = time.Since(o.b.start)
	return (now/o.period + 1) * o.period, now
}

// Frame produces one frame now if the output needs one (for callers that
// drive the clock themselves, such as benchmarks; Run does this on every
// tick). Call it with the compositor's lock held. It reports whether a
// frame was presented.
func (o *Output) Frame() bool { return o.frame() }

func (o *Output) frame() bool {
	out := o.out
	if !out.NeedsFrame() {
		return false
	}
	if out.Damaged() {
		i := (o.front + 1) % len(o.images)
		res, err := out.Render(o.b.r, &o.targets[i], o.ages[i])
		if err != nil {
			o.errors++
			if o.b.opts.Log != nil {
				o.b.opts.Log("headless: %v", err)
			}
			o.ages[i] = 0
		} else if res.Drawn {
			for j := range o.ages {
				if o.ages[j] > 0 {
					o.ages[j]++
				}
			}
			o.ages[i] = 1
			o.front = i
		}
	} else {
		out.Skip()
	}
	o.seq++
	var when time.Duration
	msc := o.seq
	switch {
	case o.b.opts.Deterministic:
		when = time.Duration(o.seq) * o.period
	case o.cfg.RefreshHz > 0:
		// presented at the tick that started this frame: a vblank
		// timestamp on the grid, and the tick's number as the MSC
		k := time.Since(o.b.start) / o.period
		when = o.b.startMono + k*o.period
		msc = uint64(k)
	default:
		when = protocol.MonotonicNow()
	}
	var refresh time.Duration
	if o.cfg.RefreshHz > 0 {
		refresh = o.period
	}
	out.Presented(protocol.Presentation{Time: when, Refresh: refresh, Seq: msc}, false)
	if len(o.waiters) > 0 {
		o.checkWaiters()
	}
	return true
}

func (o *Output) checkWaiters() {
	keep := o.waiters[:0]
	for _, w := range o.waiters {
		if w.pred() {
			w.img = o.capture()
			close(w.done)
			continue
		}
		keep = append(keep, w)
	}
	clear(o.waiters[len(keep):])
	o.waiters = keep
}

// Compositor returns the output's compositor side.
func (o *Output) Compositor() *compositor.Output { return o.out }

// Config returns the output's configuration.
func (o *Output) Config() OutputConfig { return o.cfg }

// Frames returns the number of frames presented (call with the lock held).
func (o *Output) Frames() uint64 { return o.seq }

// Errors returns the number of frames that failed to render (with the
// lock held).
func (o *Output) Errors() uint64 { return o.errors }

// Capture returns a copy of the last presented frame (black before the
// first frame). Call it with the compositor's lock held.
func (o *Output) Capture() *image.RGBA { return o.capture() }

func (o *Output) capture() *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, o.cfg.Width, o.cfg.Height))
	if o.front < 0 {
		for i := 3; i < len(dst.Pix); i += 4 {
			dst.Pix[i] = 0xff
		}
		return dst
	}
	src := o.images[o.front]
	opaque := !src.Format.HasAlpha()
	for y := 0; y < src.Height; y++ {
		s := src.Pix[y*src.Stride : y*src.Stride+src.Width*4]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+src.Width*4]
		for x := 0; x < len(s); x += 4 {
			d[x], d[x+1], d[x+2], d[x+3] = s[x+2], s[x+1], s[x], s[x+3]
			if opaque {
				d[x+3] = 0xff
			}
		}
	}
	return dst
}

// CaptureWhen waits until pred, evaluated with the lock held after each
// presented frame (never before the next frame, so a predicate may count
// frames), returns true, and returns that frame. Typical predicates: "the
// toplevel committed its third buffer".
func (o *Output) CaptureWhen(ctx context.Context, pred func() bool) (*image.RGBA, error) {
	w := &waiter{pred: pred, done: make(chan struct{})}
	o.b.c.Do(func() { o.waiters = append(o.waiters, w) })
	select {
	case <-w.done:
		return w.img, nil
	case <-ctx.Done():
		o.b.c.Do(func() {
			for i, x := range o.waiters {
				if x == w {
					o.waiters = append(o.waiters[:i], o.waiters[i+1:]...)
					break
				}
			}
		})
		select {
		case <-w.done:
			return w.img, nil
		default:
		}
		return nil, fmt.Errorf("headless: output %s: no frame matched before %w", o.cfg.Name, context.Cause(ctx))
	}
}

// WritePNG writes img to path as a PNG file.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("headless: write screenshot: %w", err)
	}
	err = png.Encode(f, img)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("headless: write screenshot %s: %w", path, err)
	}
	return nil
}

// Close stops nothing by itself (cancel Run's context); it is idempotent
// and exists to satisfy backend.Backend.
func (b *Backend) Close() error {
	b.closeMu.Lock()
	defer b.closeMu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return nil
}

var _ backend.Backend = (*Backend)(nil)
