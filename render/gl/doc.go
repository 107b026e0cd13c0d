// Package gl is the GL path of render.Renderer: EGL + GLES (3 preferred, 2
// accepted) through github.com/go-gl/gl's v3.1/gles2 binding. Client
// dma-bufs are imported as EGLImages (GL_TEXTURE_2D for RGB formats,
// GL_TEXTURE_EXTERNAL_OES otherwise) and cached per buffer key; shm
// buffers are uploaded (damage only); scanout buffers become
// EGLImage-backed renderbuffers. Blending is premultiplied OVER with the
// CPU path's semantics.
//
// The package is compiled only with
//
//	go build -tags gl,egl   (cgo on; links libEGL and libgbm)
//
// Without those tags it is empty and render.New reports the GL renderer as
// not built in. Import it for effect next to render:
//
//	import _ "github.com/go-scanout/scanout/render/gl"
//
// Failures while running never show black: a dma-buf the GPU refuses is
// read by the CPU and uploaded instead (that buffer only); a target that
// does not import, or a lost context, makes the frame render on the CPU
// renderer (render.NewCPU) given at construction.
package gl
