package scanout

import "fmt"

// Sharing is the decision for a split render/display pair (a Pi 4's v3d
// and vc4): which memory both devices share for the primary plane's buffers
// and which side allocates it.
type Sharing struct {
	Display string `json:"display"`
	Render  string `json:"render"`
	// Route is the memory both sides use ("" when none was found).
	Route string `json:"route,omitempty"`
	// Allocator is who allocates: "display device", "render device",
	// "DMA heap <name> (neither device)" or "udmabuf (neither device)".
	Allocator string `json:"allocator"`
	Reason    string `json:"reason"`
}

// Sharing derives the render/display sharing decision from the primary
// plane's winning route for its first working format. The render device
// imports the buffer (EGL dma-buf import); whether it can is verified by
// the renderer, not here, unless the prober tested a render-node import.
func (d *DevicePlan) Sharing() Sharing {
	s := Sharing{Display: d.Node, Render: d.Render}
	p := d.Primary()
	if p == nil {
		s.Allocator = "nobody"
		s.Reason = "the device has no primary plane"
		return s
	}
	ch := p.Choices()
	if len(ch) == 0 {
		s.Allocator = "nobody"
		s.Reason = "no route works for the primary plane: render into a buffer of the render device and copy (CPU blit) into a dumb buffer"
		return s
	}
	c := ch[0]
	s.Route = c.Route.String()
	switch c.Route.Kind {
	case KindHeap:
		s.Allocator = fmt.Sprintf("DMA heap %s (neither device)", c.Route.Heap)
		s.Reason = fmt.Sprintf("%s/%s from %s passed import and TEST_ONLY on %s; the render device imports the same dma-buf to draw into it",
			c.Format, c.Modifier, s.Route, d.Driver)
	case KindUdmabuf:
		s.Allocator = "udmabuf (neither device)"
		s.Reason = fmt.Sprintf("memfd pages passed import and TEST_ONLY on %s; the render device imports them", d.Driver)
	case KindDumb:
		s.Allocator = "display device"
		s.Reason = fmt.Sprintf("only %s's own dumb buffers are accepted (or ranked first); the render device imports them, which needs the display's primary node", d.Driver)
	case KindGBM:
		s.Allocator = "render device"
		s.Reason = fmt.Sprintf("buffers the render device allocates with GBM pass import and TEST_ONLY on %s", d.Driver)
	}
	return s
}
