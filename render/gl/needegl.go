//go:build gl && !egl

package gl

// The gl tag needs the egl tag too: without it go-gl links libGL (GLX)
// instead of libEGL. Build with -tags gl,egl.
const _ = build_with_tags_gl_and_egl_together
