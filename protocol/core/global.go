package core

// BindFunc initialises a freshly bound global: r has the global's
// interface at the version the client asked for; set its handler.
type BindFunc func(c *Client, r *Resource) error

// Global is an object advertised in the registry.
type Global struct {
	d       *Display
	name    uint32
	iface   *Interface
	version uint32
	bind    BindFunc
	removed bool
	// Visible, when set, decides per client whether the global is listed.
	Visible func(*Client) bool
}

// Name returns the registry name.
func (g *Global) Name() uint32 { return g.name }

// Interface returns the global's interface.
func (g *Global) Interface() *Interface { return g.iface }

// Version returns the highest version offered.
func (g *Global) Version() uint32 { return g.version }

// AddGlobal advertises iface at version (at most iface.Version) to every
// client's registries. Call it with the lock held or before serving.
func (d *Display) AddGlobal(iface *Interface, version uint32, bind BindFunc) *Global {
	if version == 0 || version > iface.Version {
		panic("core: AddGlobal " + iface.Name + ": version out of range")
	}
	d.nextName++
	g := &Global{d: d, name: d.nextName, iface: iface, version: version, bind: bind}
	d.globals = append(d.globals, g)
	for c := range d.clients {
		for _, r := range c.registries() {
			sendGlobal(r, g)
		}
	}
	return g
}

// Remove withdraws g: registries get global_remove; later binds create
// inert objects. Call it with the lock held.
func (g *Global) Remove() {
	if g.removed {
		return
	}
	g.removed = true
	for c := range g.d.clients {
		for _, r := range c.registries() {
			if e := r.BeginEvent(1); e != nil {
				e.Uint(g.name)
				r.EndEvent()
			}
		}
	}
	for i, x := range g.d.globals {
		if x == g {
			g.d.globals = append(g.d.globals[:i], g.d.globals[i+1:]...)
			break
		}
	}
}

func (c *Client) registries() []*Resource {
	var out []*Resource
	for _, r := range c.objects {
		if r != nil && r.iface == RegistryInterface {
			out = append(out, r)
		}
	}
	return out
}

func sendGlobal(r *Resource, g *Global) {
	if g.Visible != nil && !g.Visible(r.c) {
		return
	}
	if e := r.BeginEvent(0); e != nil {
		e.Uint(g.name)
		e.String(g.iface.Name)
		e.Uint(g.version)
		r.EndEvent()
	}
}
