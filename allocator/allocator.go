package allocator

import (
	"fmt"
	"strings"
)

// Usage says what a buffer will be used for. Allocators advertise the
// usages they can satisfy in Caps; a Request lists the ones it needs.
type Usage uint32

// Usage bits.
const (
	// UsageScanout: a display controller will scan the buffer out.
	UsageScanout Usage = 1 << iota
	// UsageRender: a GPU will render into it.
	UsageRender
	// UsageSample: a GPU will sample (texture) from it.
	UsageSample
	// UsageCPURead: the CPU will read it (through Buffer.Access).
	UsageCPURead
	// UsageCPUWrite: the CPU will write it (through Buffer.Access).
	UsageCPUWrite
	// UsageLinear: the layout must be linear (ModifierLinear).
	UsageLinear
	// UsageContiguous: the memory must be physically contiguous (display
	// engines without an IOMMU).
	UsageContiguous
)

// UsageCPU is UsageCPURead | UsageCPUWrite.
const UsageCPU = UsageCPURead | UsageCPUWrite

var usageNames = []string{"Scanout", "Render", "Sample", "CPURead", "CPUWrite", "Linear", "Contiguous"}

// String lists the bits: "Scanout|CPUWrite".
func (u Usage) String() string {
	if u == 0 {
		return "none"
	}
	var parts []string
	for i, n := range usageNames {
		if u&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := u &^ (1<<len(usageNames) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(parts, "|")
}

// Has reports whether every bit of want is set in u.
func (u Usage) Has(want Usage) bool { return u&want == want }

// Request asks for one buffer.
type Request struct {
	Width, Height int
	Format        Format
	// Modifiers lists the acceptable modifiers, in order of preference.
	// Empty means "whatever the allocator produces by default" (LINEAR for
	// the linear allocators, the implicit modifier for GBM). Include
	// ModifierInvalid to accept the implicit modifier explicitly.
	Modifiers []Modifier
	Usage     Usage
	// Name labels the buffer in debugfs (DMA_BUF_SET_NAME) and in errors.
	// At most 31 bytes are kept.
	Name string
}

// String describes the request: "1920x1080 XRGB8888 [LINEAR] Scanout|CPUWrite".
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%dx%d %v", r.Width, r.Height, r.Format)
	if len(r.Modifiers) > 0 {
		b.WriteString(" [")
		for i, m := range r.Modifiers {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m.String())
		}
		b.WriteByte(']')
	}
	fmt.Fprintf(&b, " %v", r.Usage)
	if r.Name != "" {
		fmt.Fprintf(&b, " %q", r.Name)
	}
	return b.String()
}

// Validate checks what every allocator requires: dimensions in
// 1..MaxDimension, a known format, and a stride that fits in 32 bits.
// It returns a *RequestError.
func (r Request) Validate() error {
	var planes [MaxPlanes]PlaneLayout
	_, _, err := layoutInto(r.Width, r.Height, r.Format, Alignment{}, &planes)
	return err
}

// Caps is what an allocator can do.
type Caps struct {
	// Kind is the allocator family: KindDMAHeap, KindDumb, KindGBM,
	// KindUdmabuf or KindShm. The policy's default order is by kind.
	Kind Kind
	// Usage lists the usages its buffers can satisfy. UsageScanout means
	// the memory is of a kind a display engine can scan out (whether a
	// given plane accepts it is for negotiation to probe).
	Usage Usage
	// Formats lists the formats and modifiers it can produce.
	Formats FormatSet
	// Memory is the kind of memory its buffers have.
	Memory Memory
	// Cached reports whether CPU access goes through the CPU cache
	// (false for uncached/write-combined heaps: fast to write once,
	// slow to read).
	Cached bool
}

// Kind is an allocator family.
type Kind string

// Allocator families.
const (
	KindDMAHeap Kind = "dmaheap"
	KindDumb    Kind = "dumb"
	KindGBM     Kind = "gbm"
	KindUdmabuf Kind = "udmabuf"
	KindShm     Kind = "shm"
)

// Check returns a *RequestError when the allocator called route cannot
// produce r: unknown format, format or modifier not producible, or usage
// not supported. It makes no system call.
func (c Caps) Check(route string, r Request) error {
	if err := r.Validate(); err != nil {
		if re, ok := err.(*RequestError); ok {
			re.Route = route
		}
		return err
	}
	if !c.Formats.HasFormat(r.Format) {
		return &RequestError{Route: route, Field: "format", Reason: fmt.Sprintf("%v is not one of the formats this allocator produces", r.Format), Kind: ErrUnsupportedFormat}
	}
	if _, ok := c.PickModifier(r); !ok {
		return &RequestError{Route: route, Field: "modifiers", Reason: fmt.Sprintf("none of %v can be produced for %v (can: %v)", r.Modifiers, r.Format, c.Formats.Modifiers(r.Format)), Kind: ErrUnsupportedModifier}
	}
	if r.Usage.Has(UsageLinear) && !c.Formats.Has(r.Format, ModifierLinear) {
		return &RequestError{Route: route, Field: "usage", Reason: "Linear requested but this allocator cannot produce LINEAR " + r.Format.String(), Kind: ErrUnsupportedModifier}
	}
	if missing := r.Usage &^ c.Usage; missing != 0 {
		return &RequestError{Route: route, Field: "usage", Reason: fmt.Sprintf("cannot provide %v (provides %v)", missing, c.Usage), Kind: ErrUnsupportedUsage}
	}
	return nil
}

// PickModifier returns the first of r.Modifiers the allocator can produce
// for r.Format (ModifierInvalid in r.Modifiers matches an allocator that
// lists ModifierInvalid, i.e. allocates with an implicit layout). With no
// modifiers in r it returns the allocator's first modifier for the format,
// preferring LINEAR when r.Usage has UsageLinear or a CPU bit.
func (c Caps) PickModifier(r Request) (Modifier, bool) {
	mods := c.Formats.m[r.Format]
	if len(r.Modifiers) == 0 {
		if c.Formats.Has(r.Format, ModifierLinear) {
			return ModifierLinear, true
		}
		if r.Usage&(UsageLinear|UsageCPU) != 0 || len(mods) == 0 {
			return 0, false
		}
		return mods[0], true
	}
	for _, m := range r.Modifiers {
		if r.Usage.Has(UsageLinear) && m != ModifierLinear {
			continue
		}
		if c.Formats.Has(r.Format, m) {
			return m, true
		}
	}
	return 0, false
}

// Allocator allocates buffers from one kind of memory on one device. Its
// methods are safe for concurrent use.
type Allocator interface {
	// Name is the route name used in selection records and errors:
	// "dmaheap:system", "dumb:/dev/dri/card1", "udmabuf", "shm", ...
	Name() string
	// Caps returns what this allocator can do.
	Caps() Caps
	// Allocate returns a new buffer owned by the caller. Requests the
	// allocator cannot satisfy by construction get a *RequestError before
	// any system call.
	Allocate(Request) (*Buffer, error)
	// Close releases the allocator's own resources (device fds). Buffers
	// already allocated stay valid.
	Close() error
}
