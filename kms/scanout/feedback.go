package scanout

import (
	"github.com/go-scanout/scanout/allocator"
	"golang.org/x/sys/unix"
)

// Feedback is a neutral description of linux-dmabuf feedback (zwp_linux_dmabuf_feedback_v1):
// the main device and the tranches in preference order. The protocol
// package turns it into the wire format table and events.
type Feedback struct {
	// MainDevice is the node clients should allocate with when nothing
	// better applies: the render node if there is one, else the display
	// node.
	MainDevice string
	// MainDev is MainDevice's device number (st_rdev, unix.Mkdev), 0 when
	// the node cannot be stat'ed (replayed plans).
	MainDev  uint64
	Tranches []Tranche
	// Notes explain tranches that were left out.
	Notes []string
}

// Tranche is one feedback tranche.
type Tranche struct {
	// TargetDevice is the node the tranche's buffers are meant for.
	TargetDevice string
	// TargetDev is TargetDevice's device number, 0 if unknown.
	TargetDev uint64
	// Scanout is the tranche's scanout flag: buffers that follow it can be
	// put on a plane directly.
	Scanout bool
	Formats allocator.FormatSet
	// Ordered lists the same pairs best first (the plan's order), which
	// is how the protocol's tranches want them.
	Ordered []FormatModifier
}

// FormatModifier is one format with one modifier.
type FormatModifier struct {
	Format   allocator.Format
	Modifier allocator.Modifier
}

// devNumber returns the device number of a node, 0 if it cannot be stat'ed.
func devNumber(path string) uint64 {
	var st unix.Stat_t
	if path == "" || unix.Stat(path, &st) != nil {
		return 0
	}
	return uint64(st.Rdev)
}

// clientObtainable reports whether a client can obtain memory of route r
// itself: from its GPU (GBM on the render node), a DMA heap or udmabuf. A
// dumb buffer needs the display's primary node, which clients do not get.
func clientObtainable(r Route) bool {
	return r.Kind == KindHeap || r.Kind == KindUdmabuf || r.Kind == KindGBM
}

// Feedback derives the dmabuf feedback for display device d's plan: first
// a scanout tranche targeting the display device with every format and
// modifier the primary plane accepted through memory a client can obtain,
// then a render tranche for the render device with renderFormats (what the
// compositor's renderer imports; nil: the primary plane's formats).
func (d *DevicePlan) Feedback(renderFormats *allocator.FormatSet) Feedback {
	fb := Feedback{MainDevice: d.Node}
	if d.Render != "" {
		fb.MainDevice = d.Render
	}
	var scan, all allocator.FormatSet
	var scanOrder, allOrder []FormatModifier
	if p := d.Primary(); p != nil {
		for _, f := range p.Formats {
			all.Add(f.Format, f.Modifier)
			allOrder = append(allOrder, FormatModifier{f.Format, f.Modifier})
			routes, _ := p.RoutesFor(f.Format, f.Modifier)
			for _, r := range routes {
				if clientObtainable(r) {
					scan.Add(f.Format, f.Modifier)
					scanOrder = append(scanOrder, FormatModifier{f.Format, f.Modifier})
					break
				}
			}
		}
	} else {
		fb.Notes = append(fb.Notes, "no primary plane: no scanout tranche")
	}
	if scan.Len() > 0 {
		fb.Tranches = append(fb.Tranches, Tranche{TargetDevice: d.Node, TargetDev: devNumber(d.Node), Scanout: true, Formats: scan, Ordered: scanOrder})
	} else if d.Primary() != nil {
		fb.Notes = append(fb.Notes, "no scanout tranche: the primary plane accepted no memory a client can allocate (heap, udmabuf, GBM)")
	}
	fb.MainDev = devNumber(fb.MainDevice)
	rt := Tranche{TargetDevice: fb.MainDevice, TargetDev: fb.MainDev}
	if renderFormats != nil {
		rt.Formats = renderFormats.Clone()
		for f, m := range rt.Formats.All() {
			rt.Ordered = append(rt.Ordered, FormatModifier{f, m})
		}
	} else {
		rt.Formats, rt.Ordered = all, allOrder
	}
	if rt.Formats.Len() > 0 {
		fb.Tranches = append(fb.Tranches, rt)
	}
	return fb
}
