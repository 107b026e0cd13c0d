package render

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// EnvRenderer is the environment variable that forces a renderer: "gl" or
// "cpu". Options.Force overrides it.
const EnvRenderer = "SCANOUT_RENDERER"

// Options configure New. A nil *Options means defaults: try GL headless,
// then the CPU.
type Options struct {
	// Device is the DRM node GL opens a GBM device on: the GPU's render
	// node on hardware (/dev/dri/renderD128 on a Pi is v3d), or a KMS
	// card node (kms_swrast, in the VM). Empty: a headless EGL display
	// (surfaceless, then device platform).
	Device string
	// Force is "gl", "cpu" or empty (then $SCANOUT_RENDERER, then auto).
	// Forcing GL makes New fail instead of falling back.
	Force string
	// Probe, when set, is a target buffer from the negotiated plan; GL is
	// chosen only if it imports Probe and a test draw into it reads back
	// right. Its Key must be unused.
	Probe *Target
}

// Selection says which renderer New chose and why.
type Selection struct {
	Name   string // "gl" or "cpu"
	Reason string // why; for the report
	// GLError is why GL was not chosen, nil when it was.
	GLError error
}

// String is the one-line form for logs and reports.
func (s Selection) String() string { return s.Name + ": " + s.Reason }

// FallbackReporter is implemented by renderers that may draw a frame on
// another path than their own (the GL renderer falls back to the CPU for
// targets it cannot import and frames it loses).
type FallbackReporter interface {
	// LastFrameFallback is why the last frame was not drawn on the
	// renderer's own path, or nil.
	LastFrameFallback() error
}

// GLFactory opens the GL renderer; render/gl registers one when built with
// its tags. fallback is the CPU renderer GL uses for buffers or frames it
// cannot draw.
type GLFactory func(opts *Options, fallback Renderer) (Renderer, error)

var (
	regMu     sync.Mutex
	glFactory GLFactory
)

// RegisterGL installs the GL factory. render/gl calls it from init when
// built with -tags gl,egl; import it for effect:
//
//	import _ "github.com/go-scanout/scanout/render/gl"
func RegisterGL(f GLFactory) {
	regMu.Lock()
	defer regMu.Unlock()
	glFactory = f
}

// GLBuiltIn reports whether a GL renderer is registered in this binary.
func GLBuiltIn() bool {
	regMu.Lock()
	defer regMu.Unlock()
	return glFactory != nil
}

// New picks the renderer: GL when it is built in, an EGL display
// initialises, the Probe target imports and a test draw succeeds; the CPU
// renderer otherwise. The Selection says which and why. opts.Force (or
// $SCANOUT_RENDERER) forces one; forcing GL returns GL's error instead of
// falling back.
func New(opts *Options) (Renderer, Selection, error) {
	if opts == nil {
		opts = &Options{}
	}
	force := opts.Force
	via := "Options.Force"
	if force == "" {
		force = os.Getenv(EnvRenderer)
		via = "$" + EnvRenderer
	}
	switch force {
	case "", "gl", "cpu":
	default:
		return nil, Selection{}, fmt.Errorf("render: %s=%q: want \"gl\", \"cpu\" or empty", via, force)
	}
	if force == "cpu" {
		return NewCPU(), Selection{Name: "cpu", Reason: "forced by " + via + "=cpu"}, nil
	}

	regMu.Lock()
	f := glFactory
	regMu.Unlock()
	var glErr error
	if f == nil {
		glErr = ErrNotBuilt
	} else {
		r, err := f(opts, NewCPU())
		if err == nil {
			err = probe(r, opts.Probe)
			if err != nil {
				r.Close()
			}
		}
		if err == nil {
			reason := "EGL display initialised, test draw read back right"
			if opts.Probe != nil {
				reason = "EGL display initialised, plan target imported, test draw read back right"
			}
			if force == "gl" {
				reason = "forced by " + via + "=gl; " + reason
			}
			return r, Selection{Name: "gl", Reason: reason}, nil
		}
		glErr = err
	}
	if force == "gl" {
		return nil, Selection{Name: "gl", GLError: glErr}, fmt.Errorf("render: %s=gl but GL is unusable: %w", via, glErr)
	}
	return NewCPU(), Selection{Name: "cpu", Reason: "GL unusable: " + glErr.Error(), GLError: glErr}, nil
}

// probe draws a two-colour test pattern into the probe target (or a small
// memory target) and reads it back.
func probe(r Renderer, t *Target) error {
	var own *Image
	if t == nil {
		own = NewImage(argb8888, 16, 16)
		t = &Target{Image: own}
	}
	if err := r.Begin(t, nil); err != nil {
		return fmt.Errorf("test draw: %w", err)
	}
	if err := r.Clear(Color{R: 1, A: 1}); err != nil {
		return fmt.Errorf("test draw: %w", err)
	}
	src := NewImage(argb8888, 2, 2)
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i+0], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 0xff, 0, 0, 0xff // blue
	}
	q := &Quad{Src: src.Bounds(), Dst: rect(0, 0, 4, 4), Opacity: 1}
	if err := r.Draw(&Source{Image: src}, q); err != nil {
		return fmt.Errorf("test draw: %w", err)
	}
	s, err := r.Finish()
	if err == nil {
		err = s.Wait(probeTimeout)
	}
	if err != nil {
		return fmt.Errorf("test draw: %w", err)
	}
	if fr, ok := r.(FallbackReporter); ok {
		if err := fr.LastFrameFallback(); err != nil {
			return fmt.Errorf("test draw went to the CPU: %w", err)
		}
	}
	got := NewImage(argb8888, 8, 8)
	if err := r.ReadPixels(rect(0, 0, 8, 8), got); err != nil {
		return fmt.Errorf("test draw readback: %w", err)
	}
	check := func(x, y int, want [4]byte) error {
		o := y*got.Stride + x*4
		p := got.Pix[o : o+4]
		if p[0] != want[0] || p[1] != want[1] || p[2] != want[2] || (p[3] != want[3] && t.Image != nil) {
			return fmt.Errorf("test draw read back pixel (%d,%d) = % x, want % x", x, y, p, want[:])
		}
		return nil
	}
	if err := errors.Join(check(1, 1, [4]byte{0xff, 0, 0, 0xff}), check(6, 6, [4]byte{0, 0, 0xff, 0xff})); err != nil {
		return err
	}
	if own == nil {
		r.Forget(t.Key)
	}
	return nil
}
