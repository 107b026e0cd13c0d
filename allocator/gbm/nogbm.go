//go:build !gbm || !cgo

package gbm

import "github.com/go-scanout/scanout/allocator"

// Built reports whether this binary includes libgbm support.
const Built = false

// Allocator is the GBM allocator; in a binary built without the gbm tag
// it cannot be created.
type Allocator struct{ path string }

func (a *Allocator) notBuilt() error {
	return &allocator.Error{Op: "open " + a.path, Route: "gbm:" + a.path, Kind: allocator.ErrNotBuilt,
		Hint: "not built with GBM: rebuild with -tags gbm (needs cgo and libgbm-dev)"}
}

// Name implements allocator.Allocator.
func (a *Allocator) Name() string { return "gbm:" + a.path }

// Caps implements allocator.Allocator: nothing.
func (a *Allocator) Caps() allocator.Caps { return allocator.Caps{Kind: allocator.KindGBM} }

// Allocate implements allocator.Allocator: it always fails.
func (a *Allocator) Allocate(allocator.Request) (*allocator.Buffer, error) { return nil, a.notBuilt() }

// Close implements allocator.Allocator.
func (a *Allocator) Close() error { return nil }

// Options configure Open.
type Options struct {
	Modifiers allocator.FormatSet
}

// Open fails: this binary was built without GBM.
func Open(path string, opts *Options) (*Allocator, error) {
	return nil, (&Allocator{path: path}).notBuilt()
}
