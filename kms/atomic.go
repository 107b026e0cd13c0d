package kms

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/uapi"
)

// AtomicFlags modify an atomic commit.
type AtomicFlags uint32

// Atomic commit flags.
const (
	// AtomicTestOnly asks whether the configuration would work, changing
	// nothing.
	AtomicTestOnly AtomicFlags = uapi.DRM_MODE_ATOMIC_TEST_ONLY
	// AtomicNonblock returns before the commit reaches the hardware.
	AtomicNonblock AtomicFlags = uapi.DRM_MODE_ATOMIC_NONBLOCK
	// AtomicAllowModeset permits a full mode set (resolution, routing).
	AtomicAllowModeset AtomicFlags = uapi.DRM_MODE_ATOMIC_ALLOW_MODESET
	// AtomicPageFlipEvent asks for an EventFlipComplete per CRTC in the
	// request once it is on screen.
	AtomicPageFlipEvent AtomicFlags = uapi.DRM_MODE_PAGE_FLIP_EVENT
)

// String lists the flags.
func (f AtomicFlags) String() string {
	var s []string
	for _, x := range []struct {
		f AtomicFlags
		n string
	}{{AtomicTestOnly, "TEST_ONLY"}, {AtomicNonblock, "NONBLOCK"}, {AtomicAllowModeset, "ALLOW_MODESET"}, {AtomicPageFlipEvent, "PAGE_FLIP_EVENT"}} {
		if f&x.f != 0 {
			s = append(s, x.n)
		}
	}
	if len(s) == 0 {
		return "0"
	}
	return strings.Join(s, "|")
}

// Rect is a rectangle in pixels.
type Rect struct {
	X, Y int32
	W, H uint32
}

type atomicEntry struct {
	obj, prop uint32
	name      string
	value     uint64
	outFence  bool   // value is the address of an s32 fence slot
	inFence   *fd.FD // value is this descriptor's number at commit time
}

// AtomicRequest builds one atomic commit, addressing properties by name.
// Property ids are looked up once per object and cached in the Device.
// The first error (an unknown object or property) is sticky: later Set
// calls do nothing and Commit returns it, so a caller can build a request
// without checking every step.
//
// A request is reusable: Reset empties it while keeping its memory, so a
// frame loop that reuses one request allocates nothing per commit. It is
// not safe for concurrent use.
type AtomicRequest struct {
	dev     *Device
	err     error
	entries []atomicEntry
	blobs   []uint32 // created by SetMode, destroyed after the commit
	args    uapi.AtomicArgs
	fences  map[uint32]*fd.FD // out-fences by object after Commit
}

// NewAtomicRequest returns an empty request for d. EnableAtomic must have
// succeeded on d.
func (d *Device) NewAtomicRequest() *AtomicRequest {
	return &AtomicRequest{dev: d}
}

// Err returns the sticky error, if any.
func (r *AtomicRequest) Err() error { return r.err }

// Reset empties the request (closing out-fences not taken) and clears
// the sticky error.
func (r *AtomicRequest) Reset() {
	r.err = nil
	r.entries = r.entries[:0]
	r.destroyBlobs()
	for k, f := range r.fences {
		f.Close()
		delete(r.fences, k)
	}
}

// Set sets property name of object obj (a CRTC, connector or plane id)
// to value. Setting the same property twice keeps the last value.
func (r *AtomicRequest) Set(obj uint32, name string, value uint64) *AtomicRequest {
	r.set(atomicEntry{obj: obj, name: name, value: value})
	return r
}

func (r *AtomicRequest) set(e atomicEntry) {
	if r.err != nil {
		return
	}
	id, err := r.dev.PropertyID(e.obj, e.name)
	if err != nil {
		r.err = err
		return
	}
	e.prop = id
	for i := range r.entries {
		if r.entries[i].obj == e.obj && r.entries[i].prop == id {
			r.entries[i] = e
			return
		}
	}
	r.entries = append(r.entries, e)
}

// SetMode sets the CRTC's MODE_ID to m through a new property blob (nil
// clears the mode) and ACTIVE accordingly. The blob lives until Reset or
// Close, so the same request can be committed TEST_ONLY and then for
// real; the kernel keeps its own reference while the mode is in use.
func (r *AtomicRequest) SetMode(crtc uint32, m *Mode) *AtomicRequest {
	if r.err != nil {
		return r
	}
	if m == nil {
		return r.Set(crtc, "MODE_ID", 0).Set(crtc, "ACTIVE", 0)
	}
	id, err := r.dev.CreateBlob(m.Blob())
	if err != nil {
		r.err = err
		return r
	}
	r.blobs = append(r.blobs, id)
	return r.Set(crtc, "MODE_ID", uint64(id)).Set(crtc, "ACTIVE", 1)
}

// SetPlane shows framebuffer fb on plane at dst on crtc, reading the
// src rectangle of the framebuffer (pixels; converted to 16.16).
func (r *AtomicRequest) SetPlane(plane, crtc, fb uint32, dst, src Rect) *AtomicRequest {
	return r.Set(plane, "FB_ID", uint64(fb)).
		Set(plane, "CRTC_ID", uint64(crtc)).
		Set(plane, "CRTC_X", uint64(int64(dst.X))).
		Set(plane, "CRTC_Y", uint64(int64(dst.Y))).
		Set(plane, "CRTC_W", uint64(dst.W)).
		Set(plane, "CRTC_H", uint64(dst.H)).
		Set(plane, "SRC_X", uint64(src.X)<<16).
		Set(plane, "SRC_Y", uint64(src.Y)<<16).
		Set(plane, "SRC_W", uint64(src.W)<<16).
		Set(plane, "SRC_H", uint64(src.H)<<16)
}

// DisablePlane detaches plane from its CRTC and framebuffer.
func (r *AtomicRequest) DisablePlane(plane uint32) *AtomicRequest {
	return r.Set(plane, "FB_ID", 0).Set(plane, "CRTC_ID", 0)
}

// OutFence asks for a sync_file that signals when the commit's changes
// to crtc are done (OUT_FENCE_PTR); take it with TakeOutFence after
// Commit.
func (r *AtomicRequest) OutFence(crtc uint32) *AtomicRequest {
	r.set(atomicEntry{obj: crtc, name: "OUT_FENCE_PTR", outFence: true})
	return r
}

// WritebackOutFence asks for the sync_file that signals when the
// writeback connector conn has written its framebuffer
// (WRITEBACK_OUT_FENCE_PTR).
func (r *AtomicRequest) WritebackOutFence(conn uint32) *AtomicRequest {
	r.set(atomicEntry{obj: conn, name: "WRITEBACK_OUT_FENCE_PTR", outFence: true})
	return r
}

// InFence makes plane wait for the sync_file f before scanning out its
// new framebuffer (IN_FENCE_FD). f stays owned by the caller and must
// stay open until Commit returns.
func (r *AtomicRequest) InFence(plane uint32, f *fd.FD) *AtomicRequest {
	r.set(atomicEntry{obj: plane, name: "IN_FENCE_FD", inFence: f})
	return r
}

// TakeOutFence returns the out-fence the last Commit produced for obj (a
// CRTC or writeback connector), now owned by the caller, or nil.
func (r *AtomicRequest) TakeOutFence(obj uint32) *fd.FD {
	f := r.fences[obj]
	delete(r.fences, obj)
	return f
}

// Commit submits the request with flags; userData comes back in the
// page-flip events. On failure the error names the objects and flags;
// EINVAL means the driver refused the configuration (probe with
// AtomicTestOnly first), EBUSY that an earlier nonblocking commit on the
// same CRTC has not completed (wait for its event), EACCES that this
// client is not DRM master. The request keeps its contents: Reset it to
// build the next one.
func (r *AtomicRequest) Commit(flags AtomicFlags, userData uint64) error {
	if r.err != nil {
		return r.err
	}
	for k, f := range r.fences {
		f.Close()
		delete(r.fences, k)
	}
	a := &r.args
	a.Objs, a.Counts, a.Props, a.Values = a.Objs[:0], a.Counts[:0], a.Props[:0], a.Values[:0]
	a.FenceAt, a.Fences = a.FenceAt[:0], a.Fences[:0]
	var fenceObjs [8]uint32
	nf := 0
	// Group the properties per object in order of first appearance, as
	// the kernel's arrays require.
	for i := range r.entries {
		obj := r.entries[i].obj
		if containsObj(a.Objs, obj) {
			continue
		}
		a.Objs = append(a.Objs, obj)
		n := uint32(0)
		for j := i; j < len(r.entries); j++ {
			e := &r.entries[j]
			if e.obj != obj {
				continue
			}
			n++
			v := e.value
			switch {
			case e.outFence:
				if nf == len(fenceObjs) {
					return fmt.Errorf("kms: atomic request has more than %d out-fences", len(fenceObjs))
				}
				a.FenceAt = append(a.FenceAt, len(a.Values))
				a.Fences = append(a.Fences, -1)
				fenceObjs[nf] = obj
				nf++
			case e.inFence != nil:
				raw := -1
				e.inFence.Control(func(n int) error { raw = n; return nil })
				if raw < 0 {
					return &uapi.Error{Op: "DRM_IOCTL_MODE_ATOMIC", Device: r.dev.path, Objects: fmt.Sprintf("plane %d IN_FENCE_FD", obj), Errno: unix.EBADF, Hint: "the in-fence was closed before Commit"}
				}
				v = uint64(raw)
			}
			a.Props = append(a.Props, e.prop)
			a.Values = append(a.Values, v)
		}
		a.Counts = append(a.Counts, n)
	}
	err := uapi.ModeAtomic(r.dev.fd, uint32(flags), userData, a)
	for i := range nf {
		if a.Fences[i] >= 0 {
			f, ferr := fd.New(int(a.Fences[i]), fmt.Sprintf("out-fence of %s object %d", r.dev.path, fenceObjs[i]))
			if ferr == nil {
				if r.fences == nil {
					r.fences = map[uint32]*fd.FD{}
				}
				r.fences[fenceObjs[i]] = f
			}
		}
	}
	if err != nil {
		return r.commitError(err, flags)
	}
	return nil
}

func (r *AtomicRequest) commitError(err error, flags AtomicFlags) error {
	var objs []string
	for _, o := range r.args.Objs {
		objs = append(objs, fmt.Sprint(o))
	}
	err = uapi.WithObjects(err, "objects %s, flags %s", strings.Join(objs, " "), flags)
	switch {
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ERANGE):
		err = uapi.WithHint(err, "the driver refused this configuration (format, size, position, routing or a mode change without ALLOW_MODESET)")
	case errors.Is(err, unix.EBUSY):
		err = uapi.WithHint(err, "an earlier nonblocking commit or page flip on the same CRTC has not completed yet: wait for its event")
	case errors.Is(err, unix.ENOSPC):
		err = uapi.WithHint(err, "the hardware lacks the bandwidth or resources for this many planes")
	}
	return r.dev.masterHint(err)
}

func (r *AtomicRequest) destroyBlobs() {
	for _, id := range r.blobs {
		r.dev.DestroyBlob(id)
	}
	r.blobs = r.blobs[:0]
}

func containsObj(objs []uint32, o uint32) bool {
	for _, x := range objs {
		if x == o {
			return true
		}
	}
	return false
}

// Close releases what the request still holds: out-fences not taken.
func (r *AtomicRequest) Close() {
	r.Reset()
}
