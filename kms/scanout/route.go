package scanout

import (
	"fmt"
	"strings"
)

// RouteKind says which allocator obtains the memory.
type RouteKind string

// The route kinds.
const (
	KindHeap    RouteKind = "heap"    // a DMA-BUF heap under /dev/dma_heap
	KindUdmabuf RouteKind = "udmabuf" // memfd pages turned into a dma-buf by /dev/udmabuf
	KindDumb    RouteKind = "dumb"    // a dumb buffer on the display device, PRIME-exported
	KindGBM     RouteKind = "gbm"     // a GBM buffer on the render device
)

// MemoryClass is the physical kind of memory a route yields, which is what
// a display engine cares about.
type MemoryClass string

// The memory classes.
const (
	// ClassContiguous is physically contiguous memory (a CMA heap).
	ClassContiguous MemoryClass = "contiguous"
	// ClassSystem is scattered system pages (system heap, udmabuf): a
	// display can fetch it only through an IOMMU.
	ClassSystem MemoryClass = "system"
	// ClassDisplayOwn is memory the display device's driver allocates for
	// itself (dumb buffers): whatever that driver can scan out.
	ClassDisplayOwn MemoryClass = "display-own"
	// ClassRenderOwn is memory the render device's driver allocates.
	ClassRenderOwn MemoryClass = "render-own"
	// ClassUnknown is a heap whose kind scanout cannot tell from its name.
	ClassUnknown MemoryClass = "unknown"
)

// Route is one way of obtaining a buffer. The zero Route is invalid.
type Route struct {
	Kind RouteKind
	// Heap is the heap's name under /dev/dma_heap (KindHeap only).
	Heap string
	// Class is the memory class; ParseRoute and HeapRoute fill it from the
	// heap name, sysfs metadata may refine it.
	Class MemoryClass
}

// String returns the route's identifier as used in configuration, caches and
// reports: "heap:<name>", "udmabuf", "dumb", "gbm".
func (r Route) String() string {
	if r.Kind == KindHeap {
		return "heap:" + r.Heap
	}
	return string(r.Kind)
}

// CMAHeapNames are the names the default CMA area's heap has had across
// kernels and vendor trees.
var CMAHeapNames = []string{"linux,cma", "reserved", "default_cma_region", "cma"}

// SystemHeapNames are heaps that hand out scattered system pages.
var SystemHeapNames = []string{"system", "system-uncached"}

// HeapClass guesses the memory class of a heap from its name.
func HeapClass(name string) MemoryClass {
	for _, n := range CMAHeapNames {
		if name == n {
			return ClassContiguous
		}
	}
	for _, n := range SystemHeapNames {
		if name == n {
			return ClassSystem
		}
	}
	if strings.Contains(name, "cma") || strings.HasPrefix(name, "vc4") || strings.Contains(name, "scanout") {
		return ClassContiguous
	}
	return ClassUnknown
}

// HeapRoute returns the route through the named heap.
func HeapRoute(name string) Route { return Route{Kind: KindHeap, Heap: name, Class: HeapClass(name)} }

// Simple routes.
var (
	RouteUdmabuf = Route{Kind: KindUdmabuf, Class: ClassSystem}
	RouteDumb    = Route{Kind: KindDumb, Class: ClassDisplayOwn}
	RouteGBM     = Route{Kind: KindGBM, Class: ClassRenderOwn}
)

// ParseRoute parses a route identifier as printed by Route.String.
func ParseRoute(s string) (Route, error) {
	switch {
	case strings.HasPrefix(s, "heap:"):
		name := s[len("heap:"):]
		if err := checkHeapName(name); err != nil {
			return Route{}, fmt.Errorf("route %q: %w", s, err)
		}
		return HeapRoute(name), nil
	case s == "udmabuf":
		return RouteUdmabuf, nil
	case s == "dumb":
		return RouteDumb, nil
	case s == "gbm":
		return RouteGBM, nil
	}
	return Route{}, fmt.Errorf("route %q: unknown (want heap:<name>, udmabuf, dumb or gbm)", s)
}

func checkHeapName(name string) error {
	if name == "" || len(name) > 128 || name == "." || name == ".." || strings.ContainsAny(name, "/\x00 \t\n") {
		return fmt.Errorf("invalid heap name %q", name)
	}
	return nil
}

// Selector matches routes in hints and configuration: "*", "heap:*",
// "heap:<name>", "class:<memory class>", "udmabuf", "dumb", "gbm".
type Selector string

// ParseSelector validates s.
func ParseSelector(s string) (Selector, error) {
	switch {
	case s == "*" || s == "heap:*":
		return Selector(s), nil
	case strings.HasPrefix(s, "class:"):
		switch MemoryClass(s[len("class:"):]) {
		case ClassContiguous, ClassSystem, ClassDisplayOwn, ClassRenderOwn, ClassUnknown:
			return Selector(s), nil
		}
		return "", fmt.Errorf("selector %q: unknown memory class (want contiguous, system, display-own, render-own or unknown)", s)
	}
	if _, err := ParseRoute(s); err != nil {
		return "", fmt.Errorf("selector %q: not a route, heap:*, class:<class> or *", s)
	}
	return Selector(s), nil
}

// Match reports whether r is selected.
func (s Selector) Match(r Route) bool {
	switch {
	case s == "*":
		return true
	case s == "heap:*":
		return r.Kind == KindHeap
	case strings.HasPrefix(string(s), "class:"):
		return string(r.Class) == string(s)[len("class:"):]
	}
	return string(s) == r.String()
}
