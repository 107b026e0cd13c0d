package protocol

import (
	"testing"

	nwl "github.com/neurlang/wayland/wl"
	nxdg "github.com/neurlang/wayland/xdg"
	"golang.org/x/sys/unix"
)

type globalsH struct {
	reg  *nwl.Registry
	comp *nwl.Compositor
	shm  *nwl.Shm
	wm   *nxdg.WmBase
	ctx  *nwl.Context
	err  error
}

func (g *globalsH) HandleRegistryGlobal(e nwl.RegistryGlobalEvent) {
	switch e.Interface {
	case "wl_compositor":
		g.comp = nwl.NewCompositor(g.ctx)
		g.err = g.reg.Bind(e.Name, e.Interface, 4, g.comp)
	case "wl_shm":
		g.shm = nwl.NewShm(g.ctx)
		g.err = g.reg.Bind(e.Name, e.Interface, 1, g.shm)
	case "xdg_wm_base":
		g.wm = nxdg.NewWmBase(g.ctx)
		g.err = g.reg.Bind(e.Name, e.Interface, 1, g.wm)
	}
}

type configureH struct{ serial uint32 }

func (c *configureH) HandleSurfaceConfigure(e nxdg.SurfaceConfigureEvent) { c.serial = e.Serial }

type doneH struct{ n int }

func (d *doneH) HandleCallbackDone(nwl.CallbackDoneEvent) { d.n++ }

// TestNeurlangClient drives the server with the third-party pure-Go client
// library github.com/neurlang/wayland: an xdg toplevel with an shm buffer
// that receives frame callbacks.
func TestNeurlangClient(t *testing.T) {
	ts := newTestServer(t, nil)
	t.Setenv("XDG_RUNTIME_DIR", ts.dir)
	d, err := nwl.Connect(ts.name)
	if err != nil {
		t.Fatal(err)
	}
	ctx := d.Context()
	defer ctx.Close()
	g := &globalsH{ctx: ctx}
	if g.reg, err = d.GetRegistry(); err != nil {
		t.Fatal(err)
	}
	g.reg.AddGlobalHandler(g)
	roundtrip := func() {
		cb, err := d.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if err := ctx.RunTill(cb); err != nil {
			t.Fatal(err)
		}
	}
	roundtrip()
	if g.err != nil || g.comp == nil || g.shm == nil || g.wm == nil {
		t.Fatalf("globals: %v %v %v %v", g.err, g.comp, g.shm, g.wm)
	}
	surf, err := g.comp.CreateSurface()
	if err != nil {
		t.Fatal(err)
	}
	xs, err := g.wm.GetSurface(surf)
	if err != nil {
		t.Fatal(err)
	}
	conf := &configureH{}
	xs.AddConfigureHandler(conf)
	if _, err := xs.GetToplevel(); err != nil {
		t.Fatal(err)
	}
	surf.Commit()
	roundtrip()
	if conf.serial == 0 {
		t.Fatal("no xdg_surface.configure")
	}
	xs.AckConfigure(conf.serial)

	const w, h = 64, 48
	fd, err := unix.MemfdCreate("neurlang-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	unix.Ftruncate(fd, w*h*4)
	pool, err := g.shm.CreatePool(uintptr(fd), w*h*4)
	if err != nil {
		t.Fatal(err)
	}
	buf, err := pool.CreateBuffer(0, w, h, w*4, nwl.ShmFormatXrgb8888)
	if err != nil {
		t.Fatal(err)
	}
	done := &doneH{}
	for i := 0; i < 5; i++ {
		surf.Attach(buf, 0, 0)
		surf.DamageBuffer(0, 0, w, h)
		cb, err := surf.Frame()
		if err != nil {
			t.Fatal(err)
		}
		cb.AddDoneHandler(done)
		surf.Commit()
		if err := ctx.RunTill(cb); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	var st clientStats
	ts.s.Do(func() {
		for x := range ts.s.surfaces {
			if x.Mapped() && x.Buffer() != nil {
				w, h := x.Buffer().Size()
				if w != 64 || h != 48 {
					t.Errorf("buffer %dx%d, want 64x48", w, h)
				}
			}
		}
	})
	st = ts.statsFor(unix.Getpid())
	if st.mapped != 1 || st.bufferCommits < 5 {
		t.Errorf("server saw %+v; want a mapped toplevel with 5 buffer commits", st)
	}
}
