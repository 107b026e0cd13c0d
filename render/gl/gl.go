//go:build gl && egl && cgo

package gl

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	gl "github.com/go-gl/gl/v3.1/gles2"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/render"
	"github.com/go-scanout/scanout/render/internal/egl"
)

func init() { render.RegisterGL(Open) }

// Stats counts what the renderer did instead of GL, for tests and reports.
type Stats struct {
	Imports         int // dma-buf sources imported as EGLImages
	ImportFallbacks int // dma-buf sources the GPU refused, drawn from a CPU copy
	CPUFrames       int // frames drawn on the CPU (target refused, context lost)
	Uploads         int // shm rectangles uploaded
	// LastImportError is why the last refused dma-buf was refused.
	LastImportError error
}

// Renderer is the GL renderer. Use it through render.Renderer; the
// concrete type adds Stats and Display information.
type Renderer struct {
	th  *egl.Thread
	d   *egl.Display
	cpu render.Renderer

	gles    int
	glInfo  string
	progs   [numProgs]program
	vbo     uint32
	scratch uint32 // texture for shm sources without a Key
	caps    render.Caps
	oesImg  bool // GL_OES_EGL_image: EGLImage textures and renderbuffers
	// swrastProbe is a descriptor of the GBM node when the driver is
	// kms_swrast, whose imports must be probed (swrast.go).
	swrastProbe *fd.FD

	texs map[uint64]*texture
	fbs  map[uint64]*framebuffer
	// refused remembers targets that did not import (by key).
	refused map[uint64]error

	// The frame.
	begun    bool
	onCPU    bool // this frame is delegated to cpu
	target   render.Target
	fb       *framebuffer
	tmpFB    *framebuffer // framebuffer of a Key-0 target
	damage   []image.Rectangle
	ops      []op
	last     *framebuffer // last finished GL framebuffer
	lastCPU  bool         // last frame finished on the CPU
	lost     error        // context lost: every frame goes to the CPU
	fence    egl.Fence
	verts    *[16]float32 // own allocation: cgo may not see the Renderer's pointers
	readBuf  []byte
	frameErr error // why this frame is on the CPU; nil on GL

	stats Stats
	// The arguments and results of the frame-path calls to the GL thread,
	// and the closures that run them, made once so that a frame does not
	// allocate.
	c                                         call
	fnBind, fnClear, fnDraw, fnFinish, fnWait func()
	sync                                      fenceSync
	// failImport, when set (tests), refuses the import of matching sources.
	failImport func(*render.Source) bool
	// failTarget, when set (tests), refuses the import of matching targets.
	failTarget func(*render.Target) bool
	// loseContext, when set (tests), makes the next Finish see a lost context.
	loseContext bool
}

type call struct {
	target *render.Target
	damage []image.Rectangle
	fb     *framebuffer
	color  render.Color
	src    *render.Source
	q      *render.Quad
	sync   render.Sync
	wait   time.Duration
	err    error
}

// op is one recorded Clear or Draw, replayed on the CPU if the frame fails.
type op struct {
	clear bool
	color render.Color
	src   *render.Source
	q     render.Quad
}

type texture struct {
	id       uint32
	target   uint32 // TEXTURE_2D or TEXTURE_EXTERNAL_OES
	prog     int
	img      egl.Image
	w, h     int
	format   allocator.Format // of an shm source
	bgr      bool             // texel channels hold B,G,R (raw upload of ARGB/XRGB bytes)
	buf      *allocator.Buffer
	shm      *render.Image
	fallback *render.Image // CPU copy of a refused dma-buf
}

type framebuffer struct {
	fbo, rb, tex uint32
	img          egl.Image
	w, h         int
	bgr          bool
	alpha        bool
	buf          *allocator.Buffer
	mem          *render.Image
}

// Open creates the GL renderer: an EGL display on the GBM device of
// opts.Device, or headless (surfaceless, then device platform) when it is
// empty; a GLES context on its own locked thread; the shaders. fallback
// draws what GL cannot.
func Open(opts *render.Options, fallback render.Renderer) (render.Renderer, error) {
	if opts == nil {
		opts = &render.Options{}
	}
	if fallback == nil {
		fallback = render.NewCPU()
	}
	r := &Renderer{
		th: egl.NewThread(), cpu: fallback,
		texs: map[uint64]*texture{}, fbs: map[uint64]*framebuffer{}, refused: map[uint64]error{},
		damage: make([]image.Rectangle, 0, 16), ops: make([]op, 0, 64), verts: new([16]float32),
	}
	r.sync.r = r
	r.fnBind = func() { r.c.fb, r.c.err = r.bindTarget(r.c.target, r.c.damage) }
	r.fnClear = func() { r.clear(r.c.color) }
	r.fnDraw = func() { r.c.err = r.draw(r.c.src, r.c.q) }
	r.fnFinish = func() { r.c.sync, r.c.err = r.finish() }
	r.fnWait = func() { r.c.err = r.sync.wait(r.c.wait) }
	var err error
	r.th.Do(func() { err = r.init(opts.Device) })
	if err != nil {
		r.th.Do(func() { r.d.Close() })
		r.swrastProbe.Close()
		r.th.Stop()
		return nil, err
	}
	return r, nil
}

func (r *Renderer) init(device string) error {
	var err error
	if device != "" {
		r.d, err = egl.OpenGBM(device)
	} else {
		r.d, err = egl.OpenSurfaceless()
		if err != nil {
			var err2 error
			r.d, err2 = egl.OpenDevice()
			err = errors.Join(err, err2)
			if err2 == nil {
				err = nil
			}
		}
	}
	if err != nil {
		return err
	}
	if err := r.d.CreateContext(); err != nil {
		return err
	}
	if err := gl.InitWithProcAddrFunc(egl.ProcAddress); err != nil {
		return fmt.Errorf("render/gl: load GLES entry points: %w", err)
	}
	r.gles = r.d.GLESVersion
	exts := gl.GoStr(gl.GetString(gl.EXTENSIONS))
	r.oesImg = strings.Contains(exts, "GL_OES_EGL_image")
	r.glInfo = fmt.Sprintf("%s, %s", gl.GoStr(gl.GetString(gl.RENDERER)), gl.GoStr(gl.GetString(gl.VERSION)))
	if r.swrastProbe, err = openSwrastProbe(r.d, r.glInfo); err != nil {
		return err
	}
	if r.progs, err = compileAll(); err != nil {
		return err
	}
	gl.GenBuffers(1, &r.vbo)
	gl.BindBuffer(gl.ARRAY_BUFFER, r.vbo)
	gl.BufferData(gl.ARRAY_BUFFER, len(r.verts)*4, nil, gl.STREAM_DRAW)
	gl.GenTextures(1, &r.scratch)
	gl.PixelStorei(gl.UNPACK_ALIGNMENT, 4)
	gl.PixelStorei(gl.PACK_ALIGNMENT, 4)
	r.caps = r.queryCaps()
	if e := gl.GetError(); e != gl.NO_ERROR {
		return fmt.Errorf("render/gl: setup on %s: GL error 0x%04x", r.glInfo, e)
	}
	return nil
}

func (r *Renderer) queryCaps() render.Caps {
	c := render.Caps{Renderer: "gl: " + r.glInfo + " on EGL " + string(r.d.Platform), ShmFormats: render.SourceFormats()}
	if !r.d.HasExtension("EGL_EXT_image_dma_buf_import") || !r.oesImg {
		return c
	}
	c.DMABufImport = true
	renderable := map[allocator.Format]bool{}
	for _, f := range render.MemoryFormats() {
		renderable[f] = true
	}
	fmts, err := r.d.DmaBufFormats()
	if err != nil {
		// Import without the modifiers extension: implicit layouts of
		// the formats we draw.
		for _, f := range render.MemoryFormats() {
			c.Formats.Add(f, allocator.ModifierInvalid)
			c.RenderFormats.Add(f, allocator.ModifierInvalid)
		}
		return c
	}
	for _, f32 := range fmts {
		f := allocator.Format(f32)
		mods, ext, err := r.d.DmaBufModifiers(f32)
		if err != nil {
			continue
		}
		if len(mods) == 0 {
			// Mesa lists none for implicit-only formats.
			mods, ext = []uint64{uint64(allocator.ModifierInvalid)}, []bool{false}
		}
		for i, m := range mods {
			c.Formats.Add(f, allocator.Modifier(m))
			if !ext[i] && renderable[f] {
				c.RenderFormats.Add(f, allocator.Modifier(m))
			}
		}
	}
	return c
}

// Name is "gl".
func (r *Renderer) Name() string { return "gl" }

// Caps reports the importable formats and modifiers.
func (r *Renderer) Caps() render.Caps {
	c := r.caps
	c.Formats = c.Formats.Clone()
	c.RenderFormats = c.RenderFormats.Clone()
	return c
}

// LastFrameFallback implements render.FallbackReporter: why the last
// frame was drawn by the CPU renderer, or nil when GL drew it.
func (r *Renderer) LastFrameFallback() error { return r.frameErr }

// Stats returns the fallback counters.
func (r *Renderer) Stats() Stats { return r.stats }

// Begin binds target. A target that does not import makes this frame (and
// later frames to the same key) render on the CPU.
func (r *Renderer) Begin(t *render.Target, damage []image.Rectangle) error {
	if r.th == nil {
		return render.ErrClosed
	}
	r.begun, r.onCPU = false, false
	r.ops = r.ops[:0]
	r.frameErr = nil
	if t == nil || (t.Image == nil) == (t.DMABuf == nil) {
		return fmt.Errorf("render/gl: bind target: exactly one of DMABuf and Image must be set: %w", render.ErrBadRect)
	}
	if r.lost != nil {
		r.frameErr = r.lost
		return r.beginCPU(t, damage)
	}
	if e := r.refused[t.Key]; e != nil && t.Key != 0 {
		r.frameErr = e
		return r.beginCPU(t, damage)
	}
	var fb *framebuffer
	var err error
	if r.failTarget != nil && r.failTarget(t) {
		err = fmt.Errorf("render/gl: import target %v: %w (forced by test)", t.DMABuf, render.ErrImport)
	} else {
		r.c.target, r.c.damage = t, damage
		r.th.Do(r.fnBind)
		fb, err = r.c.fb, r.c.err
		r.c = call{}
	}
	if err != nil {
		if errors.Is(err, render.ErrBadRect) || errors.Is(err, render.ErrUnsupportedFormat) && t.Image != nil {
			return err
		}
		if t.Key != 0 {
			r.refused[t.Key] = err
		}
		r.frameErr = err
		return r.beginCPU(t, damage)
	}
	r.target, r.fb = *t, fb
	r.begun = true
	return nil
}

func (r *Renderer) beginCPU(t *render.Target, damage []image.Rectangle) error {
	if err := r.cpu.Begin(t, damage); err != nil {
		return err
	}
	r.stats.CPUFrames++
	r.target = *t
	r.begun, r.onCPU = true, true
	return nil
}

// bindTarget runs on the GL thread.
func (r *Renderer) bindTarget(t *render.Target, damage []image.Rectangle) (*framebuffer, error) {
	fb := r.fbs[t.Key]
	if fb != nil && (fb.buf != t.DMABuf || fb.mem != nil && (t.Image == nil || fb.w != t.Image.Width || fb.h != t.Image.Height)) {
		r.deleteFB(fb)
		delete(r.fbs, t.Key)
		fb = nil
	}
	if t.Key == 0 && r.tmpFB != nil {
		r.deleteFB(r.tmpFB)
		r.tmpFB = nil
	}
	fresh := fb == nil
	if fresh {
		var err error
		if t.DMABuf != nil {
			fb, err = r.importTarget(t.DMABuf)
		} else {
			fb, err = r.memoryTarget(t.Image)
		}
		if err != nil {
			return nil, err
		}
		if t.Key != 0 {
			r.fbs[t.Key] = fb
		} else {
			r.tmpFB = fb
		}
	}
	if fb.mem != nil {
		fb.mem = t.Image
	}
	b := image.Rect(0, 0, fb.w, fb.h)
	r.damage = r.damage[:0]
	if damage == nil {
		r.damage = append(r.damage, b)
	}
	for _, d := range damage {
		if d = d.Intersect(b); !d.Empty() {
			r.damage = append(r.damage, d)
		}
	}
	gl.BindFramebuffer(gl.FRAMEBUFFER, fb.fbo)
	gl.Viewport(0, 0, int32(fb.w), int32(fb.h))
	if fb.mem != nil {
		// The memory is the truth: load the damaged part of it.
		gl.BindTexture(gl.TEXTURE_2D, fb.tex)
		if fresh {
			r.upload(fb.mem, b)
		} else {
			for _, d := range r.damage {
				r.upload(fb.mem, d)
			}
		}
	}
	return fb, nil
}

func (r *Renderer) importTarget(b *allocator.Buffer) (*framebuffer, error) {
	if !r.caps.DMABufImport {
		return nil, fmt.Errorf("render/gl: import target %v: %w: EGL on %s lacks EGL_EXT_image_dma_buf_import (Mesa 25 has it on llvmpipe; use GBM on a card node with Mesa 22.3)", b, render.ErrImport, r.d.Platform)
	}
	l, ok := layoutOf(b.Format)
	if !ok {
		return nil, fmt.Errorf("render/gl: target %v: %w", b, render.ErrUnsupportedFormat)
	}
	if err := swrastMappable(r.swrastProbe, b); err != nil {
		return nil, err
	}
	img, err := r.createImage(b)
	if err != nil {
		return nil, err
	}
	fb := &framebuffer{img: img, w: b.Width, h: b.Height, alpha: l.alpha, buf: b}
	gl.GenRenderbuffers(1, &fb.rb)
	gl.BindRenderbuffer(gl.RENDERBUFFER, fb.rb)
	gl.EGLImageTargetRenderbufferStorageOES(gl.RENDERBUFFER, img.Pointer())
	gl.GenFramebuffers(1, &fb.fbo)
	gl.BindFramebuffer(gl.FRAMEBUFFER, fb.fbo)
	gl.FramebufferRenderbuffer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, fb.rb)
	if s := gl.CheckFramebufferStatus(gl.FRAMEBUFFER); s != gl.FRAMEBUFFER_COMPLETE {
		glErr := gl.GetError()
		r.deleteFB(fb)
		return nil, fmt.Errorf("render/gl: render into %v: framebuffer incomplete (status 0x%04x, GL error 0x%04x): %w", b, s, glErr, render.ErrImport)
	}
	return fb, nil
}

func (r *Renderer) memoryTarget(m *render.Image) (*framebuffer, error) {
	if err := checkImage(m); err != nil {
		return nil, err
	}
	l, _ := layoutOf(m.Format)
	fb := &framebuffer{w: m.Width, h: m.Height, bgr: l.bgr, alpha: l.alpha, mem: m}
	gl.GenTextures(1, &fb.tex)
	gl.BindTexture(gl.TEXTURE_2D, fb.tex)
	gl.TexImage2D(gl.TEXTURE_2D, 0, gl.RGBA, int32(m.Width), int32(m.Height), 0, gl.RGBA, gl.UNSIGNED_BYTE, nil)
	gl.GenFramebuffers(1, &fb.fbo)
	gl.BindFramebuffer(gl.FRAMEBUFFER, fb.fbo)
	gl.FramebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, fb.tex, 0)
	if s := gl.CheckFramebufferStatus(gl.FRAMEBUFFER); s != gl.FRAMEBUFFER_COMPLETE {
		r.deleteFB(fb)
		return nil, fmt.Errorf("render/gl: memory target %dx%d: framebuffer incomplete (status 0x%04x)", m.Width, m.Height, s)
	}
	return fb, nil
}

func (r *Renderer) deleteFB(fb *framebuffer) {
	if fb.fbo != 0 {
		gl.DeleteFramebuffers(1, &fb.fbo)
	}
	if fb.rb != 0 {
		gl.DeleteRenderbuffers(1, &fb.rb)
	}
	if fb.tex != 0 {
		gl.DeleteTextures(1, &fb.tex)
	}
	r.d.DestroyImage(fb.img)
	if r.last == fb {
		r.last = nil
	}
}

// createImage imports every plane of b as one EGLImage.
func (r *Renderer) createImage(b *allocator.Buffer) (egl.Image, error) {
	var planes [4]egl.Plane
	n := len(b.Planes)
	if n == 0 || n > 4 {
		return 0, fmt.Errorf("render/gl: import %v: %d planes: %w", b, n, render.ErrImport)
	}
	var img egl.Image
	var err error
	// Hold every descriptor open for the call.
	var hold func(i int) error
	hold = func(i int) error {
		if i == n {
			img, err = r.d.CreateDmaBufImage(uint32(b.Format), b.Width, b.Height, uint64(b.Modifier), planes[:n])
			return nil
		}
		return b.Planes[i].FD.Control(func(raw int) error {
			planes[i] = egl.Plane{FD: raw, Offset: b.Planes[i].Offset, Stride: b.Planes[i].Stride}
			return hold(i + 1)
		})
	}
	if e := hold(0); e != nil {
		return 0, fmt.Errorf("render/gl: import %v: %w", b, e)
	}
	if err != nil {
		return 0, fmt.Errorf("render/gl: import %v: %w: %w", b, render.ErrImport, err)
	}
	return img, nil
}

// Clear fills the damage with c.
func (r *Renderer) Clear(c render.Color) error {
	if !r.begun {
		return render.ErrNotBegun
	}
	if r.onCPU {
		return r.cpu.Clear(c)
	}
	r.ops = append(r.ops, op{clear: true, color: c})
	r.c.color = c
	r.th.Do(r.fnClear)
	return nil
}

func (r *Renderer) clear(c render.Color) {
	cr, cb := c.R, c.B
	if r.fb.bgr {
		cr, cb = cb, cr
	}
	gl.ClearColor(cr, c.G, cb, c.A)
	gl.Enable(gl.SCISSOR_TEST)
	for _, d := range r.damage {
		gl.Scissor(int32(d.Min.X), int32(d.Min.Y), int32(d.Dx()), int32(d.Dy()))
		gl.Clear(gl.COLOR_BUFFER_BIT)
	}
	gl.Disable(gl.SCISSOR_TEST)
}

// Draw composites src. The Source must stay valid until Finish (the frame
// may be replayed on the CPU).
func (r *Renderer) Draw(src *render.Source, q *render.Quad) error {
	if !r.begun {
		return render.ErrNotBegun
	}
	if r.onCPU {
		return r.cpu.Draw(src, q)
	}
	if src == nil || (src.Image == nil) == (src.DMABuf == nil) {
		return fmt.Errorf("render/gl: draw: exactly one of DMABuf and Image must be set: %w", render.ErrBadRect)
	}
	r.ops = append(r.ops, op{src: src, q: *q})
	r.c.src, r.c.q = src, q
	r.th.Do(r.fnDraw)
	err := r.c.err
	r.c = call{}
	return err
}

func (r *Renderer) draw(src *render.Source, q *render.Quad) error {
	if q.Dst.Empty() || q.Opacity <= 0 {
		return nil
	}
	t, err := r.texture(src)
	if err != nil {
		return err
	}
	sr := q.Src
	if sr.Empty() {
		sr = image.Rect(0, 0, t.w, t.h)
	}
	if !sr.In(image.Rect(0, 0, t.w, t.h)) {
		return fmt.Errorf("render/gl: source rectangle %v outside buffer %dx%d: %w", sr, t.w, t.h, render.ErrBadRect)
	}
	p := &r.progs[t.prog]
	if p.id == 0 {
		return fmt.Errorf("render/gl: no shader for this texture (GL_OES_EGL_image_external missing): %w", render.ErrUnsupportedFormat)
	}
	gl.UseProgram(p.id)
	gl.ActiveTexture(gl.TEXTURE0)
	gl.BindTexture(t.target, t.id)
	filter := int32(gl.LINEAR)
	if q.Filter == render.Nearest {
		filter = gl.NEAREST
	}
	gl.TexParameteri(t.target, gl.TEXTURE_MIN_FILTER, filter)
	gl.TexParameteri(t.target, gl.TEXTURE_MAG_FILTER, filter)
	gl.TexParameteri(t.target, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE)
	gl.TexParameteri(t.target, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE)
	gl.Uniform1i(p.tex, 0)
	op := q.Opacity
	if op > 1 {
		op = 1
	}
	gl.Uniform1f(p.opacity, op)
	swap := float32(0)
	if t.bgr != r.fb.bgr {
		swap = 1
	}
	gl.Uniform1f(p.swap, swap)
	tw, th := float32(t.w), float32(t.h)
	gl.Uniform4f(p.clampUVLoc, (float32(sr.Min.X)+0.5)/tw, (float32(sr.Min.Y)+0.5)/th, (float32(sr.Max.X)-0.5)/tw, (float32(sr.Max.Y)-0.5)/th)

	inv := q.Transform.Inverse()
	fw, fh := float64(r.fb.w), float64(r.fb.h)
	for i := 0; i < 4; i++ {
		nx, ny := float64(i&1), float64(i>>1)
		x := float64(q.Dst.Min.X) + nx*float64(q.Dst.Dx())
		y := float64(q.Dst.Min.Y) + ny*float64(q.Dst.Dy())
		u, v := inv.Map(nx, ny)
		r.verts[i*4+0] = float32(2*x/fw - 1)
		r.verts[i*4+1] = float32(2*y/fh - 1)
		r.verts[i*4+2] = float32((float64(sr.Min.X) + u*float64(sr.Dx())) / float64(t.w))
		r.verts[i*4+3] = float32((float64(sr.Min.Y) + v*float64(sr.Dy())) / float64(t.h))
	}
	gl.BindBuffer(gl.ARRAY_BUFFER, r.vbo)
	gl.BufferSubData(gl.ARRAY_BUFFER, 0, len(r.verts)*4, gl.Ptr(&r.verts[0]))
	gl.EnableVertexAttribArray(0)
	gl.EnableVertexAttribArray(1)
	gl.VertexAttribPointerWithOffset(0, 2, gl.FLOAT, false, 16, 0)
	gl.VertexAttribPointerWithOffset(1, 2, gl.FLOAT, false, 16, 8)

	opaqueSrc := t.prog == progRGBX
	if q.Opaque || opaqueSrc && op >= 1 {
		gl.Disable(gl.BLEND)
	} else {
		gl.Enable(gl.BLEND)
		gl.BlendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA)
	}
	gl.Enable(gl.SCISSOR_TEST)
	for _, d := range r.damage {
		c := d.Intersect(q.Dst)
		if c.Empty() {
			continue
		}
		gl.Scissor(int32(c.Min.X), int32(c.Min.Y), int32(c.Dx()), int32(c.Dy()))
		gl.DrawArrays(gl.TRIANGLE_STRIP, 0, 4)
	}
	gl.Disable(gl.SCISSOR_TEST)
	return nil
}

// texture returns the texture of src: the cached import or upload, made
// or refreshed now.
func (r *Renderer) texture(src *render.Source) (*texture, error) {
	key := src.Key
	t := r.texs[key]
	if key == 0 {
		t = nil
	}
	if t != nil && (t.buf != src.DMABuf || src.Image != nil && (t.shm == nil || t.w != src.Image.Width || t.h != src.Image.Height || t.format != src.Image.Format)) {
		r.deleteTex(t)
		delete(r.texs, key)
		t = nil
	}
	fresh := t == nil
	if fresh {
		var err error
		if src.DMABuf != nil {
			t, err = r.importSource(src)
		} else {
			t, err = r.newShmTexture(src.Image)
		}
		if err != nil {
			return nil, err
		}
		if key != 0 {
			r.texs[key] = t
		}
	}
	switch {
	case t.fallback != nil:
		// A refused dma-buf, or shm in a format GL does not upload
		// (NV12): the CPU converts it every time it is drawn.
		if t.shm != nil {
			t.shm = src.Image
		}
		if err := r.cpuCopy(src, t.fallback); err != nil {
			return nil, err
		}
		gl.BindTexture(gl.TEXTURE_2D, t.id)
		r.upload(t.fallback, image.Rect(0, 0, t.w, t.h))
	case t.shm != nil:
		t.shm = src.Image
		gl.BindTexture(gl.TEXTURE_2D, t.id)
		if fresh || src.Damage == nil {
			r.stats.Uploads++
			r.upload(src.Image, image.Rect(0, 0, t.w, t.h))
		} else {
			for _, d := range src.Damage {
				if d = d.Intersect(image.Rect(0, 0, t.w, t.h)); !d.Empty() {
					r.stats.Uploads++
					r.upload(src.Image, d)
				}
			}
		}
	}
	return t, nil
}

// cpuReadable are the formats GL can draw from through a CPU conversion.
func cpuReadable(f allocator.Format) bool {
	for _, x := range render.SourceFormats() {
		if f == x {
			return true
		}
	}
	return false
}

// newConverted makes the texture of a source the CPU converts to
// ARGB8888 (XRGB8888 when the source is opaque) before each upload.
func (r *Renderer) newConverted(t *texture, opaque bool) {
	f := allocator.ARGB8888
	t.prog = progRGBA
	if opaque {
		f, t.prog = allocator.XRGB8888, progRGBX
	}
	t.fallback = render.NewImage(f, t.w, t.h)
	t.bgr = true
	t.target = gl.TEXTURE_2D
	gl.GenTextures(1, &t.id)
	gl.BindTexture(gl.TEXTURE_2D, t.id)
	gl.TexImage2D(gl.TEXTURE_2D, 0, gl.RGBA, int32(t.w), int32(t.h), 0, gl.RGBA, gl.UNSIGNED_BYTE, nil)
}

func (r *Renderer) newShmTexture(m *render.Image) (*texture, error) {
	if _, ok := layoutOf(m.Format); !ok && m != nil && cpuReadable(m.Format) {
		t := &texture{w: m.Width, h: m.Height, shm: m, format: m.Format}
		r.newConverted(t, true)
		return t, nil
	}
	if err := checkImage(m); err != nil {
		return nil, err
	}
	l, _ := layoutOf(m.Format)
	t := &texture{target: gl.TEXTURE_2D, w: m.Width, h: m.Height, bgr: l.bgr, shm: m, prog: progRGBA, format: m.Format}
	if !l.alpha {
		t.prog = progRGBX
	}
	gl.GenTextures(1, &t.id)
	gl.BindTexture(gl.TEXTURE_2D, t.id)
	gl.TexImage2D(gl.TEXTURE_2D, 0, gl.RGBA, int32(m.Width), int32(m.Height), 0, gl.RGBA, gl.UNSIGNED_BYTE, nil)
	return t, nil
}

// importSource imports a dma-buf source, or sets up its CPU fallback.
func (r *Renderer) importSource(src *render.Source) (*texture, error) {
	b := src.DMABuf
	t := &texture{w: b.Width, h: b.Height, buf: b, prog: progRGBA}
	err := r.tryImport(src, t)
	if err == nil {
		r.stats.Imports++
		return t, nil
	}
	// Fallback for this buffer: the CPU reads it, GL samples the copy.
	r.stats.LastImportError = err
	if !cpuReadable(b.Format) || b.Modifier != allocator.ModifierLinear && b.Modifier != allocator.ModifierInvalid {
		return nil, err // neither path can read it
	}
	r.stats.ImportFallbacks++
	l, ok := layoutOf(b.Format)
	r.newConverted(t, !ok || !l.alpha)
	return t, nil
}

func (r *Renderer) tryImport(src *render.Source, t *texture) error {
	if r.failImport != nil && r.failImport(src) {
		return fmt.Errorf("render/gl: import %v: %w (forced by test)", src.DMABuf, render.ErrImport)
	}
	if !r.caps.DMABufImport {
		return fmt.Errorf("render/gl: import %v: %w: no EGL_EXT_image_dma_buf_import", src.DMABuf, render.ErrImport)
	}
	if err := swrastMappable(r.swrastProbe, src.DMABuf); err != nil {
		return err
	}
	img, err := r.createImage(src.DMABuf)
	if err != nil {
		return err
	}
	t.img = img
	_, rgb := layoutOf(src.DMABuf.Format)
	targets := []uint32{gl.TEXTURE_2D, gl.TEXTURE_EXTERNAL_OES}
	if !rgb {
		targets = targets[1:]
	}
	for _, target := range targets {
		gl.GenTextures(1, &t.id)
		gl.BindTexture(target, t.id)
		gl.EGLImageTargetTexture2DOES(target, img.Pointer())
		if e := gl.GetError(); e == gl.NO_ERROR {
			t.target = target
			if target == gl.TEXTURE_EXTERNAL_OES {
				t.prog = progExternal
			}
			return nil
		}
		gl.DeleteTextures(1, &t.id)
		t.id = 0
	}
	r.d.DestroyImage(img)
	t.img = 0
	return fmt.Errorf("render/gl: bind EGLImage of %v as a texture: %w", src.DMABuf, render.ErrImport)
}

// cpuCopy draws src into m with the CPU renderer (SRC, 1:1).
func (r *Renderer) cpuCopy(src *render.Source, m *render.Image) error {
	if err := r.cpu.Begin(&render.Target{Image: m}, nil); err != nil {
		return err
	}
	q := render.Quad{Dst: m.Bounds(), Opacity: 1, Opaque: true, Filter: render.Nearest}
	if err := r.cpu.Draw(&render.Source{DMABuf: src.DMABuf, Image: src.Image}, &q); err != nil {
		return fmt.Errorf("render/gl: CPU conversion of a source GL cannot read: %w", err)
	}
	_, err := r.cpu.Finish()
	return err
}

func (r *Renderer) deleteTex(t *texture) {
	if t.id != 0 {
		gl.DeleteTextures(1, &t.id)
	}
	r.d.DestroyImage(t.img)
}

// upload copies rectangle d of m into the bound TEXTURE_2D.
func (r *Renderer) upload(m *render.Image, d image.Rectangle) {
	base := d.Min.Y*m.Stride + d.Min.X*4
	if r.gles >= 3 {
		gl.PixelStorei(gl.UNPACK_ROW_LENGTH, int32(m.Stride/4))
		gl.TexSubImage2D(gl.TEXTURE_2D, 0, int32(d.Min.X), int32(d.Min.Y), int32(d.Dx()), int32(d.Dy()), gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(&m.Pix[base]))
		gl.PixelStorei(gl.UNPACK_ROW_LENGTH, 0)
		return
	}
	for y := d.Min.Y; y < d.Max.Y; y++ {
		o := y*m.Stride + d.Min.X*4
		gl.TexSubImage2D(gl.TEXTURE_2D, 0, int32(d.Min.X), int32(y), int32(d.Dx()), 1, gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(&m.Pix[o]))
	}
}

// Finish ends the frame. If GL failed during it (context lost, GL error),
// the frame is drawn again on the CPU.
func (r *Renderer) Finish() (render.Sync, error) {
	if !r.begun {
		return nil, render.ErrNotBegun
	}
	r.begun = false
	if r.onCPU {
		r.lastCPU = true
		return r.cpu.Finish()
	}
	r.th.Do(r.fnFinish)
	sync, err := r.c.sync, r.c.err
	r.c = call{}
	if err == nil {
		r.lastCPU = false
		r.last = r.fb
		return sync, nil
	}
	// Replay on the CPU so the frame is never lost.
	r.stats.CPUFrames++
	r.frameErr = err
	if e := r.cpu.Begin(&r.target, r.damage); e != nil {
		return nil, fmt.Errorf("render/gl: %v; CPU replay: %w", err, e)
	}
	for i := range r.ops {
		o := &r.ops[i]
		var e error
		if o.clear {
			e = r.cpu.Clear(o.color)
		} else {
			e = r.cpu.Draw(o.src, &o.q)
		}
		if e != nil {
			return nil, fmt.Errorf("render/gl: %v; CPU replay: %w", err, e)
		}
	}
	r.lastCPU = true
	return r.cpu.Finish()
}

const glContextLost = 0x0507

func (r *Renderer) finish() (render.Sync, error) {
	e := gl.GetError()
	if r.loseContext {
		r.loseContext = false
		e = glContextLost
	}
	if e == glContextLost || egl.LastError() == egl.ContextLost {
		r.lost = fmt.Errorf("render/gl: GL context lost on %s", r.glInfo)
		return nil, r.lost
	}
	if e != gl.NO_ERROR {
		return nil, fmt.Errorf("render/gl: GL error 0x%04x during the frame", e)
	}
	if r.fb.mem != nil {
		// Memory target: read the damage back (synchronous).
		for _, d := range r.damage {
			r.readInto(r.fb.mem, d, d.Min)
		}
		return doneSync{}, nil
	}
	if r.fence != 0 {
		r.d.DestroyFence(r.fence)
		r.fence = 0
	}
	f, err := r.d.CreateFence()
	if err != nil {
		gl.Finish()
		return doneSync{}, nil
	}
	gl.Flush()
	r.fence = f
	r.sync.f = f
	return &r.sync, nil
}

type doneSync struct{}

func (doneSync) Wait(time.Duration) error { return nil }

type fenceSync struct {
	r *Renderer
	f egl.Fence
}

// Wait waits for the frame's fence. The renderer keeps one fenceSync:
// a Sync is valid until the next Finish, as the interface says.
func (s *fenceSync) Wait(timeout time.Duration) error {
	r := s.r
	r.c.wait = timeout
	r.th.Do(r.fnWait)
	err := r.c.err
	r.c = call{}
	if errors.Is(err, egl.ErrTimeout) {
		return render.ErrTimeout
	}
	return err
}

// wait runs on the GL thread.
func (s *fenceSync) wait(timeout time.Duration) error {
	r := s.r
	if r.fence == 0 || r.fence != s.f {
		return nil // already waited for, or replaced by a later frame's
	}
	if err := r.d.WaitFence(s.f, timeout); err != nil {
		return err
	}
	r.d.DestroyFence(s.f)
	r.fence = 0
	return nil
}

// readInto reads rectangle d of the bound framebuffer into m at p (same
// channel order as the framebuffer).
func (r *Renderer) readInto(m *render.Image, d image.Rectangle, p image.Point) {
	base := p.Y*m.Stride + p.X*4
	if r.gles >= 3 {
		gl.PixelStorei(gl.PACK_ROW_LENGTH, int32(m.Stride/4))
		gl.ReadPixels(int32(d.Min.X), int32(d.Min.Y), int32(d.Dx()), int32(d.Dy()), gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(&m.Pix[base]))
		gl.PixelStorei(gl.PACK_ROW_LENGTH, 0)
		return
	}
	for y := 0; y < d.Dy(); y++ {
		gl.ReadPixels(int32(d.Min.X), int32(d.Min.Y+y), int32(d.Dx()), 1, gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(&m.Pix[base+y*m.Stride]))
	}
}

// ReadPixels copies r of the last finished target into dst.
func (r *Renderer) ReadPixels(rect image.Rectangle, dst *render.Image) error {
	if r.lastCPU {
		return r.cpu.ReadPixels(rect, dst)
	}
	if r.last == nil {
		return fmt.Errorf("render/gl: read pixels: %w", render.ErrNotBegun)
	}
	if err := checkImage(dst); err != nil {
		return err
	}
	fb := r.last
	if !rect.In(image.Rect(0, 0, fb.w, fb.h)) || rect.Empty() || rect.Dx() > dst.Width || rect.Dy() > dst.Height {
		return fmt.Errorf("render/gl: read pixels %v of %dx%d into %dx%d: %w", rect, fb.w, fb.h, dst.Width, dst.Height, render.ErrBadRect)
	}
	n := rect.Dx() * rect.Dy() * 4
	if cap(r.readBuf) < n {
		r.readBuf = make([]byte, n)
	}
	tmp := render.Image{Format: allocator.ABGR8888, Width: rect.Dx(), Height: rect.Dy(), Stride: rect.Dx() * 4, Pix: r.readBuf[:n]}
	r.th.Do(func() {
		gl.BindFramebuffer(gl.FRAMEBUFFER, fb.fbo)
		r.readInto(&tmp, rect, image.Point{})
	})
	// tmp holds the framebuffer's channels in R,G,B,A slots; name them.
	switch {
	case fb.bgr && fb.alpha:
		tmp.Format = allocator.ARGB8888
	case fb.bgr:
		tmp.Format = allocator.XRGB8888
	case !fb.alpha:
		tmp.Format = allocator.XBGR8888
	}
	return convert(&tmp, dst)
}

// Forget drops the cached import, upload or framebuffer of key.
func (r *Renderer) Forget(key uint64) {
	delete(r.refused, key)
	t, fb := r.texs[key], r.fbs[key]
	if t == nil && fb == nil {
		return
	}
	delete(r.texs, key)
	delete(r.fbs, key)
	r.th.Do(func() {
		if t != nil {
			r.deleteTex(t)
		}
		if fb != nil {
			r.deleteFB(fb)
		}
	})
	r.cpu.Forget(key)
}

// Close releases every import and the context, and stops the GL thread.
func (r *Renderer) Close() error {
	if r.th == nil {
		return nil
	}
	r.th.Do(func() {
		for _, t := range r.texs {
			r.deleteTex(t)
		}
		for _, fb := range r.fbs {
			r.deleteFB(fb)
		}
		if r.tmpFB != nil {
			r.deleteFB(r.tmpFB)
		}
		if r.fence != 0 {
			r.d.DestroyFence(r.fence)
		}
		r.d.Close()
	})
	r.swrastProbe.Close()
	r.th.Stop()
	r.th = nil
	r.texs, r.fbs = nil, nil
	return r.cpu.Close()
}
