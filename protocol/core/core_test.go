package core_test

import (
	"errors"
	"os"
	"testing"

	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/protocol/core"
	tc "github.com/go-scanout/scanout/protocol/testclient"
	"github.com/go-scanout/scanout/protocol/wire"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// A tiny interface, described by hand, to test the core without the
// generated packages: "test_thing" v3, requests destroy (destructor),
// make(new_id test_thing), late (since 3); events ping(u), late_event(u)
// since 2.
var thing = &core.Interface{Name: "test_thing", Version: 3,
	Requests: []core.Message{
		{Name: "destroy", Since: 1, Destructor: true},
		{Name: "make", Since: 1, Signature: "n"},
		{Name: "late", Since: 3},
	},
	Events: []core.Message{{Name: "ping", Since: 1, Signature: "u"}, {Name: "late_event", Since: 2, Signature: "u"}},
}

type thingHandler struct{ made []*core.Resource }

func init() {
	thing.Requests[1].Types = []*core.Interface{thing}
	thing.Dispatch = func(r *core.Resource, op uint16, d *wire.Decoder) error {
		switch op {
		case 0:
			if err := d.Finish(); err != nil {
				return core.DecodeError(r, op, err)
			}
			r.Destroy()
		case 1:
			id := d.Uint()
			if err := d.Finish(); err != nil {
				return core.DecodeError(r, op, err)
			}
			n, err := core.NewIDArg(r, id, thing, r.Version())
			if err != nil {
				return core.DecodeError(r, op, err)
			}
			h := r.Handler().(*thingHandler)
			h.made = append(h.made, n)
			n.SetHandler(h)
		case 2:
			return r.Errorf(7, "late called")
		}
		return nil
	}
}

func sendLate(r *core.Resource, v uint32) error {
	if r.Version() < 2 {
		return core.ErrEventVersion
	}
	e := r.BeginEvent(1)
	if e == nil {
		return core.ErrDead
	}
	e.Uint(v)
	return r.EndEvent()
}

func serve(t *testing.T) (*core.Display, string, *thingHandler, *[]*core.Resource) {
	dir, _ := os.MkdirTemp("", "core")
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := core.NewDisplay(nil)
	h := &thingHandler{}
	var bound []*core.Resource
	d.Do(func() {
		d.AddGlobal(thing, 3, func(c *core.Client, r *core.Resource) error {
			r.SetHandler(h)
			bound = append(bound, r)
			return nil
		})
	})
	path, err := d.Listen(dir + "/wl-core")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path, h, &bound
}

func dial(t *testing.T, path string) (*tc.Client, uint32) {
	c, err := tc.Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	reg, err := c.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return c, reg
}

func TestBindNegotiatesVersionAndEventsRespectIt(t *testing.T) {
	d, path, _, bound := serve(t)
	for _, v := range []uint32{1, 2, 3} {
		c, reg := dial(t, path)
		if _, err := c.Bind(reg, thing, v); err != nil {
			t.Fatal(err)
		}
		if err := c.Roundtrip(); err != nil {
			t.Fatal(err)
		}
		var err error
		d.Do(func() {
			r := (*bound)[len(*bound)-1]
			if r.Version() != v {
				t.Errorf("bound version %d, want %d", r.Version(), v)
			}
			err = sendLate(r, 1)
		})
		if v < 2 && !errors.Is(err, core.ErrEventVersion) {
			t.Errorf("v%d: late_event sent: %v", v, err)
		}
		if v >= 2 && err != nil {
			t.Errorf("v%d: late_event refused: %v", v, err)
		}
	}
}

func TestRequestNewerThanVersionIsInvalidMethod(t *testing.T) {
	_, path, _, _ := serve(t)
	c, reg := dial(t, path)
	id, _ := c.Bind(reg, thing, 2)
	c.Send(id, 2)
	e := c.WaitError()
	if e == nil || e.Object != 1 || e.Code != core.ErrorInvalidMethod {
		t.Fatalf("got %v, want invalid_method on wl_display", e)
	}
}

func TestHandlerErrorIsSentOnItsObject(t *testing.T) {
	_, path, _, _ := serve(t)
	c, reg := dial(t, path)
	id, _ := c.Bind(reg, thing, 3)
	c.Send(id, 2)
	e := c.WaitError()
	if e == nil || e.Object != id || e.Code != 7 {
		t.Fatalf("got %v, want code 7 on object %d", e, id)
	}
}

func TestDestroyRunsListenersAndDeletesTheID(t *testing.T) {
	d, path, h, _ := serve(t)
	c, reg := dial(t, path)
	id, _ := c.Bind(reg, thing, 3)
	child := c.NewID(nil)
	c.Send(id, 1, tc.NewObj{ID: child})
	if err := c.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	var order []string
	d.Do(func() {
		r := h.made[0]
		r.OnDestroy(func(*core.Resource) { order = append(order, "first") })
		r.OnDestroy(func(*core.Resource) { order = append(order, "second") })
	})
	c.Send(child, 0)
	if err := c.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	d.Do(func() {
		if len(order) != 2 || order[0] != "second" || order[1] != "first" {
			t.Errorf("listeners ran %v, want [second first]", order)
		}
	})
	if !c.Deleted(child) {
		t.Errorf("no wl_display.delete_id(%d)", child)
	}
	// the id is free again and may be reused
	c.SetNextID(child)
	again := c.NewID(nil)
	c.Send(id, 1, tc.NewObj{ID: again})
	if err := c.Roundtrip(); err != nil {
		t.Fatalf("reusing a deleted id: %v", err)
	}
}

func TestDisconnectDestroysEveryObject(t *testing.T) {
	d, path, h, _ := serve(t)
	c, reg := dial(t, path)
	id, _ := c.Bind(reg, thing, 3)
	for i := 0; i < 10; i++ {
		c.Send(id, 1, tc.NewObj{ID: c.NewID(nil)})
	}
	if err := c.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	destroyed := 0
	clientGone := make(chan struct{})
	d.Do(func() {
		for _, r := range h.made {
			r.OnDestroy(func(*core.Resource) { destroyed++ })
		}
		h.made[0].Client().OnDestroy(func(*core.Client) { close(clientGone) })
	})
	c.Close()
	<-clientGone
	if destroyed != 10 {
		t.Fatalf("%d of 10 objects destroyed at disconnect", destroyed)
	}
}

func TestGlobalRemoveIsAnnounced(t *testing.T) {
	d, path, _, _ := serve(t)
	c, _ := dial(t, path)
	var removed []uint32
	c.OnEvent = func(e tc.Event) {
		if e.Interface == core.RegistryInterface && e.Name == "global_remove" {
			removed = append(removed, e.Args[0].(uint32))
		}
	}
	var name uint32
	d.Do(func() {
		g := d.AddGlobal(thing, 1, nil)
		name = g.Name()
		g.Remove()
	})
	if err := c.Roundtrip(); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range c.Globals {
		found = found || g.Name == name
	}
	if !found || len(removed) != 1 || removed[0] != name {
		t.Fatalf("global %d announced=%v removed=%v", name, found, removed)
	}
}
