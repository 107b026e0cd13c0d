package allocator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Policy chooses an allocator per request: it orders its candidates from
// the request and hints, tries them in that order, and records why each
// one before the winner refused.
//
// The default order (before hints) depends on what the request needs:
//
//	needs                   order
//	Render or Sample        gbm, dumb, DMA heap (non-contiguous), DMA heap (contiguous), udmabuf, shm
//	Scanout                 dumb, DMA heap (non-contiguous), DMA heap (contiguous), gbm, udmabuf, shm
//	CPU only (or nothing)   shm, udmabuf, DMA heap (non-contiguous), dumb, gbm, DMA heap (contiguous)
//
// and when the request has UsageContiguous, the contiguous heaps go first.
// Contiguous (CMA) memory is scarce on the boards that need it, so it is
// only used first when asked for; when it runs out (ENOMEM) the policy
// falls back to the next candidate and the record says so. Candidates
// whose Caps cannot satisfy the request are refused without a system call.
//
// A Policy is safe for concurrent use if its allocators are; do not
// modify Allocators while it is in use.
type Policy struct {
	Allocators []Allocator
}

// Hints steer the order for one request; the negotiation layer derives
// them per KMS plane (sysfs heap links, driver knowledge, probe results).
type Hints struct {
	// Prefer lists routes to try first, in order. An entry matches an
	// allocator by exact name ("dmaheap:reserved") or by kind ("dmaheap").
	Prefer []string
	// Avoid lists routes not to try at all (same matching as Prefer);
	// each is recorded as refused with the reason given.
	Avoid []string
	// Reason explains the hints in records ("plane 31: sysfs heap link").
	Reason string
}

func matches(a Allocator, c Caps, entry string) bool {
	return a.Name() == entry || string(c.Kind) == entry
}

// Refusal records why one candidate did not provide the buffer.
type Refusal struct {
	Route string
	Err   error
}

func (r Refusal) String() string {
	msg := r.Err.Error()
	if strings.HasPrefix(msg, r.Route+": ") {
		return msg // the error already names the route
	}
	return r.Route + ": " + msg
}

// Result is a successful allocation and how it was reached.
type Result struct {
	Buffer  *Buffer
	Route   string    // the winning allocator's name
	Refused []Refusal // candidates tried or skipped before it, in order
}

// Explain renders the record: one line per refused candidate, then the
// winner.
func (r *Result) Explain() string {
	var b strings.Builder
	for _, x := range r.Refused {
		fmt.Fprintf(&b, "refused %s\n", x)
	}
	fmt.Fprintf(&b, "chose %s: %v\n", r.Route, r.Buffer)
	return b.String()
}

// NoRouteError is returned when every candidate refused. It matches
// ErrNoRoute and every refusal's error under errors.Is (so
// errors.Is(err, ErrPermission) tells that at least one heap was
// inaccessible).
type NoRouteError struct {
	Request Request
	Refused []Refusal
}

func (e *NoRouteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no allocator could provide %v", e.Request)
	if len(e.Refused) == 0 {
		b.WriteString(": no allocators configured")
	}
	for _, r := range e.Refused {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// Unwrap returns ErrNoRoute and every refusal's error.
func (e *NoRouteError) Unwrap() []error {
	out := []error{ErrNoRoute}
	for _, r := range e.Refused {
		out = append(out, r.Err)
	}
	return out
}

// RefusedByHint is the error recorded for a candidate Hints.Avoid excluded.
type RefusedByHint struct{ Reason string }

func (e *RefusedByHint) Error() string {
	if e.Reason == "" {
		return "avoided by hint"
	}
	return "avoided by hint: " + e.Reason
}

func rank(c Caps, need Usage) int {
	contiguous := c.Usage.Has(UsageContiguous)
	var order []Kind
	heapNC, heapC := 2, 3
	switch {
	case need&(UsageRender|UsageSample) != 0:
		order = []Kind{KindGBM, KindDumb, KindDMAHeap, KindDMAHeap, KindUdmabuf, KindShm}
	case need&UsageScanout != 0:
		order = []Kind{KindDumb, KindDMAHeap, KindDMAHeap, KindGBM, KindUdmabuf, KindShm}
		heapNC, heapC = 1, 2
	default:
		order = []Kind{KindShm, KindUdmabuf, KindDMAHeap, KindDumb, KindGBM, KindDMAHeap}
		heapNC, heapC = 2, 5
	}
	if c.Kind == KindDMAHeap {
		if contiguous {
			if need.Has(UsageContiguous) {
				return -1
			}
			return heapC
		}
		return heapNC
	}
	if i := slices.Index(order, c.Kind); i >= 0 {
		return i
	}
	return len(order)
}

// Order returns the candidates in the order Allocate tries them, and the
// refusals of those that hints exclude.
func (p *Policy) Order(req Request, h Hints) ([]Allocator, []Refusal) {
	type cand struct {
		a    Allocator
		c    Caps
		key  int
		idx  int
		pref int
	}
	var cs []cand
	var refused []Refusal
	for i, a := range p.Allocators {
		c := a.Caps()
		avoided := slices.ContainsFunc(h.Avoid, func(e string) bool { return matches(a, c, e) })
		if avoided {
			refused = append(refused, Refusal{Route: a.Name(), Err: &RefusedByHint{Reason: h.Reason}})
			continue
		}
		pref := slices.IndexFunc(h.Prefer, func(e string) bool { return matches(a, c, e) })
		if pref < 0 {
			pref = len(h.Prefer)
		}
		cs = append(cs, cand{a: a, c: c, key: rank(c, req.Usage), idx: i, pref: pref})
	}
	slices.SortStableFunc(cs, func(x, y cand) int {
		if x.pref != y.pref {
			return x.pref - y.pref
		}
		return x.key - y.key
	})
	out := make([]Allocator, len(cs))
	for i, c := range cs {
		out[i] = c.a
	}
	return out, refused
}

// Allocate validates req (an invalid request fails at once with a
// *RequestError, no candidate tried), then tries the candidates in Order
// and returns the first buffer with the record of refusals. When every
// candidate refuses it returns a *NoRouteError with the whole record.
func (p *Policy) Allocate(req Request, h Hints) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	order, refused := p.Order(req, h)
	for _, a := range order {
		if err := a.Caps().Check(a.Name(), req); err != nil {
			refused = append(refused, Refusal{Route: a.Name(), Err: err})
			continue
		}
		b, err := a.Allocate(req)
		if err != nil {
			refused = append(refused, Refusal{Route: a.Name(), Err: err})
			continue
		}
		return &Result{Buffer: b, Route: a.Name(), Refused: refused}, nil
	}
	return nil, &NoRouteError{Request: req, Refused: refused}
}

// Close closes every allocator.
func (p *Policy) Close() error {
	var errs []error
	for _, a := range p.Allocators {
		errs = append(errs, a.Close())
	}
	return errors.Join(errs...)
}
