package kms

import (
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/testenv"
)

func BenchmarkParseInFormats(b *testing.B) {
	var fms []FormatModifiers
	for i := range 60 {
		fms = append(fms, FormatModifiers{Format: allocator.Format(0x30303030 + i), Modifiers: []allocator.Modifier{allocator.ModifierLinear, allocator.ModifierARMAFBC(1)}})
	}
	blob := EncodeInFormats(fms)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseInFormats(blob); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAtomicPlaneUpdateTestOnly measures one frame's worth of
// atomic work on vkms: rebuild a request moving one plane and changing
// its framebuffer, and submit it TEST_ONLY. allocs/op is the number the
// frame path must keep at zero.
func BenchmarkAtomicPlaneUpdateTestOnly(b *testing.B) {
	path := testenv.RequireDRMCard(b, "vkms")
	d, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if _, err := d.EnableAtomic(); err != nil {
		b.Fatal(err)
	}
	res, err := d.Resources()
	if err != nil {
		b.Fatal(err)
	}
	var conn *Connector
	for _, id := range res.Connectors {
		c, _ := d.Connector(id)
		if c.Name == "Virtual-1" {
			conn = c
		}
	}
	mode, _ := conn.FindMode(640, 480, 60)
	var primary uint32
	for _, id := range res.Planes {
		p, _ := d.Plane(id)
		if p.Type == PlanePrimary {
			primary = id
		}
	}
	buf, err := d.CreateDumb(640, 480, 32)
	if err != nil {
		b.Fatal(err)
	}
	defer d.DestroyDumb(buf.Handle)
	fb, err := d.AddFB2(Framebuffer{Width: 640, Height: 480, Format: allocator.XRGB8888, Modifier: allocator.ModifierLinear, Planes: []FBPlane{{Handle: buf.Handle, Pitch: buf.Pitch}}})
	if err != nil {
		b.Fatal(err)
	}
	defer d.RemoveFB(fb)
	crtc := res.CRTCs[0]
	r := d.NewAtomicRequest()
	defer r.Close()
	r.SetMode(crtc, &mode).Set(conn.ID, "CRTC_ID", uint64(crtc)).SetPlane(primary, crtc, fb, Rect{W: 640, H: 480}, Rect{W: 640, H: 480})
	if err := r.Commit(AtomicAllowModeset, 0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Reset()
		r.SetPlane(primary, crtc, fb, Rect{W: 640, H: 480}, Rect{W: 640, H: 480})
		if err := r.Commit(AtomicTestOnly, 0); err != nil {
			b.Fatal(err)
		}
	}
}
