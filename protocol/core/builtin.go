package core

import (
	"github.com/go-scanout/scanout/protocol/wire"
)

// The three interfaces the core implements itself. Their descriptions
// match wayland.xml (a test checks this against the generated package).
var (
	DisplayInterface = &Interface{
		Name: "wl_display", Version: 1,
		Requests: []Message{
			{Name: "sync", Since: 1, Signature: "n"},
			{Name: "get_registry", Since: 1, Signature: "n"},
		},
		Events: []Message{
			{Name: "error", Since: 1, Signature: "ous"},
			{Name: "delete_id", Since: 1, Signature: "u"},
		},
	}
	RegistryInterface = &Interface{
		Name: "wl_registry", Version: 1,
		Requests: []Message{{Name: "bind", Since: 1, Signature: "usun"}},
		Events: []Message{
			{Name: "global", Since: 1, Signature: "usu"},
			{Name: "global_remove", Since: 1, Signature: "u"},
		},
	}
	CallbackInterface = &Interface{
		Name: "wl_callback", Version: 1,
		Events: []Message{{Name: "done", Since: 1, Signature: "u"}},
	}
)

func init() {
	DisplayInterface.Requests[0].Types = []*Interface{CallbackInterface}
	DisplayInterface.Requests[1].Types = []*Interface{RegistryInterface}
	DisplayInterface.Dispatch = dispatchDisplay
	RegistryInterface.Dispatch = dispatchRegistry
}

func dispatchDisplay(r *Resource, op uint16, d *wire.Decoder) error {
	id := d.Uint()
	if err := d.Finish(); err != nil {
		return DecodeError(r, op, err)
	}
	c := r.c
	switch op {
	case 0: // sync
		cb, err := NewIDArg(r, id, CallbackInterface, 1)
		if err != nil {
			return DecodeError(r, op, err)
		}
		SendCallbackDone(cb, c.d.serial)
		cb.Destroy()
	case 1: // get_registry
		reg, err := NewIDArg(r, id, RegistryInterface, 1)
		if err != nil {
			return DecodeError(r, op, err)
		}
		for _, g := range c.d.globals {
			sendGlobal(reg, g)
		}
	}
	return nil
}

func dispatchRegistry(r *Resource, op uint16, d *wire.Decoder) error {
	name := d.Uint()
	iface, _ := d.StringBytes()
	version := d.Uint()
	id := d.Uint()
	if err := d.Finish(); err != nil {
		return DecodeError(r, op, err)
	}
	var g *Global
	for _, x := range r.c.d.globals {
		if x.name == name {
			g = x
		}
	}
	if g == nil || (g.Visible != nil && !g.Visible(r.c)) {
		return displayErrorf(ErrorInvalidObject, "invalid global %s (%d)", iface, name)
	}
	if string(iface) != g.iface.Name {
		return displayErrorf(ErrorInvalidObject, "invalid interface for global %d: have %s, wanted %s", name, g.iface.Name, iface)
	}
	if version == 0 || version > g.version {
		return displayErrorf(ErrorInvalidObject, "invalid version for global %s (%d): have %d, wanted %d", g.iface.Name, name, g.version, version)
	}
	res, err := NewIDArg(r, id, g.iface, version)
	if err != nil {
		return DecodeError(r, op, err)
	}
	if g.removed || g.bind == nil {
		return nil
	}
	return g.bind(r.c, res)
}

// SendCallbackDone sends wl_callback.done(data) on cb. The caller usually
// destroys cb right after (wl_callback is destroyed by its done event).
func SendCallbackDone(cb *Resource, data uint32) error {
	e := cb.BeginEvent(0)
	if e == nil {
		return ErrDead
	}
	e.Uint(data)
	return cb.EndEvent()
}
