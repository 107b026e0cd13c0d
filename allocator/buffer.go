package allocator

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Memory is the kind of memory behind a buffer's descriptors.
type Memory uint8

// Memory kinds.
const (
	// MemoryDMABuf: the planes are dma-bufs. CPU access is bracketed with
	// DMA_BUF_IOCTL_SYNC so caches and device access are kept coherent.
	MemoryDMABuf Memory = iota + 1
	// MemoryShm: the planes are plain shared memory (memfd, wl_shm
	// pools); no cache maintenance is needed, and no device can import
	// it.
	MemoryShm
)

func (m Memory) String() string {
	switch m {
	case MemoryDMABuf:
		return "dma-buf"
	case MemoryShm:
		return "shm"
	}
	return fmt.Sprintf("Memory(%d)", uint8(m))
}

// Plane is one memory plane of a buffer.
type Plane struct {
	// FD is the descriptor of the memory holding the plane. It is owned
	// by the Buffer; several planes may share one FD (one allocation
	// with planes at different offsets). Use Buffer.DupPlane to hand a
	// descriptor to another consumer.
	FD     *fd.FD
	Offset uint32 // bytes from the start of FD's memory
	Stride uint32 // bytes per row
}

// Desc describes a buffer's layout: what a DRM framebuffer, an EGLImage
// or a zwp_linux_buffer_params_v1 needs to know.
type Desc struct {
	Width, Height int
	Format        Format
	Modifier      Modifier
	Planes        []Plane
}

// BufferOptions complete a Desc in NewBuffer.
type BufferOptions struct {
	Memory Memory // required
	Route  string // which allocator made it ("dmaheap:system"), for messages
	Usage  Usage  // what it was allocated for
	// Size is the size in bytes of the allocation (0 if unknown; it is
	// then read from the descriptor when first mapped).
	Size uint64
	// Release, when set, runs once in Close after the descriptors are
	// closed (for allocators that hold other resources per buffer).
	Release func() error
}

// Buffer is a buffer with owned descriptors. The embedded Desc is
// read-only: do not modify it.
//
// Close is idempotent and closes every descriptor and mapping. Access and
// AccessPlanes are safe for concurrent use with each other; Close waits for
// running accesses to finish. Calling Close from inside an Access callback
// deadlocks.
type Buffer struct {
	Desc
	Memory Memory
	Route  string
	Usage  Usage
	Size   uint64

	mu      sync.RWMutex // write-held by Close
	closed  bool
	mapMu   sync.Mutex  // guards filling maps
	mapped  atomic.Bool // every entry of maps is mapped (fast path)
	anyRO   bool        // some mapping is read-only (set before mapped)
	maps    []mapping   // one per distinct FD, in plane order
	release func() error
}

type mapping struct {
	fd       *fd.FD
	mem      []byte // nil until mapped
	readOnly bool
}

// NewBuffer takes ownership of the descriptors in d and returns the
// Buffer. On error every descriptor in d has been closed. It checks that
// there are 1..MaxPlanes planes, each with a descriptor, and, for known
// formats with the LINEAR modifier, as many planes as the format has.
func NewBuffer(d Desc, opts BufferOptions) (*Buffer, error) {
	closeAll := func() {
		for _, p := range d.Planes {
			p.FD.Close()
		}
	}
	if len(d.Planes) == 0 || len(d.Planes) > MaxPlanes {
		closeAll()
		return nil, &RequestError{Route: opts.Route, Field: "planes", Reason: fmt.Sprintf("%d planes (want 1..%d)", len(d.Planes), MaxPlanes), Kind: ErrInvalidRequest}
	}
	for i, p := range d.Planes {
		if p.FD == nil || p.FD.Closed() {
			closeAll()
			return nil, &RequestError{Route: opts.Route, Field: "planes", Reason: fmt.Sprintf("plane %d has no open descriptor", i), Kind: ErrInvalidRequest}
		}
	}
	if fi := formatByCode[d.Format]; fi != nil && d.Modifier == ModifierLinear && len(d.Planes) != fi.Planes {
		closeAll()
		return nil, &RequestError{Route: opts.Route, Field: "planes", Reason: fmt.Sprintf("%v has %d planes, got %d", d.Format, fi.Planes, len(d.Planes)), Kind: ErrInvalidRequest}
	}
	if opts.Memory != MemoryDMABuf && opts.Memory != MemoryShm {
		closeAll()
		return nil, &RequestError{Route: opts.Route, Field: "memory", Reason: "Memory must be MemoryDMABuf or MemoryShm", Kind: ErrInvalidRequest}
	}
	b := &Buffer{Desc: d, Memory: opts.Memory, Route: opts.Route, Usage: opts.Usage, Size: opts.Size, release: opts.Release}
	b.Planes = append([]Plane(nil), d.Planes...)
	for _, p := range b.Planes {
		if b.mappingIndex(p.FD) < 0 {
			b.maps = append(b.maps, mapping{fd: p.FD})
		}
	}
	return b, nil
}

func (b *Buffer) mappingIndex(f *fd.FD) int {
	for i := range b.maps {
		if b.maps[i].fd == f {
			return i
		}
	}
	return -1
}

// String describes the buffer: "1920x1080 XRGB8888 LINEAR dma-buf from dmaheap:system".
func (b *Buffer) String() string {
	return fmt.Sprintf("%dx%d %v %v %v from %s", b.Width, b.Height, b.Format, b.Modifier, b.Memory, b.Route)
}

// Close unmaps and closes every descriptor. It is idempotent.
func (b *Buffer) Close() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	b.mapMu.Lock()
	b.mapped.Store(false)
	for i := range b.maps {
		if b.maps[i].mem != nil {
			if err := unix.Munmap(b.maps[i].mem); err != nil {
				errs = append(errs, Wrap(b.Route, "munmap "+b.maps[i].fd.Name(), err))
			}
			b.maps[i].mem = nil
		}
		if err := b.maps[i].fd.Close(); err != nil {
			errs = append(errs, Wrap(b.Route, "close "+b.maps[i].fd.Name(), err))
		}
	}
	b.mapMu.Unlock()
	if b.release != nil {
		if err := b.release(); err != nil {
			errs = append(errs, err)
		}
		b.release = nil
	}
	return errors.Join(errs...)
}

// Closed reports whether Close was called.
func (b *Buffer) Closed() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.closed
}

// Dup returns an independent Buffer over duplicated descriptors (planes
// that shared a descriptor still share one), for handing the buffer to a
// consumer with its own lifetime. The copy has no mappings yet and no
// Release hook; the memory stays alive until both are closed.
func (b *Buffer) Dup() (*Buffer, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, &Error{Op: "dup", Route: b.Route, Kind: ErrClosed}
	}
	dups := map[*fd.FD]*fd.FD{}
	d := b.Desc
	d.Planes = make([]Plane, len(b.Planes))
	for i, p := range b.Planes {
		n, ok := dups[p.FD]
		if !ok {
			var err error
			n, err = p.FD.Dup()
			if err != nil {
				for _, x := range dups {
					x.Close()
				}
				return nil, Wrap(b.Route, "dup", err)
			}
			dups[p.FD] = n
		}
		d.Planes[i] = Plane{FD: n, Offset: p.Offset, Stride: p.Stride}
	}
	return NewBuffer(d, BufferOptions{Memory: b.Memory, Route: b.Route, Usage: b.Usage, Size: b.Size})
}

// DupPlane returns a duplicate of plane i's descriptor, owned by the
// caller (for sending over a socket or importing elsewhere).
func (b *Buffer) DupPlane(i int) (*fd.FD, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return nil, &Error{Op: "dup plane", Route: b.Route, Kind: ErrClosed}
	}
	if i < 0 || i >= len(b.Planes) {
		return nil, &Error{Op: fmt.Sprintf("dup plane %d", i), Route: b.Route, Kind: ErrInvalidRequest}
	}
	d, err := b.Planes[i].FD.Dup()
	return d, Wrap(b.Route, "dup", err)
}

// PlaneFile is DupPlane as an *os.File, for code outside this module.
func (b *Buffer) PlaneFile(i int) (*os.File, error) {
	d, err := b.DupPlane(i)
	if err != nil {
		return nil, err
	}
	n, err := d.Disown()
	if err != nil {
		return nil, Wrap(b.Route, "disown", err)
	}
	return os.NewFile(uintptr(n), d.Name()), nil
}

// AccessMode says how the CPU will touch a buffer in Access.
type AccessMode uint8

// Access modes.
const (
	AccessRead      AccessMode = 1
	AccessWrite     AccessMode = 2
	AccessReadWrite AccessMode = AccessRead | AccessWrite
)

func (m AccessMode) String() string {
	switch m {
	case AccessRead:
		return "read"
	case AccessWrite:
		return "write"
	case AccessReadWrite:
		return "read-write"
	}
	return fmt.Sprintf("AccessMode(%d)", uint8(m))
}

func (m AccessMode) syncFlags() uint64 {
	var f uint64
	if m&AccessRead != 0 {
		f |= uapi.DMA_BUF_SYNC_READ
	}
	if m&AccessWrite != 0 {
		f |= uapi.DMA_BUF_SYNC_WRITE
	}
	return f
}

// Access runs fn with the CPU mapping of the buffer's first descriptor
// (all planes, when they share one descriptor, at their Offsets). The
// mapping is made on first use and cached until Close.
//
// For dma-bufs, fn always runs between DMA_BUF_IOCTL_SYNC START and END
// with the READ and/or WRITE flags of mode, on every descriptor of the
// buffer; END is issued even when fn returns an error or panics. This is
// the only way scanout lets the CPU touch dma-buf memory. mem must not be
// used after fn returns. Writing a buffer accessed with AccessRead, or
// reading one accessed with AccessWrite, breaks coherency on non-coherent
// hardware.
func (b *Buffer) Access(mode AccessMode, fn func(mem []byte) error) error {
	return b.access(mode, func(maps []mapping) error { return fn(maps[0].mem) })
}

// AccessPlanes is Access for multi-plane buffers: planes[i] is plane i's
// memory from its Offset to the end of its descriptor's mapping.
func (b *Buffer) AccessPlanes(mode AccessMode, fn func(planes [][]byte) error) error {
	return b.access(mode, func(maps []mapping) error {
		var arr [MaxPlanes][]byte
		planes := arr[:len(b.Planes)]
		for i, p := range b.Planes {
			mem := maps[b.mappingIndex(p.FD)].mem
			if uint64(p.Offset) > uint64(len(mem)) {
				return &Error{Op: "access", Route: b.Route, Kind: ErrInvalidRequest,
					Err: fmt.Errorf("plane %d offset %d is beyond the %d-byte mapping", i, p.Offset, len(mem))}
			}
			planes[i] = mem[p.Offset:]
		}
		return fn(planes)
	})
}

func (b *Buffer) access(mode AccessMode, fn func([]mapping) error) (err error) {
	if mode != AccessRead && mode != AccessWrite && mode != AccessReadWrite {
		return &Error{Op: "access", Route: b.Route, Kind: ErrInvalidRequest, Err: fmt.Errorf("invalid access mode %v", mode)}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return &Error{Op: "access", Route: b.Route, Kind: ErrClosed}
	}
	maps, err := b.mapAll(mode)
	if err != nil {
		return err
	}
	if b.Memory == MemoryDMABuf {
		flags := mode.syncFlags()
		started := 0
		defer func() {
			for _, m := range maps[:started] {
				if e := uapi.DMABufSyncIoctl(m.fd, uapi.DMA_BUF_SYNC_END|flags); e != nil && err == nil {
					err = Wrap(b.Route, "end CPU access", e)
				}
			}
		}()
		for _, m := range maps {
			if e := uapi.DMABufSyncIoctl(m.fd, uapi.DMA_BUF_SYNC_START|flags); e != nil {
				return Wrap(b.Route, "begin CPU access", e)
			}
			started++
		}
	}
	return fn(maps)
}

// mapAll maps every descriptor not yet mapped and returns the mappings.
func (b *Buffer) mapAll(mode AccessMode) ([]mapping, error) {
	if b.mapped.Load() && (!b.anyRO || mode&AccessWrite == 0) {
		return b.maps, nil
	}
	b.mapMu.Lock()
	defer b.mapMu.Unlock()
	for i := range b.maps {
		m := &b.maps[i]
		if m.mem == nil {
			if err := b.mapOne(m); err != nil {
				return nil, err
			}
		}
		if m.readOnly {
			b.anyRO = true
		}
		if m.readOnly && mode&AccessWrite != 0 {
			return nil, &Error{Op: "access for " + mode.String(), Route: b.Route, Kind: ErrPermission,
				Err:  fmt.Errorf("%s is mapped read-only: the descriptor was opened without write access", m.fd.Name()),
				Hint: "export or open the buffer with O_RDWR (DRM_RDWR for PRIME)"}
		}
	}
	b.mapped.Store(true)
	return b.maps, nil
}

func (b *Buffer) mapOne(m *mapping) error {
	size := b.Size
	if size == 0 || len(b.maps) > 1 {
		var end int64
		err := m.fd.Control(func(n int) error {
			var e error
			end, e = unix.Seek(n, 0, unix.SEEK_END)
			return e
		})
		if err != nil {
			return &Error{Op: "size of " + m.fd.Name(), Route: b.Route, Kind: Classify(err), Err: err}
		}
		size = uint64(end)
	}
	if size == 0 || size > 1<<40 {
		return &Error{Op: "map " + m.fd.Name(), Route: b.Route, Kind: ErrInvalidRequest, Err: fmt.Errorf("unmappable size %d", size)}
	}
	var mem []byte
	err := m.fd.Control(func(n int) error {
		var e error
		mem, e = unix.Mmap(n, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if e == unix.EACCES || e == unix.EPERM {
			mem, e = unix.Mmap(n, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
			m.readOnly = e == nil
		}
		return e
	})
	if err != nil {
		return &Error{Op: "mmap " + m.fd.Name(), Route: b.Route, Kind: Classify(err), Err: err}
	}
	m.mem = mem
	return nil
}
