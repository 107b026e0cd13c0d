package udmabuf

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/shm"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Path is the udmabuf device node.
const Path = "/dev/udmabuf"

// Options configure Open. The zero value means defaults.
type Options struct {
	// Path is the device node; "" means /dev/udmabuf.
	Path string
	// Alignment is the layout; the zero value means
	// allocator.DefaultAlignment. Size alignment is at least the page size.
	Alignment allocator.Alignment
}

// Allocator allocates udmabuf dma-bufs. It implements allocator.Allocator
// and is safe for concurrent use.
type Allocator struct {
	path  string
	align allocator.Alignment
	caps  allocator.Caps

	mu     sync.Mutex
	dev    *fd.FD
	closed bool
}

// Open returns an allocator for the udmabuf device. The node is opened on
// first use, so a missing permission is explained by Allocate (and
// recorded by a Policy); Open fails only when the node does not exist.
func Open(opts *Options) (*Allocator, error) {
	a := &Allocator{path: Path, align: allocator.DefaultAlignment}
	if opts != nil {
		if opts.Path != "" {
			a.path = opts.Path
		}
		if opts.Alignment != (allocator.Alignment{}) {
			a.align = opts.Alignment
		}
	}
	if a.align.Size < os.Getpagesize() {
		a.align.Size = os.Getpagesize()
	}
	if _, err := os.Stat(a.path); err != nil {
		return nil, &allocator.Error{Op: "open " + a.path, Route: "udmabuf", Kind: allocator.Classify(err), Err: err,
			Hint: "the kernel has no udmabuf (CONFIG_UDMABUF)"}
	}
	a.caps = allocator.Caps{Kind: allocator.KindUdmabuf, Usage: allocator.UsageScanout | allocator.UsageCPU | allocator.UsageLinear,
		Formats: allocator.LinearFormats(), Memory: allocator.MemoryDMABuf, Cached: true}
	return a, nil
}

// Name implements allocator.Allocator: "udmabuf".
func (a *Allocator) Name() string { return "udmabuf" }

// Caps implements allocator.Allocator.
func (a *Allocator) Caps() allocator.Caps { return a.caps }

func (a *Allocator) device() (*fd.FD, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, &allocator.Error{Op: "allocate", Route: "udmabuf", Kind: allocator.ErrClosed}
	}
	if a.dev != nil {
		return a.dev, nil
	}
	f, err := fd.Open(a.path, unix.O_RDWR)
	if err != nil {
		e := &allocator.Error{Op: "open device", Route: "udmabuf", Kind: allocator.Classify(err), Err: err}
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			e.Hint = fmt.Sprintf("%s exists but uid %d cannot open it; add the rule\n    KERNEL==\"udmabuf\", GROUP=\"video\", MODE=\"0660\"\nto /etc/udev/rules.d/70-udmabuf.rules, add the user to group video, then run: udevadm control --reload && udevadm trigger", a.path, os.Geteuid())
		}
		return nil, e
	}
	a.dev = f
	return f, nil
}

// Allocate implements allocator.Allocator: a sealed memfd of the layout's
// (page-aligned) size becomes one dma-buf holding every plane.
func (a *Allocator) Allocate(req allocator.Request) (*allocator.Buffer, error) {
	if err := a.caps.Check(a.Name(), req); err != nil {
		return nil, err
	}
	l, err := allocator.ComputeLayout(req.Width, req.Height, req.Format, a.align)
	if err != nil {
		return nil, err
	}
	dev, err := a.device()
	if err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = fmt.Sprintf("scanout %dx%d %s", req.Width, req.Height, req.Format.FourCC())
	}
	m, err := shm.Memfd(name, l.Size)
	if err != nil {
		return nil, err
	}
	buf, err := uapi.UdmabufCreateIoctl(dev, m, 0, l.Size, "dma-buf "+name+" from udmabuf")
	m.Close() // the dma-buf holds the pages
	if err != nil {
		e := &allocator.Error{Op: fmt.Sprintf("create %d-byte dma-buf for %v", l.Size, req), Route: "udmabuf", Kind: allocator.Classify(err), Err: err}
		switch {
		case errors.Is(err, unix.EINVAL):
			e.Hint = "udmabuf needs a memfd sealed with F_SEAL_SHRINK and page-aligned offset and size"
		case errors.Is(err, unix.E2BIG):
			e.Hint = "larger than udmabuf's size_limit_mb module parameter (default 64 MiB)"
		}
		return nil, e
	}
	_ = uapi.DMABufSetName(buf, name) // debugging only; see dmaheap
	d := allocator.Desc{Width: req.Width, Height: req.Height, Format: req.Format, Modifier: allocator.ModifierLinear}
	for _, p := range l.Planes {
		d.Planes = append(d.Planes, allocator.Plane{FD: buf, Offset: uint32(p.Offset), Stride: p.Stride})
	}
	return allocator.NewBuffer(d, allocator.BufferOptions{Memory: allocator.MemoryDMABuf, Route: "udmabuf", Usage: req.Usage, Size: l.Size})
}

// Close closes the device node. Buffers stay valid.
func (a *Allocator) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.dev == nil {
		return nil
	}
	err := a.dev.Close()
	a.dev = nil
	return err
}

var _ allocator.Allocator = (*Allocator)(nil)
