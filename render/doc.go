// Package render defines the Renderer interface that both the GL path
// (render/gl: EGL + GLES, dma-bufs imported as EGLImages) and the CPU path
// (NewCPU, built on the render/cpu blit engine) implement, and New, which
// picks one.
//
// A frame is Begin (bind a target buffer, usually a scanout buffer from the
// negotiated plan, and set the damage), Clear and Draw calls clipped to
// the damage, and Finish, which returns a Sync. Draw composites a textured
// quad from a client buffer (a dma-buf, or shm pixels in an Image) with a
// source rectangle, a destination rectangle, opacity and a wl_output
// transform, premultiplied OVER. Both paths give the same pixels to within
// a few units per channel.
//
// New chooses GL when the binary has it (build with -tags gl,egl and cgo,
// and import render/gl for effect), an EGL display initialises, the probe
// target imports and a test draw reads back right; otherwise the CPU
// renderer, with the reason in the Selection. SCANOUT_RENDERER=gl|cpu
// forces one. A GL renderer that cannot import one buffer, or loses its
// context, draws that buffer or frame with the CPU instead of showing
// black.
//
//	r, sel, err := render.New(&render.Options{Device: "/dev/dri/renderD128"})
//	log.Printf("renderer %v", sel)
//	r.Begin(&render.Target{Key: 1, DMABuf: scanoutBuf}, damage)
//	r.Clear(render.Color{A: 1})
//	r.Draw(&render.Source{Key: 7, DMABuf: clientBuf}, &render.Quad{Dst: image.Rect(0, 0, 1920, 1080), Opacity: 1})
//	sync, err := r.Finish()
package render
