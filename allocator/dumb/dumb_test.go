package dumb

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/allocator/internal/vkmstest"
	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { cbench.Main(m, nil) }

func openVKMS(t *testing.T) *Allocator {
	t.Helper()
	a, err := Open(testenv.RequireDRMCard(t, "vkms"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestDumbBufferScansOutExactly(t *testing.T) {
	// The display opens vkms first: the first opener is DRM master, which
	// the writeback commit (and the connector probe) need. The allocator
	// shares its device, as a compositor allocating its own scanout
	// buffers does.
	d := vkmstest.Open(t, 640, 480)
	defer d.Close()
	a, err := New(d.Dev)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	before := d.Dev.OpenHandles() // the writeback's own buffer
	b, err := a.Allocate(allocator.Request{Width: 640, Height: 480, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageCPUWrite})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n := a.Device().OpenHandles(); n != before {
		t.Errorf("%d GEM handles open after export, %d before: the dumb handle was not released", n, before)
	}
	if b.Planes[0].Stride < 640*4 || b.Size < uint64(b.Planes[0].Stride)*480 {
		t.Errorf("pitch %d size %d", b.Planes[0].Stride, b.Size)
	}
	d.Check(t, b, 0x17)
}

func TestDumbMultiPlaneLayoutFitsAllocation(t *testing.T) {
	a := openVKMS(t)
	for _, f := range []allocator.Format{allocator.NV12, allocator.YUV420, allocator.P010, allocator.RGB565, allocator.YUYV} {
		b, err := a.Allocate(allocator.Request{Width: 322, Height: 241, Format: f, Usage: allocator.UsageCPUWrite})
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		fi, _ := f.Info()
		err = b.AccessPlanes(allocator.AccessWrite, func(planes [][]byte) error {
			for i, p := range b.Planes {
				_, rows := fi.PlaneSize(i, 322, 241)
				need := int(p.Stride)*(rows-1) + fi.MinStride(i, 322)
				if len(planes[i]) < need {
					t.Errorf("%v plane %d: %d bytes mapped, need %d", f, i, len(planes[i]), need)
					continue
				}
				planes[i][need-1] = 0xee // the last byte of the plane must be writable
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		b.Close()
	}
}

func TestRenderNodeRefusesDumb(t *testing.T) {
	p := testenv.RequireDRMRender(t, "vgem")
	a, err := Open(p)
	if err == nil {
		// A kernel that answers the capability query on render nodes
		// still refuses CREATE_DUMB there.
		defer a.Close()
		_, err = a.Allocate(allocator.Request{Width: 64, Height: 64, Format: allocator.XRGB8888})
		if !errors.Is(err, allocator.ErrPermission) || !errors.Is(err, unix.EACCES) || !strings.Contains(err.Error(), "not render nodes") {
			t.Errorf("err = %v, want EACCES explained", err)
		}
		return
	}
	if !errors.Is(err, allocator.ErrUnsupportedUsage) || !strings.Contains(err.Error(), "dumb buffers exist only on card nodes") {
		t.Errorf("err = %v, want the render-node explanation", err)
	}
}
