package kms

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/fd"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/internal/uapi"
)

var record = flag.Bool("record", false, "write the blobs read from vkms and virtio-gpu to testdata (run in the VM)")

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// openCard opens the card node of driver with atomic enabled.
func openCard(t *testing.T, driver string) *Device {
	t.Helper()
	path := testenv.RequireDRMCard(t, driver)
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.EnableAtomic(); err != nil {
		t.Fatal(err)
	}
	return d
}

// debugfsDir returns /sys/kernel/debug/dri/N of the device driven by
// driver, found through each directory's "name" file.
func debugfsDir(t *testing.T, driver string) string {
	t.Helper()
	dirs, _ := filepath.Glob("/sys/kernel/debug/dri/*/name")
	for _, n := range dirs {
		b, err := os.ReadFile(n)
		if err == nil && strings.HasPrefix(string(b), driver+" ") {
			return filepath.Dir(n)
		}
	}
	testenv.Unavailable(t, "no debugfs directory for %s (is debugfs mounted?)", driver)
	return ""
}

// debugfsObjects parses the kernel's atomic state dump into kind ->
// id -> name, e.g. "plane" -> 31 -> "plane-0".
func debugfsObjects(t *testing.T, dir string) map[string]map[uint32]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^(plane|crtc|connector)\[(\d+)\]: (.+)$`)
	out := map[string]map[uint32]string{"plane": {}, "crtc": {}, "connector": {}}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if m := re.FindStringSubmatch(s.Text()); m != nil {
			var id uint32
			fmt.Sscan(m[2], &id)
			out[m[1]][id] = m[3]
		}
	}
	return out
}

type inventory struct {
	res    *Resources
	planes []*Plane
	conns  []*Connector
	crtcs  []*CRTC
}

func readInventory(t *testing.T, d *Device) inventory {
	t.Helper()
	res, err := d.Resources()
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory{res: res}
	for _, id := range res.Planes {
		p, err := d.Plane(id)
		if err != nil {
			t.Fatal(err)
		}
		inv.planes = append(inv.planes, p)
	}
	for _, id := range res.Connectors {
		c, err := d.Connector(id)
		if err != nil {
			t.Fatal(err)
		}
		inv.conns = append(inv.conns, c)
	}
	for _, id := range res.CRTCs {
		c, err := d.CRTC(id, res)
		if err != nil {
			t.Fatal(err)
		}
		inv.crtcs = append(inv.crtcs, c)
	}
	return inv
}

func TestVKMSInventoryMatchesDebugfsAndFacts(t *testing.T) {
	d := openCard(t, "vkms")
	inv := readInventory(t, d)
	state := debugfsObjects(t, debugfsDir(t, "vkms"))

	// The same objects as the kernel's own state dump.
	var planeIDs, crtcIDs, connIDs []uint32
	for id := range state["plane"] {
		planeIDs = append(planeIDs, id)
	}
	for id := range state["crtc"] {
		crtcIDs = append(crtcIDs, id)
	}
	for id, name := range state["connector"] {
		connIDs = append(connIDs, id)
		i := slices.IndexFunc(inv.conns, func(c *Connector) bool { return c.ID == id })
		if i < 0 || inv.conns[i].Name != name {
			t.Errorf("debugfs connector[%d]: %s; we have %v", id, name, inv.conns)
		}
	}
	slices.Sort(planeIDs)
	slices.Sort(crtcIDs)
	slices.Sort(connIDs)
	if got := slices.Sorted(slices.Values(inv.res.Planes)); !slices.Equal(got, planeIDs) {
		t.Errorf("planes %v, debugfs has %v", got, planeIDs)
	}
	if got := slices.Sorted(slices.Values(inv.res.CRTCs)); !slices.Equal(got, crtcIDs) {
		t.Errorf("CRTCs %v, debugfs has %v", got, crtcIDs)
	}
	if got := slices.Sorted(slices.Values(inv.res.Connectors)); !slices.Equal(got, connIDs) {
		t.Errorf("connectors %v, debugfs has %v", got, connIDs)
	}

	// facts.md: 1 CRTC; 1 primary, 8 overlay, 1 cursor; five formats,
	// LINEAR only.
	if len(inv.crtcs) != 1 {
		t.Errorf("%d CRTCs, want 1", len(inv.crtcs))
	}
	count := map[PlaneType]int{}
	for _, p := range inv.planes {
		count[p.Type]++
		if !slices.Equal(p.Formats, vkmsFormats) {
			t.Errorf("plane %d (%s) formats %v, want %v", p.ID, p.Type, p.Formats, vkmsFormats)
		}
		if want := linearOnly(vkmsFormats); !equalFM(p.InFormats, want) {
			t.Errorf("plane %d IN_FORMATS %v, want %v", p.ID, p.InFormats, want)
		}
		if !p.SupportsCRTC(0) {
			t.Errorf("plane %d cannot be used on CRTC 0 (possible_crtcs %#x)", p.ID, p.PossibleCRTCs)
		}
		if !slices.Contains(p.Rotation, "rotate-0") || !slices.Contains(p.Rotation, "reflect-x") {
			t.Errorf("plane %d rotation %v lacks rotate-0/reflect-x", p.ID, p.Rotation)
		}
	}
	if want := map[PlaneType]int{PlanePrimary: 1, PlaneOverlay: 8, PlaneCursor: 1}; !mapsEqual(count, want) {
		t.Errorf("plane types %v, want %v", count, want)
	}
	names := map[string]*Connector{}
	for _, c := range inv.conns {
		names[c.Name] = c
	}
	v := names["Virtual-1"]
	if v == nil || v.Type != ConnectorVirtual || v.Status != Connected {
		t.Fatalf("no connected Virtual-1 connector: %v", inv.conns)
	}
	if _, ok := v.FindMode(1920, 1080, 60); !ok {
		t.Errorf("Virtual-1 has no 1920x1080@60 mode in %d modes", len(v.Modes))
	}
	if len(v.Modes) != 34 {
		t.Errorf("Virtual-1 has %d modes, facts.md says 34", len(v.Modes))
	}
	wb := names["Writeback-1"]
	if wb == nil || wb.Type != ConnectorWriteback {
		t.Fatalf("no Writeback-1 connector: %v", inv.conns)
	}
	if !slices.Equal(wb.WritebackFormats, vkmsFormats) {
		t.Errorf("Writeback-1 formats %v, want %v", wb.WritebackFormats, vkmsFormats)
	}
	caps, err := d.Caps()
	if err != nil {
		t.Fatal(err)
	}
	if !caps.DumbBuffer || !caps.PrimeImport || !caps.PrimeExport || !caps.TimestampMonotonic || !caps.CRTCInVblankEvent {
		t.Errorf("vkms caps %+v lack dumb, prime import/export, monotonic timestamps or CRTC in vblank event", caps)
	}
}

func equalFM(a, b []FormatModifiers) bool {
	return slices.EqualFunc(a, b, func(x, y FormatModifiers) bool {
		return x.Format == y.Format && slices.Equal(x.Modifiers, y.Modifiers)
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestRecordedBlobsMatchTheKernel checks the host tests' recorded blobs
// against what the kernel answers today (-record rewrites them).
func TestRecordedBlobsMatchTheKernel(t *testing.T) {
	d := openCard(t, "vkms")
	inv := readInventory(t, d)
	v, _ := inv.planes[0].Props.Value("IN_FORMATS")
	inFormats, err := d.Blob(uint32(v))
	if err != nil {
		t.Fatal(err)
	}
	var wbFormats []byte
	for _, c := range inv.conns {
		if v, ok := c.Props.Value("WRITEBACK_PIXEL_FORMATS"); ok {
			if wbFormats, err = d.Blob(uint32(v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	compareOrRecord(t, "testdata/vkms-in_formats.bin", inFormats)
	compareOrRecord(t, "testdata/vkms-writeback_pixel_formats.bin", wbFormats)
}

func TestRecordedEDIDMatchesVirtioGPU(t *testing.T) {
	d := openCard(t, "virtio_gpu")
	inv := readInventory(t, d)
	for _, c := range inv.conns {
		if c.EDID != nil {
			compareOrRecord(t, "testdata/qemu-edid.bin", c.EDID)
			return
		}
	}
	t.Fatalf("no virtio-gpu connector has an EDID: %v", inv.conns)
}

func compareOrRecord(t *testing.T, name string, b []byte) {
	t.Helper()
	if *record {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %s (%d bytes)", name, len(b))
		return
	}
	want := mustRead(t, name)
	if !slices.Equal(b, want) {
		t.Errorf("%s differs from the kernel's blob (%d vs %d bytes); rerun with -record if the kernel changed", name, len(want), len(b))
	}
}

func TestRenderOnlyAndDisplayOnlyDevicesAreClassified(t *testing.T) {
	testenv.RequireDRMCard(t, "vkms")
	testenv.RequireDRMCard(t, "vgem")
	devs, err := Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]DeviceInfo{}
	for _, d := range devs {
		by[d.Driver.Name] = d
	}
	if d := by["vkms"]; d.Kind != KindDisplayOnly || d.Card == "" || d.Render != "" || d.Bus != "platform" || d.CRTCs != 1 {
		t.Errorf("vkms: %+v; want display-only platform device with a card node, no render node, 1 CRTC", d)
	}
	if d := by["vgem"]; d.Kind != KindRenderOnly || d.Card == "" || d.Render == "" {
		t.Errorf("vgem: %+v; want render-only with card and render nodes", d)
	}
	if testenv.VMHasGPU() {
		if d := by["virtio_gpu"]; d.Kind != KindDisplayRender || d.Card == "" || d.Render == "" {
			t.Errorf("virtio_gpu: %+v; want display+render with both nodes", d)
		}
	}
}

func TestMasterState(t *testing.T) {
	d := openCard(t, "vkms")
	if err := d.SetMaster(); err != nil {
		t.Fatal(err)
	}
	if !d.IsMaster() {
		t.Fatal("IsMaster false after SetMaster")
	}
	if err := d.DropMaster(); err != nil {
		t.Fatal(err)
	}
	if d.IsMaster() {
		t.Fatal("IsMaster true after DropMaster")
	}
	// Not master: a mode set is refused with a hint saying why.
	res, _ := d.Resources()
	err := d.SetCRTC(res.CRTCs[0], 0, 0, 0, nil, nil)
	if !errors.Is(err, unix.EACCES) || !strings.Contains(err.Error(), "not DRM master") ||
		!strings.Contains(err.Error(), "DRM_IOCTL_MODE_SETCRTC on "+d.Path()) {
		t.Errorf("SetCRTC without master: %v; want EACCES naming the ioctl, the device and master state", err)
	}
	if err := d.SetMaster(); err != nil {
		t.Fatal(err)
	}
}

// scene is a modeset vkms output: the Virtual-1 connector on the CRTC.
type scene struct {
	d       *Device
	crtc    uint32
	conn    *Connector
	mode    Mode
	primary *Plane
	cursor  *Plane
	overlay []*Plane
	others  []uint32 // connectors other than Virtual-1
}

func newScene(t *testing.T, d *Device, w, h int) *scene {
	t.Helper()
	inv := readInventory(t, d)
	s := &scene{d: d, crtc: inv.res.CRTCs[0]}
	for _, c := range inv.conns {
		if c.Name == "Virtual-1" {
			s.conn = c
		} else {
			s.others = append(s.others, c.ID)
		}
	}
	m, ok := s.conn.FindMode(w, h, 60)
	if !ok {
		t.Fatalf("Virtual-1 has no %dx%d mode", w, h)
	}
	s.mode = m
	for _, p := range inv.planes {
		switch p.Type {
		case PlanePrimary:
			s.primary = p
		case PlaneCursor:
			s.cursor = p
		default:
			s.overlay = append(s.overlay, p)
		}
	}
	return s
}

// buffer is a mapped dumb buffer with a framebuffer.
type buffer struct {
	DumbBuffer
	fb  uint32
	mem []byte
}

func newBuffer(t *testing.T, d *Device, w, h int, f allocator.Format, paint func(x, y int) uint32) *buffer {
	t.Helper()
	b, err := d.CreateDumb(uint32(w), uint32(h), 32)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.DestroyDumb(b.Handle) })
	mem, err := d.MapDumb(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	for y := range h {
		for x := range w {
			p := paint(x, y)
			o := y*int(b.Pitch) + 4*x
			mem[o], mem[o+1], mem[o+2], mem[o+3] = byte(p), byte(p>>8), byte(p>>16), byte(p>>24)
		}
	}
	fb, err := d.AddFB2(Framebuffer{Width: uint32(w), Height: uint32(h), Format: f, Modifier: allocator.ModifierLinear,
		Planes: []FBPlane{{Handle: b.Handle, Pitch: b.Pitch}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.RemoveFB(fb) })
	return &buffer{DumbBuffer: b, fb: fb, mem: mem}
}

func full(w, h int) Rect { return Rect{W: uint32(w), H: uint32(h)} }

func (s *scene) modeset(t *testing.T, fb uint32) {
	t.Helper()
	w, h := int(s.mode.HDisplay), int(s.mode.VDisplay)
	r := s.d.NewAtomicRequest()
	defer r.Close()
	r.SetMode(s.crtc, &s.mode).Set(s.conn.ID, "CRTC_ID", uint64(s.crtc))
	// Detach every other connector (a Writeback left bound would make
	// vkms refuse the clone).
	for _, c := range s.others {
		r.Set(c, "CRTC_ID", 0)
	}
	for _, p := range append(s.overlay, s.cursor) {
		r.DisablePlane(p.ID)
	}
	r.SetPlane(s.primary.ID, s.crtc, fb, full(w, h), full(w, h))
	if err := r.Commit(AtomicTestOnly|AtomicAllowModeset, 0); err != nil {
		t.Fatalf("TEST_ONLY modeset: %v", err)
	}
	if err := r.Commit(AtomicAllowModeset, 0); err != nil {
		t.Fatalf("modeset: %v", err)
	}
}

func TestModeset1920x1080WithADumbBuffer(t *testing.T) {
	d := openCard(t, "vkms")
	s := newScene(t, d, 1920, 1080)
	b := newBuffer(t, d, 1920, 1080, allocator.XRGB8888, func(x, y int) uint32 { return uint32(x^y) & 0xffffff })
	s.modeset(t, b.fb)
	crtc, err := d.CRTC(s.crtc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if crtc.Mode == nil || crtc.Mode.HDisplay != 1920 || crtc.Mode.VDisplay != 1080 || crtc.FBID != b.fb {
		t.Fatalf("after modeset CRTC shows mode %v fb %d; want 1920x1080 fb %d", crtc.Mode, crtc.FBID, b.fb)
	}
	if v, _ := crtc.Props.Value("ACTIVE"); v != 1 {
		t.Errorf("CRTC ACTIVE = %d, want 1", v)
	}
	p, err := d.Plane(s.primary.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.FBID != b.fb || p.CRTCID != s.crtc {
		t.Errorf("primary plane shows fb %d on CRTC %d; want fb %d on %d", p.FBID, p.CRTCID, b.fb, s.crtc)
	}
	// The mode blob the kernel holds decodes to the mode we set.
	v, _ := crtc.Props.Value("MODE_ID")
	blob, err := d.Blob(uint32(v))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseModeBlob(blob)
	if err != nil || m.HDisplay != 1920 || m.VDisplay != 1080 || m.Clock != s.mode.Clock {
		t.Errorf("MODE_ID blob decodes to %+v, %v; want %+v", m, err, s.mode)
	}
}

// readEvents reads until n events arrived, failing after timeout (the
// device is closed to unblock the reader).
func readEvents(t *testing.T, d *Device, n int, timeout time.Duration) []Event {
	t.Helper()
	var evs []Event
	done := make(chan error, 1)
	go func() {
		for len(evs) < n {
			if err := d.ReadEvents(func(e Event) { evs = append(evs, e) }); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ReadEvents: %v", err)
		}
	case <-time.After(timeout):
		d.Close()
		<-done
		t.Fatalf("only %d of %d events after %v", len(evs), n, timeout)
	}
	return evs
}

func TestPageFlipEventsArriveInOrderWithIncreasingSequences(t *testing.T) {
	d := openCard(t, "vkms")
	s := newScene(t, d, 640, 480)
	bufs := []*buffer{
		newBuffer(t, d, 640, 480, allocator.XRGB8888, func(x, y int) uint32 { return 0xff0000 }),
		newBuffer(t, d, 640, 480, allocator.XRGB8888, func(x, y int) uint32 { return 0x00ff00 }),
	}
	s.modeset(t, bufs[0].fb)
	r := d.NewAtomicRequest()
	defer r.Close()
	var last Event
	for i := range 8 {
		r.Reset()
		r.Set(s.primary.ID, "FB_ID", uint64(bufs[(i+1)%2].fb))
		if err := r.Commit(AtomicNonblock|AtomicPageFlipEvent, uint64(100+i)); err != nil {
			t.Fatalf("flip %d: %v", i, err)
		}
		evs := readEvents(t, d, 1, 5*time.Second)
		if len(evs) != 1 {
			t.Fatalf("flip %d: %d events, want 1", i, len(evs))
		}
		e := evs[0]
		if e.Kind != EventFlipComplete || e.UserData != uint64(100+i) || e.CRTC != s.crtc {
			t.Fatalf("flip %d: event %+v; want flip-complete on CRTC %d with user data %d", i, e, s.crtc, 100+i)
		}
		if i > 0 && (e.Sequence <= last.Sequence || e.Time <= last.Time) {
			t.Fatalf("flip %d: sequence %d time %v after sequence %d time %v; want both increasing", i, e.Sequence, e.Time, last.Sequence, last.Time)
		}
		last = e
	}
	// Legacy page flip delivers the same event.
	if err := d.PageFlip(s.crtc, bufs[0].fb, true, 7); err != nil {
		t.Fatal(err)
	}
	if e := readEvents(t, d, 1, 5*time.Second)[0]; e.Kind != EventFlipComplete || e.UserData != 7 || e.Sequence <= last.Sequence {
		t.Errorf("legacy flip event %+v; want flip-complete, user data 7, sequence after %d", e, last.Sequence)
	}
	// A vblank sequence event three frames ahead.
	target, err := d.QueueVblank(s.crtc, 3, true, 99)
	if err != nil {
		t.Fatal(err)
	}
	if e := readEvents(t, d, 1, 5*time.Second)[0]; e.Kind != EventSequence || e.UserData != 99 || e.Sequence != target {
		t.Errorf("vblank event %+v; want sequence event %d with user data 99", e, target)
	}
}

func TestCloseUnblocksReadEvents(t *testing.T) {
	path := testenv.RequireDRMCard(t, "vkms")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.ReadEvents(func(Event) {}) }()
	time.Sleep(50 * time.Millisecond)
	d.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("ReadEvents after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadEvents still blocked 5s after Close")
	}
}

func TestAtomicRequestErrorsAreStickyAndNamed(t *testing.T) {
	d := openCard(t, "vkms")
	s := newScene(t, d, 640, 480)
	r := d.NewAtomicRequest()
	defer r.Close()
	r.Set(s.primary.ID, "NO_SUCH_PROPERTY", 1).Set(s.primary.ID, "FB_ID", 0)
	var npe *NoPropertyError
	if err := r.Commit(AtomicTestOnly, 0); !errors.As(err, &npe) || npe.Name != "NO_SUCH_PROPERTY" || npe.Object != s.primary.ID {
		t.Fatalf("Commit = %v; want the sticky NoPropertyError for NO_SUCH_PROPERTY on plane %d", err, s.primary.ID)
	}
	// A configuration the driver refuses: an overlay on the CRTC
	// without a framebuffer.
	b := newBuffer(t, d, 640, 480, allocator.XRGB8888, func(x, y int) uint32 { return 0 })
	r.Reset()
	r.SetMode(s.crtc, &s.mode).Set(s.conn.ID, "CRTC_ID", uint64(s.crtc))
	r.SetPlane(s.primary.ID, s.crtc, b.fb, full(640, 480), full(640, 480))
	r.Set(s.overlay[0].ID, "CRTC_ID", uint64(s.crtc)).Set(s.overlay[0].ID, "FB_ID", 0)
	err := r.Commit(AtomicTestOnly|AtomicAllowModeset, 0)
	if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "DRM_IOCTL_MODE_ATOMIC on "+d.Path()) ||
		!strings.Contains(err.Error(), fmt.Sprintf("%d", s.primary.ID)) || !strings.Contains(err.Error(), "TEST_ONLY|ALLOW_MODESET") {
		t.Errorf("refused commit error = %v; want EINVAL naming ioctl, device, objects and flags", err)
	}
}

// vkmsBlend models vkms's composer (drivers/gpu/drm/vkms/vkms_composer.c
// and vkms_formats.c in 6.12): every plane is read into 16-bit ARGB
// (8-bit channels times 257, alpha 0xffff for X formats), blended in
// plane order over an opaque black background with the pre-multiplied
// equation in u32 arithmetic, and written back to XRGB8888 rounding by
// 257.
type layer struct {
	x, y, w, h int
	px         func(x, y int) uint32 // ARGB8888 / XRGB8888 word
	opaque     bool                  // XRGB: alpha reads as 0xffff
}

func vkmsBlend(w, h int, layers []layer) []uint32 {
	out := make([]uint32, w*h)
	var r, g, b [1 << 12]uint16
	for y := range h {
		for x := range w {
			r[x], g[x], b[x] = 0, 0, 0
		}
		for _, l := range layers {
			if y < l.y || y >= l.y+l.h {
				continue
			}
			for x := l.x; x < l.x+l.w && x < w; x++ {
				p := l.px(x-l.x, y-l.y)
				a := uint16(p>>24) * 257
				if l.opaque {
					a = 0xffff
				}
				blend := func(src, dst uint16) uint16 {
					nc := uint32(src)*0xffff + uint32(dst)*(0xffff-uint32(a))
					return uint16((nc + 0xffff/2) / 0xffff)
				}
				r[x] = blend(uint16(p>>16&0xff)*257, r[x])
				g[x] = blend(uint16(p>>8&0xff)*257, g[x])
				b[x] = blend(uint16(p&0xff)*257, b[x])
			}
		}
		for x := range w {
			to8 := func(v uint16) uint32 { return (uint32(v) + 257/2) / 257 }
			out[y*w+x] = 0xff000000 | to8(r[x])<<16 | to8(g[x])<<8 | to8(b[x])
		}
	}
	return out
}

func TestWritebackReadsBackPrimaryOverlaysAndCursorBlended(t *testing.T) {
	d := openCard(t, "vkms")
	const W, H = 640, 480
	wb, err := NewWriteback(d, W, H)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := wb.Close(); err != nil {
			t.Error(err)
		}
	}()
	primary, ov1, ov2, cursor := wb.PlaneOfType(PlanePrimary, 0), wb.PlaneOfType(PlaneOverlay, 0), wb.PlaneOfType(PlaneOverlay, 1), wb.PlaneOfType(PlaneCursor, 0)
	if primary == nil || ov1 == nil || ov2 == nil || cursor == nil {
		t.Fatalf("planes on the writeback CRTC: %v", wb.Planes)
	}
	// Patterns: an opaque gradient; a red overlay whose (pre-multiplied)
	// alpha ramps from 0 to 255 left to right; a blue overlay at alpha
	// 0xc0 with a fully transparent hole, overlapping the first; a
	// checkered cursor, opaque white or fully transparent.
	layers := []layer{
		{0, 0, W, H, func(x, y int) uint32 { return uint32(x&0xff)<<16 | uint32(y&0xff)<<8 | uint32((x^y)&0xff) }, true},
		{100, 50, 256, 100, func(x, y int) uint32 { a := uint32(x); return a<<24 | a<<16 | (a/2)<<8 }, false},
		{220, 100, 150, 120, func(x, y int) uint32 {
			if x >= 50 && x < 100 && y >= 40 && y < 80 {
				return 0
			}
			return 0xc0<<24 | 0xc0
		}, false},
		{250, 120, 64, 64, func(x, y int) uint32 {
			if (x/8+y/8)%2 == 0 {
				return 0xffffffff
			}
			return 0
		}, false},
	}
	formats := []allocator.Format{allocator.XRGB8888, allocator.ARGB8888, allocator.ARGB8888, allocator.ARGB8888}
	planes := []*Plane{primary, ov1, ov2, cursor}
	bufs := make([]*buffer, len(layers))
	for i, l := range layers {
		bufs[i] = newBuffer(t, d, l.w, l.h, formats[i], l.px)
	}
	capture := func(order []int) *Capture {
		c, err := wb.Capture(func(r *AtomicRequest) {
			for _, i := range order {
				l := layers[i]
				r.SetPlane(planes[i].ID, wb.CRTC, bufs[i].fb, Rect{X: int32(l.x), Y: int32(l.y), W: uint32(l.w), H: uint32(l.h)}, full(l.w, l.h))
			}
		}, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	check := func(name string, c *Capture, want []uint32) {
		t.Helper()
		bad := 0
		for y := range H {
			for x := range W {
				if got := c.At(x, y); got != want[y*W+x] {
					if bad < 5 {
						t.Errorf("%s: pixel (%d,%d) = %08x, want %08x", name, x, y, got, want[y*W+x])
					}
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d pixels differ", name, bad, W*H)
		}
	}
	// All four planes, stacked in plane order: primary, overlay, overlay,
	// cursor.
	check("primary+overlays+cursor", capture([]int{0, 1, 2, 3}), vkmsBlend(W, H, layers))
	// The primary alone: the overlays really were removed again.
	check("primary only", capture([]int{0}), vkmsBlend(W, H, layers[:1]))
	// Back-to-back jobs keep working (the vkms fence race is handled).
	for i := range 3 {
		check(fmt.Sprintf("repeat %d", i), capture([]int{0, 2}), vkmsBlend(W, H, []layer{layers[0], layers[2]}))
	}
	// Sanity of the model itself: in the overlap of the two overlays the
	// blue one (later in plane order) is on top.
	want := vkmsBlend(W, H, layers)
	if p := want[110*W+230]; p&0xff < 0x90 {
		t.Errorf("model: overlap pixel %08x is not mostly blue", p)
	}
}

func TestLegacyCursorAndSetPlane(t *testing.T) {
	d := openCard(t, "vkms")
	s := newScene(t, d, 640, 480)
	bg := newBuffer(t, d, 640, 480, allocator.XRGB8888, func(x, y int) uint32 { return 0x202020 })
	s.modeset(t, bg.fb)
	cur := newBuffer(t, d, 64, 64, allocator.ARGB8888, func(x, y int) uint32 { return 0xffffffff })
	if err := d.SetCursor(s.crtc, cur.Handle, 64, 64); err != nil {
		t.Fatal(err)
	}
	if err := d.MoveCursor(s.crtc, 100, 200); err != nil {
		t.Fatal(err)
	}
	p, err := d.Plane(s.cursor.ID)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := p.Props.Value("CRTC_X")
	y, _ := p.Props.Value("CRTC_Y")
	if p.CRTCID != s.crtc || p.FBID == 0 || x != 100 || y != 200 {
		t.Errorf("cursor plane after SetCursor+MoveCursor: CRTC %d fb %d at %d,%d; want CRTC %d, a framebuffer, at 100,200", p.CRTCID, p.FBID, x, y, s.crtc)
	}
	if err := d.SetCursor(s.crtc, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	ov := newBuffer(t, d, 100, 80, allocator.ARGB8888, func(x, y int) uint32 { return 0x80000080 })
	if err := d.SetPlane(s.overlay[0].ID, s.crtc, ov.fb, Rect{X: 30, Y: 40, W: 100, H: 80}, full(100, 80)); err != nil {
		t.Fatal(err)
	}
	p, _ = d.Plane(s.overlay[0].ID)
	if p.FBID != ov.fb {
		t.Errorf("overlay after SetPlane shows fb %d, want %d", p.FBID, ov.fb)
	}
	if err := d.SetPlane(s.overlay[0].ID, 0, 0, Rect{}, Rect{}); err != nil {
		t.Fatal(err)
	}
}

func allocHeap(t testing.TB, heapPath string, size uint64) *fd.FD {
	t.Helper()
	h, err := fd.Open(heapPath, unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	buf, err := uapi.DMAHeapAlloc(h, size, "test buffer from "+heapPath)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func TestHeapBufferImportIntoVKMSIsScannedOut(t *testing.T) {
	for _, heap := range []struct {
		name  string
		names []string
	}{{"system", []string{"system"}}, {"CMA", testenv.CMAHeapNames}} {
		t.Run(heap.name, func(t *testing.T) {
			d := openCard(t, "vkms")
			s := newScene(t, d, 640, 480)
			buf := allocHeap(t, testenv.RequireHeap(t, heap.names...), 640*480*4)
			defer buf.Close()
			h, err := d.PrimeFDToHandle(buf)
			if err != nil {
				t.Fatal(err)
			}
			defer d.CloseHandle(h)
			fb, err := d.AddFB2(Framebuffer{Width: 640, Height: 480, Format: allocator.XRGB8888, Modifier: allocator.ModifierLinear,
				Planes: []FBPlane{{Handle: h, Pitch: 640 * 4}}})
			if err != nil {
				t.Fatal(err)
			}
			defer d.RemoveFB(fb)
			s.modeset(t, fb)
		})
	}
}

func TestImportIntoVirtioGPUFailsWithENODEV(t *testing.T) {
	d := openCard(t, "virtio_gpu")
	buf := allocHeap(t, testenv.RequireHeap(t, "system"), 4096*16)
	defer buf.Close()
	_, err := d.PrimeFDToHandle(buf)
	if !errors.Is(err, unix.ENODEV) {
		t.Fatalf("import into virtio-gpu: %v; want ENODEV", err)
	}
	for _, want := range []string{"DRM_IOCTL_PRIME_FD_TO_HANDLE on " + d.Path(), "ENODEV", "virtio_gpu device rejected this dma-buf"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if n := d.OpenHandles(); n != 0 {
		t.Errorf("%d handles held after a failed import", n)
	}
}

func TestTwoImportsShareOneHandleAndCloseIndependently(t *testing.T) {
	d := openCard(t, "vkms")
	buf := allocHeap(t, testenv.RequireHeap(t, "system"), 64*64*4)
	defer buf.Close()
	dup, err := buf.Dup()
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	h1, err := d.PrimeFDToHandle(buf)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := d.PrimeFDToHandle(dup)
	if err != nil {
		t.Fatal(err)
	}
	if h1 != h2 || d.HandleRefs(h1) != 2 {
		t.Fatalf("two imports gave handles %d and %d with %d refs; want one handle, 2 refs", h1, h2, d.HandleRefs(h1))
	}
	addFB := func() error {
		fb, err := d.AddFB2(Framebuffer{Width: 64, Height: 64, Format: allocator.XRGB8888, Modifier: allocator.ModifierLinear, Planes: []FBPlane{{Handle: h1, Pitch: 256}}})
		if err == nil {
			d.RemoveFB(fb)
		}
		return err
	}
	if err := d.CloseHandle(h1); err != nil {
		t.Fatal(err)
	}
	if err := addFB(); err != nil {
		t.Fatalf("the second owner's handle died with the first: %v", err)
	}
	if err := d.CloseHandle(h2); err != nil {
		t.Fatal(err)
	}
	if err := addFB(); !errors.Is(err, unix.ENOENT) {
		t.Errorf("AddFB2 after the last close = %v; want ENOENT (handle gone)", err)
	}
	if err := d.CloseHandle(h1); !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "closed twice?") {
		t.Errorf("third CloseHandle = %v; want EINVAL saying it is not held", err)
	}
}

func TestThousandImportCloseCyclesLeaveNoHandleOrFD(t *testing.T) {
	d := openCard(t, "vkms")
	heap := testenv.RequireHeap(t, "system")
	fdsBefore := countFDs(t)
	var first uint32
	for i := range 1000 {
		buf := allocHeap(t, heap, 4096)
		h, err := d.PrimeFDToHandle(buf)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if i == 0 {
			first = h
		}
		// The kernel hands out the lowest free handle: a leak shows as
		// a growing number.
		if h != first {
			t.Fatalf("cycle %d: handle %d, first cycle had %d: a handle leaked", i, h, first)
		}
		if err := d.CloseHandle(h); err != nil {
			t.Fatal(err)
		}
		buf.Close()
	}
	if n := d.OpenHandles(); n != 0 {
		t.Errorf("%d handles still held", n)
	}
	if after := countFDs(t); after != fdsBefore {
		t.Errorf("%d descriptors open after 1000 cycles, %d before", after, fdsBefore)
	}
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestDumbBufferExportAndReimportGiveTheSameHandle(t *testing.T) {
	d := openCard(t, "vkms")
	b, err := d.CreateDumb(64, 64, 32)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.PrimeHandleToFD(b.Handle)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := d.PrimeFDToHandle(f)
	if err != nil {
		t.Fatal(err)
	}
	if h != b.Handle || d.HandleRefs(h) != 2 {
		t.Errorf("re-import of an exported dumb buffer: handle %d refs %d; want %d with 2 refs", h, d.HandleRefs(h), b.Handle)
	}
	d.CloseHandle(h)
	if err := d.DestroyDumb(b.Handle); err != nil {
		t.Fatal(err)
	}
	if d.OpenHandles() != 0 {
		t.Errorf("%d handles left", d.OpenHandles())
	}
}

func TestRenderNodeRefusesDumbBuffersWithAHint(t *testing.T) {
	path := testenv.RequireDRMRender(t, "vgem")
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.CreateDumb(64, 64, 32)
	if err == nil {
		t.Fatal("CreateDumb on a render node succeeded")
	}
	if !strings.Contains(err.Error(), "DRM_IOCTL_MODE_CREATE_DUMB on "+path) {
		t.Errorf("error %q does not name the ioctl and node", err)
	}
	t.Logf("render node answer: %v", err)
}

func TestOutFenceSignalsAndFeedsTheNextCommitAsInFence(t *testing.T) {
	d := openCard(t, "vkms")
	s := newScene(t, d, 640, 480)
	a := newBuffer(t, d, 640, 480, allocator.XRGB8888, func(x, y int) uint32 { return 0x112233 })
	b := newBuffer(t, d, 640, 480, allocator.XRGB8888, func(x, y int) uint32 { return 0x445566 })
	s.modeset(t, a.fb)
	r := d.NewAtomicRequest()
	defer r.Close()
	r.Set(s.primary.ID, "FB_ID", uint64(b.fb)).OutFence(s.crtc)
	if err := r.Commit(0, 0); err != nil {
		t.Fatal(err)
	}
	fence := r.TakeOutFence(s.crtc)
	if fence == nil {
		t.Fatal("no out-fence after a commit with OUT_FENCE_PTR")
	}
	defer fence.Close()
	if err := WaitFence(fence, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// The signalled fence gates the next flip.
	r.Reset()
	r.Set(s.primary.ID, "FB_ID", uint64(a.fb)).InFence(s.primary.ID, fence)
	if err := r.Commit(0, 0); err != nil {
		t.Fatalf("commit with IN_FENCE_FD: %v", err)
	}
	// Something that is not a sync_file is refused.
	notFence := allocHeap(t, testenv.RequireHeap(t, "system"), 4096)
	defer notFence.Close()
	r.Reset()
	r.Set(s.primary.ID, "FB_ID", uint64(b.fb)).InFence(s.primary.ID, notFence)
	if err := r.Commit(AtomicTestOnly, 0); !errors.Is(err, unix.EINVAL) {
		t.Errorf("IN_FENCE_FD with a dma-buf: %v; want EINVAL", err)
	}
}
