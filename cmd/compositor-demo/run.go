package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/backend"
	"github.com/go-scanout/scanout/backend/drm"
	"github.com/go-scanout/scanout/backend/headless"
	"github.com/go-scanout/scanout/backend/input"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/compositor/democlient"
	"github.com/go-scanout/scanout/input/evdev"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
	_ "github.com/go-scanout/scanout/render/gl" // GL renderer when built with -tags gl,egl
)

// config is the parsed command line.
type config struct {
	backend       string
	socket        string
	size          string
	width, height int
	refresh       float64
	frames        int
	duration      time.Duration
	screenshot    string
	captureFrame  int
	deterministic bool
	renderer      string
	device        string
	connector     string
	mode          string
	verbose       bool
	cpuprofile    string
	planCache     string
	clientMemory  string
	input         string
	inputGrab     bool
	touchXform    evdev.Transform
	app           []string
}

func parse(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("compositor-demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: compositor-demo [flags] [-- app args...]\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.backend, "backend", "auto", "auto, drm or headless (auto: drm when a connected display can be driven, else headless)")
	fs.StringVar(&cfg.socket, "socket", "", "Wayland socket name in $XDG_RUNTIME_DIR (default: the first free wayland-N)")
	fs.StringVar(&cfg.size, "size", "1280x720", "headless output size WxH")
	fs.Float64Var(&cfg.refresh, "refresh", 60, "headless refresh rate in Hz; 0 renders on demand")
	fs.IntVar(&cfg.frames, "frames", -1, "exit after this many frames (default: 120 in headless mode with the built-in client, else no limit)")
	fs.DurationVar(&cfg.duration, "duration", 0, "exit after this long (0: no limit)")
	fs.StringVar(&cfg.screenshot, "screenshot", "compositor-demo.png", "headless: write the last frame (or the -capture-frame frame) to this PNG file; empty disables")
	fs.IntVar(&cfg.captureFrame, "capture-frame", 0, "headless: take the screenshot at the N-th frame showing the application, then exit (0: at exit)")
	fs.BoolVar(&cfg.deterministic, "deterministic", false, "headless: virtual clock (frame n presented at n refresh periods), for reproducible screenshots")
	fs.StringVar(&cfg.renderer, "renderer", "", "gl or cpu (default: $SCANOUT_RENDERER, else GL when it works, else CPU)")
	fs.StringVar(&cfg.device, "device", "", "drm: card node to drive (default: the first with a connected connector)")
	fs.StringVar(&cfg.connector, "connector", "", "drm: connector name, e.g. HDMI-A-1 (default: the first connected)")
	fs.StringVar(&cfg.mode, "mode", "", "drm: mode WxH or WxH@Hz (default: the connector's preferred mode)")
	fs.StringVar(&cfg.planCache, "plan-cache", "", "drm: where the scanout plan is cached between runs (default /var/cache/scanout/plan.json; - disables)")
	fs.StringVar(&cfg.clientMemory, "client-memory", "auto", "built-in client's buffers: shm, dmabuf (from the DMA heap the scanout plan chose), or auto (dmabuf on drm when the plan has a heap route)")
	fs.StringVar(&cfg.input, "input", "auto", "auto: use the input devices (/dev/input/event*) that can be opened, and those plugged in later; none: no input")
	fs.BoolVar(&cfg.inputGrab, "input-grab", false, "open input devices exclusively (EVIOCGRAB), so the console does not see the kiosk's keys")
	touchXform := fs.String("touch-transform", "normal", "touch screen mounting: normal, 90, 180, 270, flipped, flipped-90, flipped-180, flipped-270 (as the output transform)")
	fs.BoolVar(&cfg.verbose, "v", false, "log client errors and frame errors")
	fs.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a Go CPU profile of the compositor to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg.app = fs.Args()
	switch cfg.input {
	case "auto", "none":
	default:
		return nil, fmt.Errorf("-input %q: want auto or none", cfg.input)
	}
	xf, err := evdev.ParseTransform(*touchXform)
	if err != nil {
		return nil, fmt.Errorf("-touch-transform: %w", err)
	}
	cfg.touchXform = xf
	switch cfg.backend {
	case "auto", "drm", "headless":
	default:
		return nil, fmt.Errorf("-backend %q: want auto, drm or headless", cfg.backend)
	}
	w, h, ok := parseSize(cfg.size)
	if !ok {
		return nil, fmt.Errorf("-size %q: want WxH, e.g. 1280x720", cfg.size)
	}
	cfg.width, cfg.height = w, h
	if cfg.refresh < 0 {
		return nil, fmt.Errorf("-refresh %g: want 0 (on demand) or a rate in Hz", cfg.refresh)
	}
	return cfg, nil
}

func parseSize(s string) (int, int, bool) {
	a, b, ok := strings.Cut(s, "x")
	if !ok {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return 0, 0, false
	}
	return w, h, true
}

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "compositor-demo: %v\n", err)
		return 2
	}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "compositor-demo: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "compositor-demo: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := demo(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "compositor-demo: %v\n", err)
		return 1
	}
	return 0
}

// runtimeDir makes sure $XDG_RUNTIME_DIR is set (a fresh root shell or a
// container often has none) and returns a cleanup.
func runtimeDir() (func(), error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return func() {}, nil
	}
	d, err := os.MkdirTemp("", "compositor-demo-runtime-")
	if err != nil {
		return nil, fmt.Errorf("XDG_RUNTIME_DIR is unset and a private one could not be made: %w", err)
	}
	os.Setenv("XDG_RUNTIME_DIR", d)
	return func() { os.RemoveAll(d); os.Unsetenv("XDG_RUNTIME_DIR") }, nil
}

func listen(c *compositor.Compositor, name string) (string, error) {
	if name != "" {
		if _, err := c.Listen(name); err != nil {
			return "", err
		}
		return name, nil
	}
	var last error
	for i := 1; i < 64; i++ {
		n := fmt.Sprintf("wayland-%d", i)
		if _, err := c.Listen(n); err != nil {
			last = err
			continue
		}
		return n, nil
	}
	return "", fmt.Errorf("no free wayland-N socket in %s: %w", os.Getenv("XDG_RUNTIME_DIR"), last)
}

func demo(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	cleanup, err := runtimeDir()
	if err != nil {
		return err
	}
	defer cleanup()

	logf := func(string, ...any) {}
	if cfg.verbose {
		logf = func(f string, a ...any) { fmt.Fprintf(stderr, "compositor-demo: "+f+"\n", a...) }
	}
	devices := listDevices()

	var (
		c    *compositor.Compositor
		be   backend.Backend
		hb   *headless.Backend
		why  string
		rsel render.Selection
		r    render.Renderer
	)
	newCompositor := func(fb *protocol.DMABUFFeedback) error {
		c, err = compositor.New(&compositor.Options{Protocol: &protocol.Options{
			SHMFormats: render.MemoryFormats(), DMABUF: fb, Log: logf}})
		return err
	}
	if cfg.backend != "headless" {
		db, derr := openDRM(ctx, cfg, newCompositor, &c, logf)
		switch {
		case derr == nil:
			be, why = db, "a connected display can be driven"
			if cfg.backend == "drm" {
				why = "-backend drm"
			}
		case cfg.backend == "drm":
			return fmt.Errorf("-backend drm: %w", derr)
		default:
			why = "auto: DRM unusable: " + derr.Error()
		}
	} else {
		why = "-backend headless"
	}
	if be == nil {
		r, rsel, err = render.New(&render.Options{Force: cfg.renderer})
		if err != nil {
			return err
		}
		defer r.Close()
		if err := newCompositor(nil); err != nil {
			return err
		}
		hb, err = headless.New(c, &headless.Options{
			Outputs:       []headless.OutputConfig{{Width: cfg.width, Height: cfg.height, RefreshHz: cfg.refresh}},
			Renderer:      r,
			Selection:     rsel.String(),
			Deterministic: cfg.deterministic,
			Log:           logf,
		})
		if err != nil {
			c.Close()
			return err
		}
		be = hb
	}
	defer c.Close()
	defer be.Close()

	sock, err := listen(c, cfg.socket)
	if err != nil {
		return err
	}
	rep := be.Report()
	if rep.Why == "" {
		rep.Why = why
	}
	rep.Devices = append(devices, rep.Devices...)
	fmt.Fprint(stdout, rep.String())
	if cfg.input == "auto" {
		seat, err := input.Start(c, &input.Options{Grab: cfg.inputGrab, TouchTransform: cfg.touchXform, Log: logf})
		if err != nil {
			return err
		}
		defer seat.Close()
		fmt.Fprint(stdout, seat.Report())
	}
	fmt.Fprintf(stdout, "wayland socket: %s/%s\n", os.Getenv("XDG_RUNTIME_DIR"), sock)

	started := time.Now()
	runCtx, cancelRun := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Add(1)
	go func() { defer wg.Done(); runErr = be.Run(runCtx) }()
	defer func() { cancelRun(); wg.Wait() }()

	// the application
	clientCtx, cancelClient := context.WithCancel(ctx)
	defer cancelClient()
	appDone := make(chan error, 1)
	frames := cfg.frames
	if len(cfg.app) == 0 {
		if frames < 0 && hb != nil {
			frames = 120
		}
		n := 0
		if frames > 0 {
			n = frames + 1 // the client draws one more than we wait for
		}
		if frames > 0 {
			fmt.Fprintf(stdout, "application: built-in demo client (%d frames)\n", frames)
		} else {
			fmt.Fprintf(stdout, "application: built-in demo client (until stopped)\n")
		}
		copts := democlient.Options{Socket: sock, Frames: n, Width: cfg.width, Height: cfg.height}
		if db, ok := be.(*drm.Backend); ok && cfg.clientMemory != "shm" {
			if heap := db.ScanoutHeap(); heap != "" {
				hp, err := dmaheap.Open(heap, nil)
				if err != nil {
					return err
				}
				defer hp.Close()
				copts.DMABuf = func(w, h int) (*allocator.Buffer, error) {
					return hp.Allocate(allocator.Request{Width: w, Height: h, Format: allocator.XRGB8888,
						Modifiers: []allocator.Modifier{allocator.ModifierLinear}, Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "demo client"})
				}
				fmt.Fprintf(stdout, "client memory: dma-bufs from DMA heap %s (the scanout tranche), for direct scanout\n", heap)
			} else if cfg.clientMemory == "dmabuf" {
				return errors.New("-client-memory dmabuf: the scanout plan has no DMA heap route for the primary plane")
			}
		} else if cfg.clientMemory == "dmabuf" {
			return errors.New("-client-memory dmabuf needs the drm backend")
		}
		go func() {
			_, err := democlient.Run(clientCtx, copts)
			appDone <- err
		}()
	} else {
		cmd := exec.CommandContext(clientCtx, cfg.app[0], cfg.app[1:]...)
		cmd.Env = append(os.Environ(), "WAYLAND_DISPLAY="+sock, "GDK_BACKEND=wayland", "QT_QPA_PLATFORM=wayland", "SDL_VIDEODRIVER=wayland")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 3 * time.Second
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s: %w", strings.Join(cfg.app, " "), err)
		}
		fmt.Fprintf(stdout, "application: %s (pid %d)\n", strings.Join(cfg.app, " "), cmd.Process.Pid)
		go func() { appDone <- cmd.Wait() }()
	}

	// the screenshot frame, when asked for
	var shot chan captured
	if hb != nil && cfg.captureFrame > 0 {
		shot = make(chan captured, 1)
		go func() {
			seen := 0
			img, err := hb.Outputs()[0].CaptureWhen(clientCtx, func() bool {
				if c.Toplevel() != nil {
					seen++
				}
				return seen >= cfg.captureFrame
			})
			shot <- captured{img, err}
		}()
	}

	var limit <-chan time.Time
	if cfg.duration > 0 {
		t := time.NewTimer(cfg.duration)
		defer t.Stop()
		limit = t.C
	}
	var tick <-chan time.Time // polls the frame limit; nil (never) without one
	if frames > 0 {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	var appErr error
	appExited := false
	reason := ""
wait:
	for {
		select {
		case <-ctx.Done():
			reason = "signal"
			break wait
		case appErr = <-appDone:
			appExited = true
			reason = "application exited"
			break wait
		case <-limit:
			reason = "duration reached"
			break wait
		case s := <-shot:
			if s.err != nil {
				return s.err
			}
			if err := headless.WritePNG(cfg.screenshot, s.img); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "screenshot: %s (frame %d showing the application)\n", abs(cfg.screenshot), cfg.captureFrame)
			cfg.screenshot = ""
			reason = "screenshot taken"
			break wait
		case <-tick:
			if frames > 0 && c.Stats().Frames.Load() >= uint64(frames) && (len(cfg.app) > 0 || appExitedSoon(appDone, &appErr, &appExited)) {
				reason = fmt.Sprintf("%d frames", frames)
				break wait
			}
		}
	}
	fmt.Fprintf(stdout, "stopping: %s\n", reason)
	if hb != nil && cfg.screenshot != "" && cfg.captureFrame == 0 {
		var img = captureNow(c, hb)
		if err := headless.WritePNG(cfg.screenshot, img); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "screenshot: %s\n", abs(cfg.screenshot))
	}
	cancelClient()
	if !appExited {
		appErr = <-appDone
		if len(cfg.app) > 0 {
			appErr = nil // we stopped it
		}
	}
	cancelRun()
	wg.Wait()
	if err := be.Close(); err != nil {
		fmt.Fprintf(stderr, "compositor-demo: %v\n", err)
	}
	st := c.Stats().Snapshot()
	fmt.Fprintf(stdout, "counters: %v\n", st)
	if l := drmCounters(be); l != "" {
		fmt.Fprintln(stdout, l)
	}
	fmt.Fprintf(stdout, "cpu: %s\n", cpuLine(started, st.Frames))
	if runErr != nil {
		return runErr
	}
	if appErr != nil && !errors.Is(appErr, context.Canceled) && reason != "signal" {
		return fmt.Errorf("application: %w", appErr)
	}
	return nil
}

type captured struct {
	img *image.RGBA
	err error
}

func captureNow(c *compositor.Compositor, hb *headless.Backend) *image.RGBA {
	var img *image.RGBA
	c.Do(func() { img = hb.Outputs()[0].Capture() })
	return img
}

// appExitedSoon gives the built-in client a moment to finish its last
// frame so it leaves cleanly.
func appExitedSoon(done chan error, err *error, exited *bool) bool {
	select {
	case e := <-done:
		*err, *exited = e, true
	case <-time.After(500 * time.Millisecond):
	}
	return true
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// cpuLine reports this process's CPU time (user + system; an application
// started after -- is a child and not counted), per frame, and the frame
// rate since start.
func cpuLine(start time.Time, frames uint64) string {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err.Error()
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	el := time.Since(start)
	per := time.Duration(0)
	if frames > 0 {
		per = cpu / time.Duration(frames)
	}
	return fmt.Sprintf("%v user+sys in %v, %v per frame, %.1f frames/s", cpu.Round(time.Millisecond), el.Round(time.Millisecond), per.Round(time.Microsecond), float64(frames)/el.Seconds())
}
