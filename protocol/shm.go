package protocol

import (
	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wl"

	"golang.org/x/sys/unix"
)

// shmCodes returns the wl_shm format codes for formats, always including
// ARGB8888 (0) and XRGB8888 (1).
func shmCodes(formats []allocator.Format) []uint32 {
	out := []uint32{wl.ShmFormatArgb8888, wl.ShmFormatXrgb8888}
	for _, f := range formats {
		if f == allocator.ARGB8888 || f == allocator.XRGB8888 {
			continue
		}
		if fi, ok := f.Info(); !ok || fi.Planes != 1 {
			continue
		}
		out = append(out, uint32(f))
	}
	return out
}

// shmFormat maps a wl_shm code to a DRM format.
func shmFormat(code uint32) allocator.Format {
	switch code {
	case wl.ShmFormatArgb8888:
		return allocator.ARGB8888
	case wl.ShmFormatXrgb8888:
		return allocator.XRGB8888
	}
	return allocator.Format(code)
}

func (s *Server) addSHM() {
	s.d.AddGlobal(wl.ShmInterface, 1, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(&shmHandler{s})
		for _, f := range s.shmFmts {
			wl.Shm{Resource: r}.SendFormat(f)
		}
		return nil
	})
}

type shmHandler struct{ s *Server }

func (h *shmHandler) CreatePool(o wl.Shm, id wl.ShmPool, f *fd.FD, size int32) error {
	defer f.Close()
	if size <= 0 {
		return o.Errorf(wl.ShmErrorInvalidStride, "invalid pool size %d", size)
	}
	p := &shmPool{refs: 1}
	if err := p.mapFD(f, size); err != nil {
		return o.Errorf(wl.ShmErrorInvalidFd, "%v", err)
	}
	p.file, _ = f.Dup()
	id.SetHandler(p)
	id.OnDestroy(func(*core.Resource) { p.unref() })
	return nil
}

// shmPool is a client's mapping of its pool. Buffers hold references.
type shmPool struct {
	mem  []byte
	file *fd.FD
	refs int
}

func (p *shmPool) mapFD(f *fd.FD, size int32) error {
	var st unix.Stat_t
	var mem []byte
	err := f.Control(func(n int) error {
		if err := unix.Fstat(n, &st); err != nil {
			return err
		}
		if st.Size < int64(size) {
			return &sizeError{int64(size), st.Size}
		}
		var err error
		mem, err = unix.Mmap(n, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
		return err
	})
	if err != nil {
		if _, ok := err.(*sizeError); ok {
			return err
		}
		return &mmapError{err}
	}
	if p.mem != nil {
		unix.Munmap(p.mem)
	}
	p.mem = mem
	return nil
}

type sizeError struct{ want, have int64 }

func (e *sizeError) Error() string {
	return "pool size " + itoa64(e.want) + " larger than the file (" + itoa64(e.have) + " bytes)"
}

type mmapError struct{ err error }

func (e *mmapError) Error() string { return "mmap of the pool failed: " + e.err.Error() }

func itoa64(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func (p *shmPool) unref() {
	p.refs--
	if p.refs == 0 {
		if p.mem != nil {
			unix.Munmap(p.mem)
			p.mem = nil
		}
		p.file.Close()
	}
}

func (p *shmPool) CreateBuffer(o wl.ShmPool, id wl.Buffer, offset, width, height, stride int32, format uint32) error {
	// The wl_shm that created the pool is not tracked; formats are global.
	s := o.Client().Data().(*clientState).s
	ok := false
	for _, f := range s.shmFmts {
		ok = ok || f == format
	}
	if !ok {
		return o.Errorf(wl.ShmErrorInvalidFormat, "unsupported format 0x%08x", format)
	}
	df := shmFormat(format)
	fi, _ := df.Info()
	bpp := int64(fi.BytesPerPixel(0))
	if width <= 0 || height <= 0 || offset < 0 || stride <= 0 || int64(stride) < int64(width)*bpp ||
		int64(offset)+int64(stride)*int64(height) > int64(len(p.mem)) {
		return o.Errorf(wl.ShmErrorInvalidStride, "invalid buffer: offset %d, %dx%d, stride %d, format %s, pool of %d bytes",
			offset, width, height, stride, df, len(p.mem))
	}
	p.refs++
	b := &Buffer{kind: SHMBuffer, width: width, height: height, format: df, pool: p, offset: int64(offset), stride: stride}
	newBufferResource(id.Resource, b)
	return nil
}

func (p *shmPool) Destroy(wl.ShmPool) error { return nil }

func (p *shmPool) Resize(o wl.ShmPool, size int32) error {
	if int(size) < len(p.mem) {
		return o.Errorf(wl.ShmErrorInvalidStride, "shrinking pool from %d to %d bytes", len(p.mem), size)
	}
	if int(size) == len(p.mem) {
		return nil
	}
	// Buffers keep offsets into p.mem, so remapping replaces the slice
	// they read through p.
	if err := p.mapFD(p.file, size); err != nil {
		return o.Errorf(wl.ShmErrorInvalidFd, "resize: %v", err)
	}
	return nil
}
