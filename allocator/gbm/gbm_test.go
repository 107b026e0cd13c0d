//go:build gbm && cgo

package gbm

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/internal/cbench"
	"github.com/go-scanout/scanout/allocator/internal/vkmstest"
	"github.com/go-scanout/scanout/internal/testenv"
)

// Mesa keeps descriptors of its own (the shader cache, the DRI driver's
// device) for the life of the process.
func TestMain(m *testing.M) {
	cbench.Main(m, &testenv.Options{AllowFD: func(target string) bool {
		return strings.Contains(target, "mesa") || strings.HasPrefix(target, "/dev/dri/") || strings.Contains(target, "anon_inode")
	}})
}

// openVKMS opens GBM on the vkms card node: in the VM that is where Mesa
// 22.3 has a driver (kms_swrast); the render nodes have none.
func openVKMS(t *testing.T) *Allocator {
	t.Helper()
	a, err := Open(testenv.RequireDRMCard(t, "vkms"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestGBMOnVKMSScansOutExactly(t *testing.T) {
	// The display opens vkms first so that it is DRM master (the
	// writeback commit needs it); GBM needs no master.
	d := vkmstest.Open(t, 640, 480)
	defer d.Close()
	a := openVKMS(t)
	t.Logf("GBM backend %q; formats %v", a.Backend(), a.Caps().Formats.Formats())
	for _, tt := range []struct {
		name string
		mods []allocator.Modifier
		want allocator.Modifier
	}{
		{"default", nil, allocator.ModifierLinear},
		{"explicit LINEAR", []allocator.Modifier{allocator.ModifierLinear}, allocator.ModifierLinear},
		{"implicit", []allocator.Modifier{allocator.ModifierInvalid}, allocator.ModifierLinear},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := a.Allocate(allocator.Request{Width: 640, Height: 480, Format: allocator.XRGB8888, Modifiers: tt.mods,
				Usage: allocator.UsageScanout | allocator.UsageRender | allocator.UsageCPUWrite})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			a.mu.Lock()
			retries := a.retries
			a.mu.Unlock()
			t.Logf("%v: %d planes, stride %d; fallbacks to the implicit path so far: %d", b, len(b.Planes), b.Planes[0].Stride, retries)
			if b.Modifier != tt.want || b.Planes[0].Stride < 640*4 {
				t.Errorf("modifier %v stride %d", b.Modifier, b.Planes[0].Stride)
			}
			d.Check(t, b, 0x5e)
		})
	}
}

func TestGBMRefusesUnproducibleModifierBeforeCallingMesa(t *testing.T) {
	a := openVKMS(t)
	_, err := a.Allocate(allocator.Request{Width: 64, Height: 64, Format: allocator.XRGB8888,
		Modifiers: []allocator.Modifier{allocator.ModifierIntelYTiled}, Usage: allocator.UsageRender})
	var re *allocator.RequestError
	if !errors.As(err, &re) || !errors.Is(err, allocator.ErrUnsupportedModifier) {
		t.Errorf("err = %v", err)
	}
}

// The facts recorded before said GBM on vgem's render node fails (no Mesa
// driver for vgem). This test records what really happens: either Open is
// refused with the explanation, or Mesa falls back to a software backend
// and then the allocation must either work or fail with a named error.
func TestGBMOnVgemRenderNode(t *testing.T) {
	p := testenv.RequireDRMRender(t, "vgem")
	a, err := Open(p, nil)
	if err != nil {
		if !errors.Is(err, allocator.ErrNoDevice) || !strings.Contains(err.Error(), "gbm_create_device on "+p) {
			t.Errorf("err = %v", err)
		}
		t.Logf("GBM on %s refused: %v", p, err)
		return
	}
	defer a.Close()
	t.Logf("GBM device on %s: backend %q, %d formats", p, a.Backend(), a.Caps().Formats.Len())
	b, err := a.Allocate(allocator.Request{Width: 64, Height: 64, Format: allocator.XRGB8888, Usage: allocator.UsageRender | allocator.UsageCPUWrite})
	if err != nil {
		var e *allocator.Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), "gbm_bo_create") || (errors.Is(err, allocator.ErrPermission) && !strings.Contains(err.Error(), "render nodes refuse")) {
			t.Errorf("allocation error does not name the call: %v", err)
		}
		t.Logf("allocation on %s refused: %v", p, err)
		return
	}
	defer b.Close()
	t.Logf("allocated on %s: %v stride %d", p, b, b.Planes[0].Stride)
	if err := b.Access(allocator.AccessWrite, func(mem []byte) error { mem[0] = 1; return nil }); err != nil {
		t.Errorf("access: %v", err)
	}
}
