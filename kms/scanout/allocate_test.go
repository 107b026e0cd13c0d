package scanout

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/shm"
	"golang.org/x/sys/unix"
)

// fakeRoute stands in for a heap or dumb allocator in the policy glue
// test: it claims a route's name and kind and either fails with err or
// hands out shm memory. It tests only which route the policy is steered to.
type fakeRoute struct {
	name string
	kind allocator.Kind
	err  error
	shm  *shm.Allocator
	used int
}

func (f *fakeRoute) Name() string { return f.name }
func (f *fakeRoute) Caps() allocator.Caps {
	c := f.shm.Caps()
	c.Kind, c.Usage = f.kind, c.Usage|allocator.UsageScanout
	return c
}
func (f *fakeRoute) Allocate(r allocator.Request) (*allocator.Buffer, error) {
	f.used++
	if f.err != nil {
		return nil, f.err
	}
	r.Usage &^= allocator.UsageScanout
	return f.shm.Allocate(r)
}
func (f *fakeRoute) Close() error { return nil }

func TestAllocateScanoutFollowsThePlan(t *testing.T) {
	pp := &PlanePlan{ID: 31, Type: PlanePrimary, Formats: []FormatPlan{{
		Format: allocator.XRGB8888, Modifier: allocator.ModifierLinear, Route: "heap:reserved",
		Verdicts: []Verdict{
			{Route: "heap:system", Result: ResultRefused, Stage: StageImport, Errno: "EINVAL"},
			{Route: "heap:reserved", Result: ResultAccepted},
			{Route: "dumb", Result: ResultAccepted},
		},
	}}}
	h, ok := pp.Hints(allocator.XRGB8888, allocator.ModifierLinear)
	want := allocator.Hints{Prefer: []string{"dmaheap:reserved", "dumb"}, Avoid: []string{"dmaheap:system"},
		Reason: "plane 31 (primary) XRGB8888/LINEAR: negotiated"}
	if !ok || !reflect.DeepEqual(h, want) {
		t.Fatalf("hints %+v, want %+v", h, want)
	}
	s := shm.New(nil)
	system := &fakeRoute{name: "dmaheap:system", kind: allocator.KindDMAHeap, shm: s}
	cma := &fakeRoute{name: "dmaheap:reserved", kind: allocator.KindDMAHeap, shm: s}
	dumb := &fakeRoute{name: "dumb:/dev/dri/card1", kind: allocator.KindDumb, shm: s}
	policy := &allocator.Policy{Allocators: []allocator.Allocator{system, dumb, cma}}

	res, err := pp.AllocateScanout(policy, 64, 64, allocator.XRGB8888, allocator.ModifierLinear, allocator.UsageCPUWrite)
	if err != nil {
		t.Fatal(err)
	}
	res.Buffer.Close()
	if res.Route != "dmaheap:reserved" || system.used != 0 {
		t.Errorf("route %s (system tried %d times), want dmaheap:reserved and system never tried", res.Route, system.used)
	}

	// The CMA pool has run out since negotiation: the next accepted route.
	cma.err = &allocator.Error{Op: "allocate", Route: "dmaheap:reserved", Kind: allocator.ErrNoMemory, Err: unix.ENOMEM}
	res, err = pp.AllocateScanout(policy, 64, 64, allocator.XRGB8888, allocator.ModifierLinear, 0)
	if err != nil {
		t.Fatal(err)
	}
	res.Buffer.Close()
	if res.Route != "dumb:/dev/dri/card1" || !strings.Contains(res.Explain(), "refused dmaheap:reserved") {
		t.Errorf("route %s, record:\n%s", res.Route, res.Explain())
	}

	_, err = pp.AllocateScanout(policy, 64, 64, allocator.RGB565, allocator.ModifierLinear, 0)
	if err == nil || err.Error() != "allocate scanout buffer for plane 31 (primary): no negotiated route for RGB565/LINEAR (plan it first, or pick one of 1 choices)" {
		t.Errorf("unplanned format: %v", err)
	}
	if errors.Is(err, allocator.ErrNoRoute) {
		t.Error("an unplanned format is not a policy failure")
	}
}
