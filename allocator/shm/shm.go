package shm

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
)

// Options configure New. The zero value means defaults.
type Options struct {
	// Alignment is the layout; the zero value means allocator.ShmAlignment.
	Alignment allocator.Alignment
}

// Allocator allocates memfd-backed buffers. It implements
// allocator.Allocator and is safe for concurrent use.
type Allocator struct {
	align allocator.Alignment
	caps  allocator.Caps
}

// New returns an shm allocator.
func New(opts *Options) *Allocator {
	a := &Allocator{align: allocator.ShmAlignment}
	if opts != nil && opts.Alignment != (allocator.Alignment{}) {
		a.align = opts.Alignment
	}
	if a.align.Size < os.Getpagesize() {
		a.align.Size = os.Getpagesize()
	}
	a.caps = allocator.Caps{Kind: allocator.KindShm, Usage: allocator.UsageCPU | allocator.UsageLinear,
		Formats: allocator.LinearFormats(), Memory: allocator.MemoryShm, Cached: true}
	return a
}

// Name implements allocator.Allocator: "shm".
func (a *Allocator) Name() string { return "shm" }

// Caps implements allocator.Allocator.
func (a *Allocator) Caps() allocator.Caps { return a.caps }

// Close implements allocator.Allocator; it holds nothing.
func (a *Allocator) Close() error { return nil }

// Memfd creates a memfd of size bytes (MFD_CLOEXEC|MFD_ALLOW_SEALING),
// sealed against shrinking (F_SEAL_SHRINK), owned by the caller. name
// appears in /proc/PID/fd and in errors. udmabuf builds on it too.
func Memfd(name string, size uint64) (*fd.FD, error) {
	n, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, &allocator.Error{Op: "memfd_create " + name, Route: "shm", Kind: allocator.Classify(err), Err: err,
			Hint: "the kernel needs CONFIG_MEMFD_CREATE"}
	}
	f, err := fd.New(n, "memfd:"+name)
	if err != nil {
		return nil, err
	}
	if err := f.Control(func(n int) error {
		for {
			err := unix.Ftruncate(n, int64(size))
			if err != unix.EINTR {
				return err
			}
		}
	}); err != nil {
		f.Close()
		return nil, &allocator.Error{Op: fmt.Sprintf("ftruncate %s to %d bytes", f.Name(), size), Route: "shm", Kind: allocator.Classify(err), Err: err}
	}
	if err := f.Control(func(n int) error {
		_, err := unix.FcntlInt(uintptr(n), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK)
		return err
	}); err != nil {
		f.Close()
		return nil, &allocator.Error{Op: "seal " + f.Name() + " against shrinking", Route: "shm", Kind: allocator.Classify(err), Err: err}
	}
	return f, nil
}

// Allocate implements allocator.Allocator.
func (a *Allocator) Allocate(req allocator.Request) (*allocator.Buffer, error) {
	if err := a.caps.Check(a.Name(), req); err != nil {
		return nil, err
	}
	l, err := allocator.ComputeLayout(req.Width, req.Height, req.Format, a.align)
	if err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = fmt.Sprintf("scanout %dx%d %s", req.Width, req.Height, req.Format.FourCC())
	}
	m, err := Memfd(name, l.Size)
	if err != nil {
		return nil, err
	}
	d := allocator.Desc{Width: req.Width, Height: req.Height, Format: req.Format, Modifier: allocator.ModifierLinear}
	for _, p := range l.Planes {
		d.Planes = append(d.Planes, allocator.Plane{FD: m, Offset: uint32(p.Offset), Stride: p.Stride})
	}
	return allocator.NewBuffer(d, allocator.BufferOptions{Memory: allocator.MemoryShm, Route: "shm", Usage: req.Usage, Size: l.Size})
}

var _ allocator.Allocator = (*Allocator)(nil)
