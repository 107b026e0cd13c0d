package kms_test

import (
	"fmt"
	"log"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms"
)

// Parse a plane's IN_FORMATS blob into format -> modifiers.
func ExampleParseInFormats() {
	blob := kms.EncodeInFormats([]kms.FormatModifiers{
		{Format: allocator.XRGB8888, Modifiers: []allocator.Modifier{allocator.ModifierLinear}},
		{Format: allocator.ARGB8888, Modifiers: []allocator.Modifier{allocator.ModifierLinear}},
	})
	fms, err := kms.ParseInFormats(blob)
	if err != nil {
		log.Fatal(err)
	}
	for _, fm := range fms {
		fmt.Println(fm.Format, fm.Modifiers)
	}
	// Output:
	// XRGB8888 [LINEAR]
	// ARGB8888 [LINEAR]
}

// Find the devices that can drive a display.
func ExampleDiscover() {
	devs, err := kms.Discover(nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range devs {
		if d.Kind == kms.KindDisplayOnly || d.Kind == kms.KindDisplayRender {
			fmt.Println(d.Card, d.Driver.Name, d.CRTCs, "CRTCs")
		}
	}
}

// Light up the first connected output with a dumb buffer and flip once.
func ExampleDevice_NewAtomicRequest() {
	dev, err := kms.Open("/dev/dri/card0")
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	if _, err := dev.EnableAtomic(); err != nil {
		log.Fatal(err)
	}
	res, err := dev.Resources()
	if err != nil {
		log.Fatal(err)
	}
	var conn *kms.Connector
	for _, id := range res.Connectors {
		if c, err := dev.Connector(id); err == nil && c.Status == kms.Connected {
			conn = c
			break
		}
	}
	mode, _ := conn.PreferredMode()
	w, h := uint32(mode.HDisplay), uint32(mode.VDisplay)
	buf, err := dev.CreateDumb(w, h, 32)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.DestroyDumb(buf.Handle)
	fb, err := dev.AddFB2(kms.Framebuffer{Width: w, Height: h, Format: allocator.XRGB8888,
		Modifier: allocator.ModifierLinear, Planes: []kms.FBPlane{{Handle: buf.Handle, Pitch: buf.Pitch}}})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.RemoveFB(fb)
	crtc := res.CRTCs[0]
	var primary uint32
	for _, id := range res.Planes {
		if p, err := dev.Plane(id); err == nil && p.Type == kms.PlanePrimary && p.SupportsCRTC(0) {
			primary = id
		}
	}
	req := dev.NewAtomicRequest()
	defer req.Close()
	req.SetMode(crtc, &mode).Set(conn.ID, "CRTC_ID", uint64(crtc))
	req.SetPlane(primary, crtc, fb, kms.Rect{W: w, H: h}, kms.Rect{W: w, H: h})
	if err := req.Commit(kms.AtomicAllowModeset|kms.AtomicPageFlipEvent, 1); err != nil {
		log.Fatal(err)
	}
	dev.ReadEvents(func(e kms.Event) { fmt.Println(e.Kind, e.Sequence, e.Time) })
}

// Check what vkms shows through its writeback connector.
func ExampleWriteback() {
	dev, err := kms.Open("/dev/dri/card1") // find vkms with kms.Discover
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	wb, err := kms.NewWriteback(dev, 640, 480)
	if err != nil {
		log.Fatal(err)
	}
	defer wb.Close()
	capt, err := wb.Capture(func(r *kms.AtomicRequest) {
		// r.SetPlane(wb.PlaneOfType(kms.PlanePrimary, 0).ID, wb.CRTC, fb, ...)
	}, 5*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%08x\n", capt.At(0, 0))
}
