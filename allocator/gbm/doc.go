// Package gbm allocates buffers with Mesa's libgbm on a DRM node: the
// GPU driver's own allocator, which knows the tiled and compressed layouts
// (format modifiers) its GPU renders fastest to and that its display
// engine can scan out.
//
// It needs cgo and libgbm (Debian: libgbm-dev) and is compiled only with
// the build tag gbm:
//
//	go build -tags gbm ./...
//
// Without the tag, Open returns an error matching allocator.ErrNotBuilt
// that says "not built with GBM: rebuild with -tags gbm", so a binary built
// with CGO_ENABLED=0 still links and its Policy simply records the route
// as unavailable.
//
// Allocate calls gbm_bo_create_with_modifiers2 with the request's
// acceptable modifiers and usage flags (Scanout -> GBM_BO_USE_SCANOUT,
// Render/Sample -> GBM_BO_USE_RENDERING, Linear or any CPU use ->
// GBM_BO_USE_LINEAR). When the driver cannot allocate with explicit
// modifiers and the request accepts the implicit layout (ModifierInvalid,
// or LINEAR through GBM_BO_USE_LINEAR), it retries with gbm_bo_create.
// Every plane is exported as a dma-buf (gbm_bo_get_fd_for_plane; planes
// that export the same dma-buf share one descriptor) and the bo is
// destroyed: the dma-bufs keep the memory.
//
// Where it works: Mesa's GBM needs a driver for the node. In scanout's
// test VM the vkms card node works through Mesa's kms_swrast (llvmpipe
// over dumb buffers, implicit modifier only); render nodes do not (vgem
// has no Mesa driver; virtio-gpu without 3D refuses dumb buffers on its
// render node with EACCES).
package gbm
