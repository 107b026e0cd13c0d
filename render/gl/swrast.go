//go:build gl && egl && cgo

package gl

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
	"github.com/go-scanout/scanout/render"
	"github.com/go-scanout/scanout/render/internal/egl"
)

// Mesa's kms_swrast (llvmpipe over the dumb buffers of a KMS card node, as
// in the test VM) imports any dma-buf with PRIME, but reads and writes it
// through DRM_IOCTL_MODE_MAP_DUMB, which the kernel refuses for buffers
// imported from another exporter (heaps, udmabuf, another device). Mesa
// does not check that failure and crashes in the first draw. So on
// kms_swrast every buffer is probed first, on a descriptor of its own (GEM
// handles are per open file: a probe must not close a handle Mesa holds),
// and a buffer that cannot be mapped is refused like any failed import:
// the CPU draws it. Multi-planar formats are refused on kms_swrast as well
// (see swrastMappable).

// openSwrastProbe opens the probe descriptor when the display is GBM with
// llvmpipe (kms_swrast); nil otherwise.
func openSwrastProbe(d *egl.Display, glRenderer string) (*fd.FD, error) {
	if d.Platform != egl.PlatformGBM || !strings.Contains(glRenderer, "llvmpipe") {
		return nil, nil
	}
	f, err := fd.Open(d.Node, unix.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("render/gl: open %s to probe kms_swrast imports: %w", d.Node, err)
	}
	return f, nil
}

// swrastMappable reports whether kms_swrast can map every plane of b.
// Multi-planar (YUV) imports are refused too: Mesa 22.3's kms_swrast
// accepts them but samples black (seen with NV12 from a vkms dumb buffer
// in the test VM), so the CPU converts them.
func swrastMappable(probe *fd.FD, b *allocator.Buffer) error {
	if probe == nil {
		return nil
	}
	if _, rgb := layoutOf(b.Format); !rgb {
		return fmt.Errorf("render/gl: import %v: %w: Mesa's kms_swrast samples %v imports as black; the CPU converts it instead", b, render.ErrImport, b.Format)
	}
	for i, p := range b.Planes {
		h, err := uapi.PrimeFDToHandle(probe, p.FD)
		if err != nil {
			return fmt.Errorf("render/gl: import %v plane %d into %s: %w: %w", b, i, probe.Name(), render.ErrImport, err)
		}
		_, err = uapi.ModeMapDumb(probe, h)
		_ = uapi.GemClose(probe, h)
		if err != nil {
			return fmt.Errorf("render/gl: import %v: %w: Mesa's kms_swrast maps buffers with DRM_IOCTL_MODE_MAP_DUMB, which refuses this buffer (%w; imported from another exporter); the CPU draws it instead", b, render.ErrImport, err)
		}
	}
	return nil
}
