package allocator

import "testing"

func TestModifierNames(t *testing.T) {
	tests := []struct {
		m    Modifier
		want string
	}{
		{ModifierLinear, "LINEAR"},
		{ModifierInvalid, "INVALID"},
		{Modifier(0x00ffffffffffffff), "INVALID"},
		{ModifierIntelXTiled, "I915_X_TILED"},
		{Modifier(0x0100000000000002), "I915_Y_TILED"},
		{Modifier(0x0100000000000009), "I915_4_TILED"},
		{Modifier(0x0700000000000001), "BROADCOM_VC4_T_TILED"},
		{Modifier(0x0700000000000006), "BROADCOM_UIF"},
		{Modifier(0x0700000000000004), "BROADCOM_SAND128"},
		{ModifierBroadcomSAND128ColHeight(96), "BROADCOM_SAND128(col_height=96)"},
		{Modifier(0x0700000000006002), "BROADCOM_SAND32(col_height=96)"},
		// Rockchip VOP2's preferred AFBC: 16x16, SPARSE, YTR.
		{Modifier(0x0800000000000051), "ARM_AFBC(16x16,YTR,SPARSE)"},
		{ModifierARMAFBC(AFBCBlock32x8 | AFBCSplit | AFBCSparse | AFBCTiled), "ARM_AFBC(32x8,SPLIT,SPARSE,TILED)"},
		{Modifier(0x0810000000000001), "ARM_16X16_BLOCK_U_INTERLEAVED"},
		{ModifierVivanteSuperTiled, "VIVANTE_SUPER_TILED"},
		{Modifier(0x0601000000000002), "VIVANTE_SUPER_TILED(TS_64_4)"},
		{Modifier(0x0611000000000004), "VIVANTE_SPLIT_SUPER_TILED(TS_64_4,DEC400)"},
		{ModifierNVIDIATegraTiled, "NVIDIA_TEGRA_TILED"},
		{ModifierNVIDIABlockLinear2D(0, 1, 2, 0xfe, 4), "NVIDIA_BLOCK_LINEAR_2D(h=4,k=0xfe,g=2,s=1,c=0)"},
		{Modifier(0x03000000000fe014), "NVIDIA_BLOCK_LINEAR_2D(h=4,k=0xfe,g=0,s=0,c=0)"},
		{Modifier(0x0200000000001234), "AMD(0x00000000001234)"},
		{Modifier(0x7f00000000000001), "VENDOR_0x7f(0x00000000000001)"},
		{Modifier(0x08000000000000ff), "ARM(0x000000000000ff)"}, // undefined AFBC block size
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Modifier(%#016x).String() = %q, want %q", uint64(tt.m), got, tt.want)
		}
	}
}

func TestModifierKnownValues(t *testing.T) {
	// Numbers from drm_fourcc.h.
	if ModifierInvalid != 0x00ffffffffffffff || ModifierLinear != 0 {
		t.Errorf("INVALID/LINEAR wrong: %#x %#x", uint64(ModifierInvalid), uint64(ModifierLinear))
	}
	if ModifierNVIDIABlockLinear2D(0, 0, 0, 0, 0) != 0x0300000000000010 {
		t.Errorf("NVIDIA 16Bx2 one GOB = %#x", uint64(ModifierNVIDIABlockLinear2D(0, 0, 0, 0, 0)))
	}
	if m := ModifierARMAFBC(AFBCBlock16x16); m != 0x0800000000000001 {
		t.Errorf("AFBC 16x16 = %#x", uint64(m))
	}
	if v := ModifierBroadcomSAND128.Vendor(); v != VendorBroadcom || v.String() != "BROADCOM" {
		t.Errorf("vendor = %v", v)
	}
}

func TestParseModifier(t *testing.T) {
	for in, want := range map[string]Modifier{
		"LINEAR": ModifierLinear, "linear": ModifierLinear, "I915_X_TILED": ModifierIntelXTiled,
		"0x0100000000000002": ModifierIntelYTiled, "0": ModifierLinear,
	} {
		if got, err := ParseModifier(in); err != nil || got != want {
			t.Errorf("ParseModifier(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseModifier("TILED_SOMEHOW"); err == nil {
		t.Error("ParseModifier(TILED_SOMEHOW) succeeded")
	}
}
