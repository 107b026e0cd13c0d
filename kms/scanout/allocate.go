package scanout

import (
	"fmt"

	"github.com/go-scanout/scanout/allocator"
)

// AllocatorRoute maps a route to the name an allocator.Policy matches
// ("dmaheap:reserved", or the kind for the others: "udmabuf", "dumb",
// "gbm").
func AllocatorRoute(r Route) string {
	if r.Kind == KindHeap {
		return "dmaheap:" + r.Heap
	}
	return string(r.Kind)
}

// Hints returns the allocator policy hints for a (format, modifier) of the
// plane: the routes the probes accepted, winner first, are preferred; the
// routes they refused are avoided. ok is false when the plane has no such
// format or no route was accepted for it.
func (pp *PlanePlan) Hints(f allocator.Format, m allocator.Modifier) (h allocator.Hints, ok bool) {
	fp := pp.Lookup(f, m)
	if fp == nil {
		return h, false
	}
	h.Reason = fmt.Sprintf("plane %d (%s) %s/%s: negotiated", pp.ID, pp.Type, f, m)
	for _, v := range fp.Verdicts {
		r, err := ParseRoute(v.Route)
		if err != nil {
			continue
		}
		switch v.Result {
		case ResultAccepted:
			h.Prefer = append(h.Prefer, AllocatorRoute(r))
		case ResultRefused, ResultSkipped, ResultExcluded:
			h.Avoid = append(h.Avoid, AllocatorRoute(r))
		}
	}
	if fp.Route != "" {
		if r, err := ParseRoute(fp.Route); err == nil {
			// The winner first even if ProbeAll recorded others earlier.
			w := AllocatorRoute(r)
			out := []string{w}
			for _, p := range h.Prefer {
				if p != w {
					out = append(out, p)
				}
			}
			h.Prefer = out
		}
	}
	return h, len(h.Prefer) > 0
}

// AllocateScanout allocates a width x height buffer of format f and modifier
// m for the plane through policy, trying the routes negotiation accepted in
// order and never those it saw fail (a CMA pool that has run out since is
// handled by the policy's fallback, and the result's record says so).
// usage is added to allocator.UsageScanout (UsageRender for a GPU-drawn
// buffer, UsageCPUWrite for a CPU-drawn one).
func (pp *PlanePlan) AllocateScanout(policy *allocator.Policy, width, height int, f allocator.Format, m allocator.Modifier, usage allocator.Usage) (*allocator.Result, error) {
	h, ok := pp.Hints(f, m)
	if !ok {
		return nil, fmt.Errorf("allocate scanout buffer for plane %d (%s): no negotiated route for %s/%s (plan it first, or pick one of %d choices)",
			pp.ID, pp.Type, f, m, len(pp.Choices()))
	}
	req := allocator.Request{Width: width, Height: height, Format: f, Modifiers: []allocator.Modifier{m},
		Usage: allocator.UsageScanout | usage, Name: fmt.Sprintf("plane %d scanout", pp.ID)}
	return policy.Allocate(req, h)
}
