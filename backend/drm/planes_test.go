package drm

import (
	"testing"

	"github.com/go-scanout/scanout/kms"
)

// TestOverlaysStackAbovePrimary: overlays are used only above the
// primary plane, lowest first; mutable zpos values are assigned above
// the primary's, immutable ones kept; planes without zpos keep the
// kernel's order (vkms).
func TestOverlaysStackAbovePrimary(t *testing.T) {
	z := func(v, lo, hi int64, imm bool) *kms.ZposRange {
		return &kms.ZposRange{Value: v, Min: lo, Max: hi, Immutable: imm}
	}
	cases := []struct {
		name     string
		primary  *kms.ZposRange
		overlays []*kms.Plane
		want     []uint32 // used overlays, lowest first
		wantZ    []int64
		setZ     bool
	}{
		{name: "no zpos (vkms): plane order", overlays: []*kms.Plane{{ID: 40}, {ID: 35}, {ID: 38}},
			want: []uint32{35, 38, 40}, wantZ: []int64{0, 0, 0}},
		{name: "immutable: by zpos, those below the primary unused", primary: z(2, 2, 2, true),
			overlays: []*kms.Plane{{ID: 10, Zpos: z(5, 5, 5, true)}, {ID: 11, Zpos: z(1, 1, 1, true)}, {ID: 12, Zpos: z(3, 3, 3, true)}},
			want:     []uint32{12, 10}, wantZ: []int64{3, 5}},
		{name: "mutable: set above the primary in plane order", primary: z(0, 0, 0, true),
			overlays: []*kms.Plane{{ID: 21, Zpos: z(0, 0, 2, false)}, {ID: 20, Zpos: z(0, 0, 2, false)}, {ID: 22, Zpos: z(0, 0, 2, false)}},
			want:     []uint32{20, 21}, wantZ: []int64{1, 2}, setZ: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &Backend{primary: &kms.Plane{ID: 1, Type: kms.PlanePrimary, Zpos: tc.primary}}
			b.setupPlanes(tc.overlays)
			if len(b.overlays) != len(tc.want) {
				t.Fatalf("%d overlays used, want %v (notes %q)", len(b.overlays), tc.want, b.planeNotes)
			}
			for i, hp := range b.overlays {
				if hp.p.ID != tc.want[i] || hp.zpos != tc.wantZ[i] || hp.setZ != tc.setZ || hp.slot != 1+i {
					t.Errorf("overlay %d: plane %d zpos %d set %v slot %d, want plane %d zpos %d set %v slot %d",
						i, hp.p.ID, hp.zpos, hp.setZ, hp.slot, tc.want[i], tc.wantZ[i], tc.setZ, 1+i)
				}
			}
		})
	}
}
