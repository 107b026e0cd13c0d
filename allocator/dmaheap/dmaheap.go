package dmaheap

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Dir is where the kernel puts heap nodes.
const Dir = "/dev/dma_heap"

// Kind is what scanout knows about a heap name.
type Kind struct {
	Contiguous bool // physically contiguous memory (CMA, carve-outs)
	Cached     bool // CPU mappings are cached
	// CachedVariant is, for an uncached heap, the name of the cached heap
	// it belongs with ("system" for "system-uncached").
	CachedVariant string
}

// Kinds are the heap names scanout knows. Unknown names are treated as
// non-contiguous and cached unless their name says otherwise (see KindOf).
var Kinds = map[string]Kind{
	"system":             {Contiguous: false, Cached: true},
	"system-uncached":    {Contiguous: false, Cached: false, CachedVariant: "system"},
	"linux,cma":          {Contiguous: true, Cached: true},
	"linux,cma-uncached": {Contiguous: true, Cached: false, CachedVariant: "linux,cma"},
	"reserved":           {Contiguous: true, Cached: true},
	"default_cma_region": {Contiguous: true, Cached: true},
	"vidbuf_cached":      {Contiguous: true, Cached: true},
}

// KindOf returns what is known about heap name: from extra (vendor
// configuration) first, then Kinds, then guessed from the name (names
// containing "cma", "carveout" or "reserved" are contiguous; names ending
// in "uncached" are uncached, paired with the name without that suffix).
func KindOf(name string, extra map[string]Kind) (k Kind, known bool) {
	if k, ok := extra[name]; ok {
		return k, true
	}
	if k, ok := Kinds[name]; ok {
		return k, true
	}
	k = Kind{Cached: true}
	low := strings.ToLower(name)
	for _, s := range []string{"cma", "carveout", "reserved", "contig"} {
		if strings.Contains(low, s) {
			k.Contiguous = true
		}
	}
	for _, suf := range []string{"-uncached", "_uncached"} {
		if strings.HasSuffix(name, suf) {
			k.Cached = false
			k.CachedVariant = strings.TrimSuffix(name, suf)
		}
	}
	return k, false
}

// Options configure Enumerate and Open. The zero value means defaults.
type Options struct {
	// Dir is the heap directory; "" means /dev/dma_heap.
	Dir string
	// Kinds adds or overrides heap kinds by name (vendor heaps).
	Kinds map[string]Kind
	// Alignment is the layout; the zero value means
	// allocator.DefaultAlignment. Size alignment is at least the page size.
	Alignment allocator.Alignment
}

func (o *Options) dir() string {
	if o == nil || o.Dir == "" {
		return Dir
	}
	return o.Dir
}

// Info describes one heap node.
type Info struct {
	Name  string
	Path  string
	Kind  Kind
	Known bool // the name is in Kinds or Options.Kinds
	// Access is nil when this process can open the node read-write, or
	// the error (with the udev hint) explaining why not.
	Access error
}

// List returns the heap nodes in the directory, sorted by name, each with
// its kind and whether this process can open it. A missing directory
// gives an empty list and an error matching allocator.ErrNoDevice.
func List(opts *Options) ([]Info, error) {
	dir := opts.dir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, &allocator.Error{Op: "list heaps in " + dir, Route: "dmaheap", Kind: allocator.Classify(err), Err: err,
			Hint: "the kernel has no DMA-BUF heaps (CONFIG_DMABUF_HEAPS, CONFIG_DMABUF_HEAPS_SYSTEM, CONFIG_DMABUF_HEAPS_CMA)"}
	}
	var out []Info
	var extra map[string]Kind
	if opts != nil {
		extra = opts.Kinds
	}
	for _, e := range ents {
		p := dir + "/" + e.Name()
		k, known := KindOf(e.Name(), extra)
		out = append(out, Info{Name: e.Name(), Path: p, Kind: k, Known: known, Access: checkAccess(e.Name(), p)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// checkAccess reports whether the node can be opened read-write, without
// allocating anything.
func checkAccess(name, path string) error {
	f, err := fd.Open(path, unix.O_RDWR)
	if err != nil {
		return openError(name, path, err)
	}
	f.Close()
	return nil
}

// UdevRule returns the udev rule that lets group open heap name, e.g.
//
//	SUBSYSTEM=="dma_heap", KERNEL=="system", GROUP="video", MODE="0660"
func UdevRule(name, group string) string {
	return fmt.Sprintf(`SUBSYSTEM=="dma_heap", KERNEL=="%s", GROUP="%s", MODE="0660"`, name, group)
}

func openError(name, path string, err error) error {
	route := "dmaheap:" + name
	e := &allocator.Error{Op: "open heap node", Route: route, Kind: allocator.Classify(err), Err: err}
	switch {
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		owner := ""
		var st unix.Stat_t
		if unix.Stat(path, &st) == nil {
			owner = fmt.Sprintf(" (mode %04o, uid %d, gid %d)", st.Mode&0o7777, st.Uid, st.Gid)
		}
		e.Hint = fmt.Sprintf("%s exists%s but uid %d cannot open it: heap nodes are root-only by default; add the rule\n    %s\nto /etc/udev/rules.d/70-dma-heap.rules, add the user to group video, then run: udevadm control --reload && udevadm trigger -s dma_heap",
			path, owner, os.Geteuid(), UdevRule(name, "video"))
	case errors.Is(err, unix.ENOENT):
		e.Hint = fmt.Sprintf("this kernel has no heap named %q (see %s)", name, Dir)
	}
	return e
}

// Heap allocates from one DMA-BUF heap, and from its uncached variant when
// there is one and the CPU will not touch the buffer. Heap implements
// allocator.Allocator; it is safe for concurrent use.
type Heap struct {
	name     string // the cached (or only) heap
	uncached string // "" when there is no uncached variant
	dir      string
	kind     Kind
	align    allocator.Alignment
	caps     allocator.Caps

	mu     sync.Mutex
	nodes  map[string]*fd.FD // opened lazily
	closed bool
}

// Open returns the Heap named name ("system", "reserved", ...). The node
// is not opened yet: that happens on the first Allocate (or Check), so a
// Heap for an inaccessible node still explains itself in a policy's
// record. If a heap named name+"-uncached" exists it is used for buffers
// the CPU does not touch.
func Open(name string, opts *Options) (*Heap, error) {
	dir := opts.dir()
	var extra map[string]Kind
	align := allocator.DefaultAlignment
	if opts != nil {
		extra = opts.Kinds
		if opts.Alignment != (allocator.Alignment{}) {
			align = opts.Alignment
		}
	}
	if align.Size < os.Getpagesize() {
		align.Size = os.Getpagesize()
	}
	if _, err := os.Stat(dir + "/" + name); err != nil {
		return nil, openError(name, dir+"/"+name, err)
	}
	k, _ := KindOf(name, extra)
	h := &Heap{name: name, dir: dir, kind: k, align: align, nodes: map[string]*fd.FD{}}
	for _, suf := range []string{"-uncached", "_uncached"} {
		if _, err := os.Stat(dir + "/" + name + suf); err == nil {
			h.uncached = name + suf
			break
		}
	}
	usage := allocator.UsageScanout | allocator.UsageCPU | allocator.UsageLinear
	if k.Contiguous {
		usage |= allocator.UsageContiguous
	}
	h.caps = allocator.Caps{Kind: allocator.KindDMAHeap, Usage: usage, Formats: allocator.LinearFormats(),
		Memory: allocator.MemoryDMABuf, Cached: k.Cached}
	return h, nil
}

// Enumerate opens a Heap for every heap node, pairing uncached variants
// with their cached heap. Contiguous heaps come first.
func Enumerate(opts *Options) ([]*Heap, error) {
	infos, err := List(opts)
	if err != nil {
		return nil, err
	}
	present := map[string]bool{}
	for _, i := range infos {
		present[i.Name] = true
	}
	var out []*Heap
	for _, i := range infos {
		if !i.Kind.Cached && i.Kind.CachedVariant != "" && present[i.Kind.CachedVariant] {
			continue // served by its cached heap
		}
		h, err := Open(i.Name, opts)
		if err != nil {
			continue // vanished in between
		}
		out = append(out, h)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].kind.Contiguous && !out[b].kind.Contiguous })
	return out, nil
}

// Name returns "dmaheap:" and the heap name.
func (h *Heap) Name() string { return "dmaheap:" + h.name }

// HeapName returns the heap's name ("system").
func (h *Heap) HeapName() string { return h.name }

// Uncached returns the name of the uncached variant, or "".
func (h *Heap) Uncached() string { return h.uncached }

// Kind returns what is known about the heap.
func (h *Heap) Kind() Kind { return h.kind }

// Caps implements allocator.Allocator.
func (h *Heap) Caps() allocator.Caps { return h.caps }

// Check opens the heap node (and the uncached variant) if not yet open,
// and returns the explanation when that is not allowed.
func (h *Heap) Check() error {
	if _, err := h.node(h.name); err != nil {
		return err
	}
	if h.uncached != "" {
		if _, err := h.node(h.uncached); err != nil {
			return err
		}
	}
	return nil
}

func (h *Heap) node(name string) (*fd.FD, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, &allocator.Error{Op: "allocate", Route: h.Name(), Kind: allocator.ErrClosed}
	}
	if f := h.nodes[name]; f != nil {
		return f, nil
	}
	p := h.dir + "/" + name
	f, err := fd.Open(p, unix.O_RDWR)
	if err != nil {
		return nil, openError(name, p, err)
	}
	h.nodes[name] = f
	return f, nil
}

// Allocate implements allocator.Allocator: it lays the buffer out, picks
// the cached or uncached node, allocates one dma-buf (O_RDWR|O_CLOEXEC)
// and names it. ENOMEM (the CMA pool is exhausted) comes back as
// allocator.ErrNoMemory so a Policy falls back to the next route.
func (h *Heap) Allocate(req allocator.Request) (*allocator.Buffer, error) {
	if err := h.caps.Check(h.Name(), req); err != nil {
		return nil, err
	}
	l, err := allocator.ComputeLayout(req.Width, req.Height, req.Format, h.align)
	if err != nil {
		return nil, err
	}
	node := h.name
	if h.uncached != "" && req.Usage&allocator.UsageCPU == 0 {
		node = h.uncached
	}
	heap, err := h.node(node)
	if err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = fmt.Sprintf("scanout %dx%d %s", req.Width, req.Height, req.Format.FourCC())
	}
	route := "dmaheap:" + node
	buf, err := uapi.DMAHeapAlloc(heap, l.Size, "dma-buf "+name+" from "+route)
	if err != nil {
		e := &allocator.Error{Op: fmt.Sprintf("allocate %d bytes for %v", l.Size, req), Route: route, Kind: allocator.Classify(err), Err: err}
		if errors.Is(err, unix.ENOMEM) {
			if h.kind.Contiguous {
				e.Hint = "the contiguous (CMA) pool is exhausted or fragmented: free buffers, or enlarge it with cma=<size> on the kernel command line (or CONFIG_CMA_SIZE_MBYTES / the device tree reserved-memory node)"
			} else {
				e.Hint = "the system is out of memory"
			}
		}
		return nil, e
	}
	// Naming is for debugging (/sys/kernel/debug/dma_buf/bufinfo); kernels
	// before 5.13 or without the ioctl answer ENOTTY, which is harmless.
	_ = uapi.DMABufSetName(buf, name)
	d := allocator.Desc{Width: req.Width, Height: req.Height, Format: req.Format, Modifier: allocator.ModifierLinear}
	for _, p := range l.Planes {
		d.Planes = append(d.Planes, allocator.Plane{FD: buf, Offset: uint32(p.Offset), Stride: p.Stride})
	}
	return allocator.NewBuffer(d, allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: route, Usage: req.Usage, Size: l.Size})
}

// Close closes the heap nodes. Buffers stay valid.
func (h *Heap) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	var errs []error
	for n, f := range h.nodes {
		errs = append(errs, f.Close())
		delete(h.nodes, n)
	}
	return errors.Join(errs...)
}

var _ allocator.Allocator = (*Heap)(nil)
