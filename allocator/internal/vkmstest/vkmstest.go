// Package vkmstest checks, against the real vkms driver in the test VM,
// that a buffer an allocator produced is scanned out exactly: it writes a
// pattern through Buffer.Access, PRIME-imports the buffer into vkms, shows
// it on the primary plane and compares the writeback connector's readback
// with the pattern byte for byte.
package vkmstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/kms"
)

// Pixel is the XRGB8888 test pattern at (x, y), seeded so two runs with
// different seeds differ everywhere: bytes B, G, R, X in memory.
func Pixel(x, y int, seed byte) [4]byte {
	return [4]byte{byte(x) ^ seed, byte(y) + seed, byte(x>>8) ^ byte(y>>8)<<4 ^ byte(x*7+y*3), 0xff}
}

// Fill writes the pattern into an XRGB8888 or ARGB8888 buffer through
// Access (so through the DMA_BUF_IOCTL_SYNC bracket).
func Fill(b *allocator.Buffer, seed byte) error {
	stride := int(b.Planes[0].Stride)
	off := int(b.Planes[0].Offset)
	return b.Access(allocator.AccessWrite, func(mem []byte) error {
		for y := range b.Height {
			row := mem[off+y*stride:]
			for x := range b.Width {
				p := Pixel(x, y, seed)
				copy(row[4*x:4*x+4], p[:])
			}
		}
		return nil
	})
}

// Display is an open vkms device with writeback capture.
type Display struct {
	Dev *kms.Device
	WB  *kms.Writeback
}

// Open opens vkms and prepares writeback capture at width x height (a
// mode vkms offers, e.g. 640x480 or 1920x1080), or ends t (see
// testenv.Unavailable). Call it before anything else in the process opens
// the vkms card node: the first opener is DRM master, which the writeback
// commit and the connector probe need.
func Open(t testing.TB, width, height int) *Display {
	t.Helper()
	path := testenv.RequireDRMCard(t, "vkms")
	dev, err := kms.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := kms.NewWriteback(dev, width, height)
	if err != nil {
		dev.Close()
		t.Fatal(err)
	}
	return &Display{Dev: dev, WB: wb}
}

// Close releases the writeback state and the device.
func (d *Display) Close() {
	d.WB.Close()
	d.Dev.Close()
}

// Show imports b into vkms, shows it full screen on the primary plane and
// returns the writeback capture.
func (d *Display) Show(b *allocator.Buffer) (*kms.Capture, error) {
	handles := map[any]uint32{}
	var planes []kms.FBPlane
	for _, p := range b.Planes {
		h, ok := handles[p.FD]
		if !ok {
			var err error
			h, err = d.Dev.PrimeFDToHandle(p.FD)
			if err != nil {
				return nil, fmt.Errorf("PRIME import of %v into vkms: %w", b, err)
			}
			defer d.Dev.CloseHandle(h)
			handles[p.FD] = h
		}
		planes = append(planes, kms.FBPlane{Handle: h, Pitch: p.Stride, Offset: p.Offset})
	}
	fb, err := d.Dev.AddFB2(kms.Framebuffer{Width: uint32(b.Width), Height: uint32(b.Height), Format: b.Format,
		Modifier: b.Modifier, Planes: planes})
	if err != nil {
		return nil, fmt.Errorf("ADDFB2 of %v: %w", b, err)
	}
	defer d.Dev.RemoveFB(fb)
	primary := d.WB.PlaneOfType(kms.PlanePrimary, 0)
	if primary == nil {
		return nil, fmt.Errorf("vkms has no primary plane on CRTC %d", d.WB.CRTC)
	}
	r := kms.Rect{W: uint32(b.Width), H: uint32(b.Height)}
	return d.WB.Capture(func(req *kms.AtomicRequest) {
		req.SetPlane(primary.ID, d.WB.CRTC, fb, r, r)
	}, 10*time.Second)
}

// Check fills b with the pattern, shows it and fails t unless the
// readback matches byte for byte (for XRGB formats the X byte is not
// compared: vkms does not define it).
func (d *Display) Check(t testing.TB, b *allocator.Buffer, seed byte) {
	t.Helper()
	if err := Fill(b, seed); err != nil {
		t.Fatalf("fill %v: %v", b, err)
	}
	c, err := d.Show(b)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for y := range b.Height {
		for x := range b.Width {
			want := Pixel(x, y, seed)
			got := c.Pix[y*c.Stride+4*x : y*c.Stride+4*x+4]
			if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				if bad < 5 {
					t.Errorf("%v: pixel (%d,%d) = % x, want % x", b, x, y, got[:3], want[:3])
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d of %d pixels differ in the writeback readback", b, bad, b.Width*b.Height)
	}
}
