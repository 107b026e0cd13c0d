package protocol

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/linuxdmabuf"
	"github.com/go-scanout/scanout/protocol/wl"
)

// DMABUFFeedback is the device description zwp_linux_dmabuf_v1 feedback is
// built from. The negotiation package (kms/scanout) produces one; a
// headless server can describe a render node by hand.
//
// Clients are told: allocate on MainDevice (the device the compositor
// imports buffers with, normally a render node); then, in order of
// preference, each tranche lists the format/modifier pairs that work on
// its TargetDevice, with Scanout set when such buffers can be scanned out
// directly. The union of all tranches is what the server accepts.
type DMABUFFeedback struct {
	// MainDevice is the dev_t (unix.Mkdev(major, minor)) of the main device.
	MainDevice uint64
	// Tranches in decreasing order of preference. At least one.
	Tranches []DMABUFTranche
}

// DMABUFTranche is one preference level of DMABUFFeedback.
type DMABUFTranche struct {
	// TargetDevice is the dev_t the buffers are used on (the display
	// device for a scanout tranche, else usually MainDevice).
	TargetDevice uint64
	// Scanout marks buffers that can go straight to a KMS plane.
	Scanout bool
	// Formats are the accepted pairs, best first.
	Formats []FormatModifier
}

// FormatModifier is a DRM format with a layout modifier.
type FormatModifier struct {
	Format   allocator.Format
	Modifier allocator.Modifier
}

// DMABUFPlane is one plane of a dma-buf buffer.
type DMABUFPlane struct {
	FD     *fd.FD // owned by the buffer
	Offset uint32
	Stride uint32
}

// DMABUFAttributes describe a client's dma-buf buffer.
type DMABUFAttributes struct {
	Width, Height int32
	Format        allocator.Format
	Modifier      allocator.Modifier
	Flags         uint32 // zwp_linux_buffer_params_v1.flags (y_invert, ...)
	Planes        []DMABUFPlane
}

func (a *DMABUFAttributes) close() {
	for _, p := range a.Planes {
		p.FD.Close()
	}
}

type dmabufState struct {
	fb        *DMABUFFeedback
	table     *fd.FD // sealed memfd: 16-byte entries (format, pad, modifier)
	tableSize uint32
	index     map[FormatModifier]uint16
	feedbacks []*core.Resource
}

func (d *dmabufState) close() {
	d.table.Close()
}

// maxIndicesPerEvent bounds one tranche_formats event (2 bytes each).
const maxIndicesPerEvent = 1024

// dmaBufMagic is DMA_BUF_MAGIC from include/uapi/linux/magic.h: the
// statfs type of the kernel's dma-buf pseudo file system.
const dmaBufMagic = 0x444d4142

func buildTable(fb *DMABUFFeedback) (*fd.FD, uint32, map[FormatModifier]uint16, error) {
	if len(fb.Tranches) == 0 {
		return nil, 0, nil, fmt.Errorf("protocol: DMABUFFeedback has no tranches")
	}
	index := map[FormatModifier]uint16{}
	var data []byte
	for _, t := range fb.Tranches {
		for _, fm := range t.Formats {
			if _, ok := index[fm]; ok {
				continue
			}
			if len(index) == 1<<16 {
				return nil, 0, nil, fmt.Errorf("protocol: DMABUFFeedback has more than 65536 format/modifier pairs")
			}
			index[fm] = uint16(len(index))
			data = binary.NativeEndian.AppendUint32(data, uint32(fm.Format))
			data = binary.NativeEndian.AppendUint32(data, 0)
			data = binary.NativeEndian.AppendUint64(data, uint64(fm.Modifier))
		}
	}
	f, err := sealedFile("dmabuf format table", data)
	if err != nil {
		return nil, 0, nil, err
	}
	return f, uint32(len(data)), index, nil
}

func (s *Server) addDMABUF(fb *DMABUFFeedback) error {
	table, size, index, err := buildTable(fb)
	if err != nil {
		return err
	}
	st := &dmabufState{fb: fb, table: table, tableSize: size, index: index}
	s.dmabuf = st
	s.d.AddGlobal(linuxdmabuf.DmabufInterface, 5, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(&dmabufHandler{s})
		if r.Version() < 4 {
			d := linuxdmabuf.Dmabuf{Resource: r}
			for _, fm := range st.pairs() {
				if r.Version() >= 3 {
					d.SendModifier(uint32(fm.Format), uint32(uint64(fm.Modifier)>>32), uint32(fm.Modifier))
				} else if fm.Modifier == allocator.ModifierInvalid || fm.Modifier == allocator.ModifierLinear {
					d.SendFormat(uint32(fm.Format))
				}
			}
		}
		return nil
	})
	return nil
}

func (d *dmabufState) pairs() []FormatModifier {
	out := make([]FormatModifier, len(d.index))
	for fm, i := range d.index {
		out[i] = fm
	}
	return out
}

func devBytes(dev uint64) []byte { return binary.NativeEndian.AppendUint64(nil, dev) }

func (d *dmabufState) sendFeedback(r *core.Resource) {
	f := linuxdmabuf.DmabufFeedback{Resource: r}
	d.table.Control(func(n int) error { return f.SendFormatTable(n, d.tableSize) })
	f.SendMainDevice(devBytes(d.fb.MainDevice))
	for _, t := range d.fb.Tranches {
		f.SendTrancheTargetDevice(devBytes(t.TargetDevice))
		// Several tranche_formats events per tranche are allowed; chunks
		// keep each event well under libwayland's 4096-byte message limit.
		for i := 0; i < len(t.Formats); i += maxIndicesPerEvent {
			var idx []byte
			for _, fm := range t.Formats[i:min(i+maxIndicesPerEvent, len(t.Formats))] {
				idx = binary.NativeEndian.AppendUint16(idx, d.index[fm])
			}
			f.SendTrancheFormats(idx)
		}
		var flags uint32
		if t.Scanout {
			flags |= linuxdmabuf.DmabufFeedbackTrancheFlagsScanout
		}
		f.SendTrancheFlags(flags)
		f.SendTrancheDone()
	}
	f.SendDone()
}

// SetDMABUFFeedback replaces the feedback (after a negotiation result
// changed) and resends it to every feedback object. Lock held.
func (s *Server) SetDMABUFFeedback(fb *DMABUFFeedback) error {
	if s.dmabuf == nil {
		return fmt.Errorf("protocol: SetDMABUFFeedback: the server was created without Options.DMABUF")
	}
	table, size, index, err := buildTable(fb)
	if err != nil {
		return err
	}
	s.dmabuf.table.Close()
	s.dmabuf.fb, s.dmabuf.table, s.dmabuf.tableSize, s.dmabuf.index = fb, table, size, index
	for _, r := range s.dmabuf.feedbacks {
		s.dmabuf.sendFeedback(r)
	}
	return nil
}

type dmabufHandler struct{ s *Server }

func (h *dmabufHandler) Destroy(linuxdmabuf.Dmabuf) error { return nil }
func (h *dmabufHandler) CreateParams(o linuxdmabuf.Dmabuf, id linuxdmabuf.BufferParams) error {
	p := &params{s: h.s}
	id.SetHandler(p)
	id.OnDestroy(func(*core.Resource) { p.closePlanes() })
	return nil
}
func (h *dmabufHandler) feedback(id linuxdmabuf.DmabufFeedback) {
	st := h.s.dmabuf
	id.SetHandler(feedbackHandler{})
	st.feedbacks = append(st.feedbacks, id.Resource)
	id.OnDestroy(func(r *core.Resource) { st.feedbacks = removeRes(st.feedbacks, r) })
	st.sendFeedback(id.Resource)
}
func (h *dmabufHandler) GetDefaultFeedback(o linuxdmabuf.Dmabuf, id linuxdmabuf.DmabufFeedback) error {
	h.feedback(id)
	return nil
}
func (h *dmabufHandler) GetSurfaceFeedback(o linuxdmabuf.Dmabuf, id linuxdmabuf.DmabufFeedback, surface wl.Surface) error {
	h.feedback(id)
	return nil
}

type feedbackHandler struct{}

func (feedbackHandler) Destroy(linuxdmabuf.DmabufFeedback) error { return nil }

// paramPlane is one added plane.
type paramPlane struct {
	set      bool
	fd       *fd.FD
	offset   uint32
	stride   uint32
	modifier allocator.Modifier
}

type params struct {
	s      *Server
	used   bool
	planes [allocator.MaxPlanes]paramPlane
}

func (p *params) closePlanes() {
	for i := range p.planes {
		p.planes[i].fd.Close()
		p.planes[i] = paramPlane{}
	}
}

func (p *params) Destroy(linuxdmabuf.BufferParams) error { return nil }

func (p *params) Add(o linuxdmabuf.BufferParams, f *fd.FD, idx, offset, stride, hi, lo uint32) error {
	mod := allocator.Modifier(uint64(hi)<<32 | uint64(lo))
	code, msg := p.add(o.Version(), idx, mod)
	if msg != "" {
		f.Close()
		return o.Errorf(code, "%s", msg)
	}
	p.planes[idx] = paramPlane{set: true, fd: f, offset: offset, stride: stride, modifier: mod}
	return nil
}

// add validates an add request; msg is empty when it is accepted.
func (p *params) add(version uint32, idx uint32, mod allocator.Modifier) (code uint32, msg string) {
	if p.used {
		return linuxdmabuf.BufferParamsErrorAlreadyUsed, "params already used to create a buffer"
	}
	if idx >= allocator.MaxPlanes {
		return linuxdmabuf.BufferParamsErrorPlaneIdx, fmt.Sprintf("plane index %d out of bounds (at most %d planes)", idx, allocator.MaxPlanes)
	}
	if p.planes[idx].set {
		return linuxdmabuf.BufferParamsErrorPlaneSet, fmt.Sprintf("plane %d already set", idx)
	}
	if version >= 5 {
		for _, q := range p.planes {
			if q.set && q.modifier != mod {
				return linuxdmabuf.BufferParamsErrorInvalidFormat, fmt.Sprintf("plane %d modifier %s differs from %s of another plane", idx, mod, q.modifier)
			}
		}
	}
	return 0, ""
}

// planeSize returns the size of a plane's dma-buf (lseek to the end), or
// -1 when it cannot be known.
func planeSize(f *fd.FD) int64 {
	var size int64 = -1
	f.Control(func(n int) error {
		sz, err := unix.Seek(n, 0, unix.SEEK_END)
		if err == nil {
			size = sz
			unix.Seek(n, 0, unix.SEEK_SET)
		}
		return nil
	})
	return size
}

// isDMABUF reports whether f is a dma-buf (its file system is the
// kernel's dma-buf pseudo file system).
func isDMABUF(f *fd.FD) bool {
	var st unix.Statfs_t
	err := f.Control(func(n int) error { return unix.Fstatfs(n, &st) })
	return err == nil && st.Type == dmaBufMagic
}

// validate checks a create request against the spec; it returns the
// error code and message (msg empty when valid). size gives each added
// plane's byte size (-1 when unknown). It is pure, for fuzzing.
func validateParams(planes *[allocator.MaxPlanes]paramPlane, used bool, width, height int32, format uint32,
	supported func(FormatModifier) bool, size func(i int) int64) (code uint32, msg string) {
	if used {
		return linuxdmabuf.BufferParamsErrorAlreadyUsed, "params already used to create a buffer"
	}
	n := 0
	for n < len(planes) && planes[n].set {
		n++
	}
	for i := n; i < len(planes); i++ {
		if planes[i].set {
			return linuxdmabuf.BufferParamsErrorIncomplete, fmt.Sprintf("plane %d set but plane %d missing", i, n)
		}
	}
	if n == 0 {
		return linuxdmabuf.BufferParamsErrorIncomplete, "no planes added"
	}
	if width <= 0 || height <= 0 {
		return linuxdmabuf.BufferParamsErrorInvalidDimensions, fmt.Sprintf("invalid size %dx%d", width, height)
	}
	f := allocator.Format(format)
	mod := planes[0].modifier
	if !supported(FormatModifier{f, mod}) {
		return linuxdmabuf.BufferParamsErrorInvalidFormat, fmt.Sprintf("format %s with modifier %s was not advertised", f, mod)
	}
	fi, ok := f.Info()
	if !ok {
		return linuxdmabuf.BufferParamsErrorInvalidFormat, fmt.Sprintf("format %s has no known layout", f)
	}
	explicit := mod != allocator.ModifierLinear && mod != allocator.ModifierInvalid
	if n < fi.Planes || (!explicit && n != fi.Planes) {
		return linuxdmabuf.BufferParamsErrorIncomplete, fmt.Sprintf("format %s needs %d planes, got %d", f, fi.Planes, n)
	}
	for i := 0; i < n; i++ {
		p := planes[i]
		sz := size(i)
		_, ph := fi.PlaneSize(min(i, fi.Planes-1), int(width), int(height))
		end := uint64(p.offset) + uint64(p.stride)*uint64(ph)
		if sz >= 0 && (uint64(p.offset) >= uint64(sz) || end > uint64(sz)) {
			return linuxdmabuf.BufferParamsErrorOutOfBounds, fmt.Sprintf("plane %d: offset %d + stride %d * height %d exceeds the dma-buf size %d", i, p.offset, p.stride, ph, sz)
		}
		if !explicit && i < fi.Planes && uint64(p.stride) < uint64(fi.MinStride(i, int(width))) {
			return linuxdmabuf.BufferParamsErrorOutOfBounds, fmt.Sprintf("plane %d: stride %d below the minimum %d for width %d", i, p.stride, fi.MinStride(i, int(width)), width)
		}
	}
	return 0, ""
}

// create validates and builds the buffer attributes. A non-empty msg is a
// fatal protocol error; a nil attrs with empty msg is an import failure.
func (p *params) create(width, height int32, format, flags uint32) (attrs *DMABUFAttributes, code uint32, msg string, fail string) {
	st := p.s.dmabuf
	code, msg = validateParams(&p.planes, p.used, width, height, format,
		func(fm FormatModifier) bool { _, ok := st.index[fm]; return ok },
		func(i int) int64 { return planeSize(p.planes[i].fd) })
	if msg != "" {
		return nil, code, msg, ""
	}
	p.used = true
	for i := range p.planes {
		if p.planes[i].set && !isDMABUF(p.planes[i].fd) {
			p.closePlanes()
			return nil, 0, "", fmt.Sprintf("plane %d is not a dma-buf (send a dma-buf fd, not a memfd or file)", i)
		}
	}
	if flags&^(linuxdmabuf.BufferParamsFlagsYInvert) != 0 {
		p.closePlanes()
		return nil, 0, "", fmt.Sprintf("flags 0x%x: interlaced buffers are not supported", flags)
	}
	a := &DMABUFAttributes{Width: width, Height: height, Format: allocator.Format(format), Modifier: p.planes[0].modifier, Flags: flags}
	for i := range p.planes {
		if p.planes[i].set {
			a.Planes = append(a.Planes, DMABUFPlane{FD: p.planes[i].fd, Offset: p.planes[i].offset, Stride: p.planes[i].stride})
			p.planes[i] = paramPlane{}
		}
	}
	return a, 0, "", ""
}

func (p *params) Create(o linuxdmabuf.BufferParams, width, height int32, format, flags uint32) error {
	a, code, msg, fail := p.create(width, height, format, flags)
	if msg != "" {
		return o.Errorf(code, "%s", msg)
	}
	if fail != "" {
		if p.s.opts.Log != nil {
			p.s.opts.Log("wayland: dmabuf import failed: %s", fail)
		}
		return o.SendFailed()
	}
	res, err := o.Client().NewServerResource(wl.BufferInterface, 1)
	if err != nil {
		a.close()
		return err
	}
	newBufferResource(res, &Buffer{kind: DMABUFBuffer, width: width, height: height, format: a.Format, dma: a})
	return o.SendCreated(wl.Buffer{Resource: res})
}

func (p *params) CreateImmed(o linuxdmabuf.BufferParams, id wl.Buffer, width, height int32, format, flags uint32) error {
	a, code, msg, fail := p.create(width, height, format, flags)
	if msg != "" {
		return o.Errorf(code, "%s", msg)
	}
	if fail != "" {
		return o.Errorf(linuxdmabuf.BufferParamsErrorInvalidWlBuffer, "create_immed: %s", fail)
	}
	newBufferResource(id.Resource, &Buffer{kind: DMABUFBuffer, width: width, height: height, format: a.Format, dma: a})
	return nil
}
