// Package egl is scanout's small cgo binding to EGL: displays on a GBM
// device (a render node on hardware, a KMS card node for Mesa's kms_swrast),
// on the surfaceless and device platforms for headless runs; GLES 3 (or 2)
// contexts without surfaces; dma-buf import as EGLImages with
// EGL_EXT_image_dma_buf_import(_modifiers), including multi-planar formats;
// the importable formats and modifiers; fence syncs; and the one OS thread
// that owns a context (Thread).
//
// It is compiled only with the gl build tag and cgo (it links libEGL and
// libgbm); without them the package is empty. Every function except
// NewThread and Thread.Do must run on the Thread that made the context
// current.
package egl
