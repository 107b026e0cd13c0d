package render

import (
	"errors"
	"image"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render/cpu"
)

// Renderer draws client buffers into a target buffer. Both the GL path
// (render/gl) and the CPU path (NewCPU) implement it with the same
// semantics; a scene drawn by either differs by at most a few units per
// channel.
//
// One frame is: Begin (bind a target, set the damage), any number of Clear
// and Draw calls, each clipped to the damage, then Finish. A Renderer is not
// safe for concurrent use: one compositor goroutine drives it.
type Renderer interface {
	// Name is "gl" or "cpu".
	Name() string

	// Caps reports what this renderer can import and render into.
	Caps() Caps

	// Begin binds target for the following Clear and Draw calls and clips
	// them to damage, in target pixels (nil: the whole target). Damage
	// rectangles must not overlap (as those of a region never do: OVER
	// would blend twice); damage outside the target is ignored. Begin on a Target the renderer has
	// seen before reuses its import (EGLImage + framebuffer, or mapping).
	Begin(target *Target, damage []image.Rectangle) error

	// Clear fills the damaged area of the target with c (SRC, not OVER).
	Clear(c Color) error

	// Draw composites one textured quad from src into the target. src
	// (and its pixels) must stay valid until Finish: a GL frame that
	// fails is drawn again on the CPU.
	Draw(src *Source, q *Quad) error

	// Finish ends the frame. The returned Sync signals when the pixels are
	// in the target buffer (for the CPU path, immediately); it is valid
	// until the next Finish. The frame's target stays readable with
	// ReadPixels until the next Finish.
	Finish() (Sync, error)

	// ReadPixels copies r (target pixels) of the last finished target into
	// dst, converting to dst.Format (ARGB8888, XRGB8888, ABGR8888 or
	// XBGR8888). dst must be at least r's size.
	ReadPixels(r image.Rectangle, dst *Image) error

	// Forget drops whatever the renderer cached for a source or target
	// key (imports, uploads, framebuffers). Call it when the client
	// destroys the wl_buffer or the swapchain releases the buffer.
	Forget(key uint64)

	// Close releases every cached import and the context. Buffers the
	// caller passed in are not closed.
	Close() error
}

// Target is a buffer a Renderer draws into: a scanout buffer allocated for
// the display from the negotiated plan (DMABuf), or plain memory (Image).
// Exactly one of DMABuf and Image is set.
type Target struct {
	// Key identifies the buffer across frames so imports are cached; it
	// must be unique per buffer among live targets and sources of one
	// Renderer. Zero disables caching (import per frame).
	Key    uint64
	DMABuf *allocator.Buffer
	Image  *Image
}

// Source is a client buffer a Renderer draws from: a linux-dmabuf buffer
// (DMABuf; the GL path imports it as an EGLImage and caches the import
// under Key, the CPU path maps it with DMA_BUF_IOCTL_SYNC brackets) or a
// wl_shm buffer (Image; the GL path uploads the Damage rectangles into a
// texture cached under Key). Exactly one of DMABuf and Image is set.
type Source struct {
	Key    uint64
	DMABuf *allocator.Buffer
	Image  *Image
	// Damage is the part of the buffer that changed since it was last
	// drawn under this Key, in buffer pixels; nil means all of it. Only
	// shm uploads use it.
	Damage []image.Rectangle
}

// Quad says where and how a Source is drawn. The source rectangle (buffer
// pixels) is rotated and flipped by Transform, then scaled to Dst (target
// pixels): a compositor folds the buffer transform, the surface position,
// viewporter scaling and the output transform into Src, Dst and Transform.
type Quad struct {
	// Src is the source rectangle in buffer pixels; empty means the
	// whole buffer.
	Src image.Rectangle
	// Dst is the destination rectangle in target pixels.
	Dst image.Rectangle
	// Transform rotates/flips Src before it is scaled into Dst.
	Transform Transform
	// Opacity multiplies the source, 0 (invisible) to 1 (as is).
	Opacity float32
	// Filter selects the scaling filter when Src and Dst sizes differ.
	Filter Filter
	// Opaque, when true, replaces the target pixels (SRC) instead of
	// blending (OVER). Formats without alpha at opacity 1 are drawn as
	// SRC anyway.
	Opaque bool
}

// Filter is a scaling filter. It is render/cpu's type: both paths sample
// at pixel centres, clamped to Src, with the same definition.
type Filter = cpu.Filter

// Scaling filters.
const (
	Bilinear = cpu.Bilinear
	Nearest  = cpu.Nearest
)

// Transform is a wl_output.transform value: a counter-clockwise rotation
// by a multiple of 90 degrees, applied after an optional horizontal flip
// (the Flipped variants). The numeric values equal the protocol's.
type Transform uint8

// Output transforms, numbered as wl_output.transform.
const (
	Normal Transform = iota
	Rotate90
	Rotate180
	Rotate270
	Flipped
	Flipped90
	Flipped180
	Flipped270
)

// String names the transform as the protocol does ("90", "flipped-270").
func (t Transform) String() string { return cpu.Transform(t).String() }

// Swaps reports whether the transform exchanges width and height.
func (t Transform) Swaps() bool { return cpu.Transform(t).Swaps() }

// Map returns where the normalised source coordinate (u, v) in [0,1]^2
// lands in the destination, in [0,1]^2. It defines the transform for both
// paths: the image is flipped horizontally first (Flipped variants), then
// rotated counter-clockwise as seen on screen.
func (t Transform) Map(u, v float64) (x, y float64) {
	if t >= Flipped {
		u = 1 - u
	}
	switch t & 3 {
	case 0:
		return u, v
	case 1: // 90 degrees counter-clockwise
		return v, 1 - u
	case 2:
		return 1 - u, 1 - v
	default: // 270
		return 1 - v, u
	}
}

// Color is a premultiplied RGBA colour, each channel 0 to 1.
type Color struct{ R, G, B, A float32 }

// Image is pixels in memory: a wl_shm buffer, a CPU target or a readback
// destination. Pixel (x, y) starts at Pix[y*Stride+x*4] for the 32-bit
// formats. Its Format is a DRM fourcc; colour is premultiplied.
//
// NV12 (sources only, see SourceFormats) has its luma plane in Pix/Stride
// and its interleaved CbCr plane, subsampled 2x2, in UV/UVStride; it is
// BT.601 limited range.
type Image struct {
	Format        allocator.Format
	Width, Height int
	Stride        int
	Pix           []byte
	UVStride      int
	UV            []byte
}

// Bounds returns the image rectangle.
func (m *Image) Bounds() image.Rectangle { return image.Rect(0, 0, m.Width, m.Height) }

// Sync is the sync point of a finished frame.
type Sync interface {
	// Wait blocks until the frame's rendering completed or timeout
	// passed (ErrTimeout).
	Wait(timeout time.Duration) error
}

// Caps is what a Renderer can do, for the negotiation and the report.
type Caps struct {
	// Renderer is the implementation name and, for GL, the driver
	// ("gl: llvmpipe (LLVM 15.0.6, 256 bits), OpenGL ES 3.2 Mesa 22.3.6").
	Renderer string
	// DMABufImport is true when dma-buf sources and targets are imported
	// (GL: EGL_EXT_image_dma_buf_import; CPU: mmap).
	DMABufImport bool
	// Formats is what dma-buf sources can be (GL:
	// eglQueryDmaBufFormatsEXT/ModifiersEXT), for the linux-dmabuf
	// feedback.
	Formats allocator.FormatSet
	// RenderFormats is what dma-buf targets can be (Formats without the
	// external-only modifiers, restricted to the formats the renderer
	// draws into), for intersecting with the planes' IN_FORMATS.
	RenderFormats allocator.FormatSet
	// ShmFormats lists the formats accepted in Image sources and targets.
	ShmFormats []allocator.Format
}

// Errors every Renderer returns, wrapped with detail; test them with
// errors.Is.
var (
	// ErrUnsupportedFormat: the renderer cannot read or render this
	// format/modifier.
	ErrUnsupportedFormat = errors.New("render: unsupported format")
	// ErrImport: the GPU refused to import a dma-buf (the GL path then
	// falls back to the CPU for that buffer).
	ErrImport = errors.New("render: import refused")
	// ErrNotBegun: Clear, Draw or Finish without Begin.
	ErrNotBegun = errors.New("render: no frame begun")
	// ErrBadRect: a rectangle lies outside its buffer or is empty where
	// it must not be.
	ErrBadRect = errors.New("render: rectangle outside buffer")
	// ErrTimeout: Sync.Wait timed out.
	ErrTimeout = errors.New("render: timeout waiting for the frame")
	// ErrClosed: the renderer was closed.
	ErrClosed = errors.New("render: renderer closed")
	// ErrNotBuilt: the GL renderer is not in this binary.
	ErrNotBuilt = errors.New("render: GL renderer not built in (build with -tags gl,egl and cgo)")
)
