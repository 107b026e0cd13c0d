package allocator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fake is a pure-logic stand-in for the policy tests: the real allocators
// are tested against the kernel in their own packages.
type fake struct {
	name  string
	caps  Caps
	fail  error // returned by Allocate when set
	calls int
	t     *testing.T
}

func (f *fake) Name() string { return f.name }
func (f *fake) Caps() Caps   { return f.caps }
func (f *fake) Close() error { return nil }
func (f *fake) Allocate(r Request) (*Buffer, error) {
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	b := newShm(f.t, r.Width, r.Height, r.Format)
	b.Route = f.name
	return b, nil
}

func fakes(t *testing.T) map[string]*fake {
	all := UsageScanout | UsageCPU | UsageLinear
	return map[string]*fake{
		"shm":              {name: "shm", caps: Caps{Kind: KindShm, Usage: UsageCPU | UsageLinear, Formats: LinearFormats()}},
		"udmabuf":          {name: "udmabuf", caps: Caps{Kind: KindUdmabuf, Usage: all, Formats: LinearFormats()}},
		"dmaheap:system":   {name: "dmaheap:system", caps: Caps{Kind: KindDMAHeap, Usage: all, Formats: LinearFormats()}},
		"dmaheap:reserved": {name: "dmaheap:reserved", caps: Caps{Kind: KindDMAHeap, Usage: all | UsageContiguous, Formats: LinearFormats()}},
		"dumb:card1":       {name: "dumb:card1", caps: Caps{Kind: KindDumb, Usage: all, Formats: NewFormatSet([]Format{XRGB8888, ARGB8888}, ModifierLinear)}},
		"gbm:card1":        {name: "gbm:card1", caps: Caps{Kind: KindGBM, Usage: all | UsageRender | UsageSample, Formats: NewFormatSet([]Format{XRGB8888, ARGB8888}, ModifierLinear, ModifierInvalid)}},
	}
}

func policyOf(t *testing.T, fs map[string]*fake) *Policy {
	p := &Policy{}
	// Deliberately scrambled registration order.
	for _, n := range []string{"dmaheap:reserved", "shm", "gbm:card1", "udmabuf", "dumb:card1", "dmaheap:system"} {
		fs[n].t = t
		p.Allocators = append(p.Allocators, fs[n])
	}
	return p
}

func names(as []Allocator) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name())
	}
	return out
}

func TestPolicyOrderFollowsUsage(t *testing.T) {
	tests := []struct {
		usage Usage
		want  []string
	}{
		{UsageCPUWrite, []string{"shm", "udmabuf", "dmaheap:system", "dumb:card1", "gbm:card1", "dmaheap:reserved"}},
		{UsageScanout | UsageCPUWrite, []string{"dumb:card1", "dmaheap:system", "dmaheap:reserved", "gbm:card1", "udmabuf", "shm"}},
		{UsageScanout | UsageContiguous, []string{"dmaheap:reserved", "dumb:card1", "dmaheap:system", "gbm:card1", "udmabuf", "shm"}},
		{UsageRender | UsageScanout, []string{"gbm:card1", "dumb:card1", "dmaheap:system", "dmaheap:reserved", "udmabuf", "shm"}},
	}
	for _, tt := range tests {
		p := policyOf(t, fakes(t))
		got, _ := p.Order(Request{Usage: tt.usage}, Hints{})
		if !slices.Equal(names(got), tt.want) {
			t.Errorf("%v: order %v, want %v", tt.usage, names(got), tt.want)
		}
	}
}

func TestPolicyHintsPreferAndAvoid(t *testing.T) {
	p := policyOf(t, fakes(t))
	got, refused := p.Order(Request{Usage: UsageScanout}, Hints{Prefer: []string{"dmaheap:reserved", "udmabuf"}, Avoid: []string{"dumb"}, Reason: "plane 31: heap link"})
	if want := []string{"dmaheap:reserved", "udmabuf", "dmaheap:system", "gbm:card1", "shm"}; !slices.Equal(names(got), want) {
		t.Errorf("order %v, want %v", names(got), want)
	}
	if len(refused) != 1 || refused[0].Route != "dumb:card1" || refused[0].Err.Error() != "avoided by hint: plane 31: heap link" {
		t.Errorf("refused = %v", refused)
	}
}

func TestPolicyFallsBackFromCMAExhaustionAndRecordsWhy(t *testing.T) {
	fs := fakes(t)
	cmaErr := Wrap("dmaheap:reserved", "allocate 8294400 bytes", fmt.Errorf("DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/reserved: %w", unix.ENOMEM))
	fs["dmaheap:reserved"].fail = cmaErr
	p := policyOf(t, fs)
	res, err := p.Allocate(Request{Width: 1920, Height: 1080, Format: XRGB8888, Usage: UsageScanout | UsageContiguous}, Hints{Avoid: []string{"dumb"}})
	if err == nil {
		res.Buffer.Close()
		t.Fatalf("allocated from %s although only the CMA heap is contiguous", res.Route)
	}
	// Only the CMA heap can be contiguous: the others are refused by caps.
	var nr *NoRouteError
	if !errors.As(err, &nr) || !errors.Is(err, ErrNoRoute) || !errors.Is(err, ErrNoMemory) || !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("err = %v", err)
	}
	if nr.Refused[1].Route != "dmaheap:reserved" || !errors.Is(nr.Refused[1].Err, ErrNoMemory) {
		t.Errorf("record %v", nr.Refused)
	}
	// Without the Contiguous requirement it falls back to the system heap.
	res, err = p.Allocate(Request{Width: 1920, Height: 1080, Format: XRGB8888, Usage: UsageScanout}, Hints{Prefer: []string{"dmaheap:reserved"}, Avoid: []string{"dumb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Buffer.Close()
	if res.Route != "dmaheap:system" {
		t.Errorf("route %s, want dmaheap:system", res.Route)
	}
	if len(res.Refused) != 2 || res.Refused[1].Route != "dmaheap:reserved" || !errors.Is(res.Refused[1].Err, ErrNoMemory) {
		t.Errorf("record %v", res.Refused)
	}
	if ex := res.Explain(); !strings.Contains(ex, "refused dmaheap:reserved: allocate 8294400 bytes: DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/reserved: cannot allocate memory") || !strings.Contains(ex, "chose dmaheap:system") {
		t.Errorf("Explain:\n%s", ex)
	}
}

func TestPolicyRefusesByCapsWithoutCalling(t *testing.T) {
	fs := fakes(t)
	p := policyOf(t, fs)
	res, err := p.Allocate(Request{Width: 64, Height: 64, Format: NV12, Usage: UsageScanout}, Hints{Prefer: []string{"dumb", "gbm"}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Buffer.Close()
	if fs["dumb:card1"].calls != 0 || fs["gbm:card1"].calls != 0 {
		t.Error("allocators that cannot produce NV12 were called")
	}
	if len(res.Refused) < 2 || !errors.Is(res.Refused[0].Err, ErrUnsupportedFormat) {
		t.Fatalf("record %v", res.Refused)
	}
	if got, want := res.Refused[0].Err.Error(), "dumb:card1: pixel format not supported by this allocator: format: NV12 is not one of the formats this allocator produces"; got != want {
		t.Errorf("refusal %q\nwant %q", got, want)
	}
}

func TestPolicyRejectsInvalidRequestBeforeTryingAnything(t *testing.T) {
	fs := fakes(t)
	p := policyOf(t, fs)
	tests := []struct {
		r    Request
		kind error
	}{
		{Request{Width: 0, Height: 10, Format: XRGB8888}, ErrInvalidRequest},
		{Request{Width: 10, Height: 1 << 20, Format: XRGB8888}, ErrInvalidRequest},
		{Request{Width: 10, Height: 10, Format: Format(0x12345678)}, ErrUnknownFormat},
	}
	for _, tt := range tests {
		_, err := p.Allocate(tt.r, Hints{})
		var re *RequestError
		if !errors.As(err, &re) || !errors.Is(err, tt.kind) {
			t.Errorf("%v: err = %v", tt.r, err)
		}
	}
	for n, f := range fs {
		if f.calls != 0 {
			t.Errorf("%s called", n)
		}
	}
}

func TestCapsCheckModifiers(t *testing.T) {
	c := Caps{Kind: KindGBM, Usage: UsageScanout | UsageRender, Formats: NewFormatSet([]Format{XRGB8888}, ModifierInvalid, ModifierIntelXTiled)}
	tests := []struct {
		r    Request
		want Modifier
		kind error
	}{
		{Request{Width: 1, Height: 1, Format: XRGB8888, Modifiers: []Modifier{ModifierLinear, ModifierIntelXTiled}}, ModifierIntelXTiled, nil},
		{Request{Width: 1, Height: 1, Format: XRGB8888}, ModifierInvalid, nil},
		{Request{Width: 1, Height: 1, Format: XRGB8888, Modifiers: []Modifier{ModifierLinear}}, 0, ErrUnsupportedModifier},
		{Request{Width: 1, Height: 1, Format: XRGB8888, Usage: UsageLinear}, 0, ErrUnsupportedModifier},
		{Request{Width: 1, Height: 1, Format: XRGB8888, Usage: UsageContiguous}, 0, ErrUnsupportedUsage},
		{Request{Width: 1, Height: 1, Format: ARGB8888}, 0, ErrUnsupportedFormat},
	}
	for _, tt := range tests {
		err := c.Check("gbm", tt.r)
		if tt.kind != nil {
			if !errors.Is(err, tt.kind) {
				t.Errorf("%v: err = %v, want %v", tt.r, err, tt.kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.r, err)
		}
		if m, _ := c.PickModifier(tt.r); m != tt.want {
			t.Errorf("%v: picked %v, want %v", tt.r, m, tt.want)
		}
	}
}
