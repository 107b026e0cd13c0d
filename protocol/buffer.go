package protocol

import (
	"fmt"
	"runtime/debug"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wl"
)

// BufferKind says where a buffer's memory lives.
type BufferKind int

const (
	// SHMBuffer lives in a client's shared memory pool (wl_shm).
	SHMBuffer BufferKind = iota + 1
	// DMABUFBuffer is one or more dma-bufs (zwp_linux_dmabuf_v1).
	DMABUFBuffer
)

func (k BufferKind) String() string {
	switch k {
	case SHMBuffer:
		return "shm"
	case DMABUFBuffer:
		return "dmabuf"
	}
	return "unknown"
}

// Buffer is a client's wl_buffer as the backend sees it. Its contents may
// be read while it is locked; when the last lock goes the client gets
// wl_buffer.release and may reuse the memory. A surface holds one lock on
// its current buffer; a backend that scans a buffer out, or reads it after
// the surface moved on, takes its own with Lock.
type Buffer struct {
	res    *core.Resource
	kind   BufferKind
	width  int32
	height int32
	format allocator.Format

	// shm
	pool   *shmPool
	offset int64
	stride int32

	// dmabuf
	dma *DMABUFAttributes

	locks     int
	destroyed bool
}

// Kind returns where the memory lives.
func (b *Buffer) Kind() BufferKind { return b.kind }

// Size returns the size in pixels.
func (b *Buffer) Size() (width, height int) { return int(b.width), int(b.height) }

// Format returns the DRM fourcc format (wl_shm codes already translated).
func (b *Buffer) Format() allocator.Format { return b.format }

// Stride returns the stride in bytes of an shm buffer.
func (b *Buffer) Stride() int { return int(b.stride) }

// DMABUF returns the planes of a dma-buf buffer (nil for shm). The
// descriptors stay owned by the buffer; Dup them to keep them longer.
func (b *Buffer) DMABUF() *DMABUFAttributes { return b.dma }

// Client returns the owning client.
func (b *Buffer) Client() *core.Client { return b.res.Client() }

// Destroyed reports whether the client destroyed the wl_buffer (its memory
// stays valid while locked).
func (b *Buffer) Destroyed() bool { return b.destroyed }

// Lock keeps the buffer's contents from being released to the client.
func (b *Buffer) Lock() { b.locks++ }

// Unlock drops a lock; the last one sends wl_buffer.release.
func (b *Buffer) Unlock() {
	if b.locks <= 0 {
		panic("protocol: Buffer.Unlock without Lock")
	}
	b.locks--
	if b.locks == 0 {
		if !b.destroyed {
			wl.Buffer{Resource: b.res}.SendRelease()
		}
		if b.destroyed {
			b.free()
		}
	}
}

func (b *Buffer) free() {
	if b.pool != nil {
		b.pool.unref()
		b.pool = nil
	}
	if b.dma != nil {
		b.dma.close()
		b.dma = nil
	}
}

// AccessSHM calls f with the pixels of an shm buffer (stride bytes per
// row, height rows). The memory belongs to the client, which may shrink
// the file under it: a fault while f runs is caught, the client is sent
// wl_shm.error invalid_fd and disconnected, and AccessSHM returns the
// error. f must not keep pixels. Call it with the lock held.
func (b *Buffer) AccessSHM(f func(pixels []byte, stride int)) (err error) {
	if b.kind != SHMBuffer || b.pool == nil {
		return fmt.Errorf("protocol: AccessSHM on a %s buffer", b.kind)
	}
	n := int64(b.stride) * int64(b.height)
	mem := b.pool.mem[b.offset : b.offset+n]
	if err := guard(func() { f(mem, int(b.stride)) }); err != nil {
		e := b.res.Errorf(wl.ShmErrorInvalidFd, "error accessing shm buffer: %v", err)
		b.res.Client().PostError(e.(*core.ProtocolError))
		return e
	}
	return nil
}

// faultError is a memory fault in client memory.
type faultError struct{ v any }

func (e *faultError) Error() string {
	return fmt.Sprintf("memory fault reading client memory (the client shrank its pool?): %v", e.v)
}

// guard runs f, turning a SIGBUS/SIGSEGV inside it into an error instead
// of a crash. Only faults are recovered; other panics propagate.
func guard(f func()) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if v := recover(); v != nil {
			// SetPanicOnFault turns faults into runtime errors with an
			// Addr method; anything else is a bug to propagate.
			if _, ok := v.(interface{ Addr() uintptr }); ok {
				err = &faultError{v}
				return
			}
			panic(v)
		}
	}()
	f()
	return nil
}

type bufferHandler struct{ b *Buffer }

func (h bufferHandler) Destroy(wl.Buffer) error { return nil }

func newBufferResource(res *core.Resource, b *Buffer) {
	b.res = res
	res.SetHandler(bufferHandler{b})
	res.SetData(b)
	res.OnDestroy(func(*core.Resource) {
		b.destroyed = true
		if b.locks == 0 {
			b.free()
		}
	})
}

// bufferFrom returns the Buffer behind a wl_buffer resource.
func bufferFrom(r *core.Resource) *Buffer {
	if r == nil {
		return nil
	}
	b, _ := r.Data().(*Buffer)
	return b
}
