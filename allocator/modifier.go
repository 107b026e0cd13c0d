package allocator

import (
	"fmt"
	"strconv"
	"strings"
)

// Modifier is a DRM format modifier (drm_fourcc.h): it says how the pixels
// of a format are laid out in memory (linear, tiled, compressed). The top 8
// bits are the vendor, the rest is vendor-defined.
type Modifier uint64

// Vendor is the top byte of a Modifier.
type Vendor uint8

// Modifier vendors (DRM_FORMAT_MOD_VENDOR_*).
const (
	VendorNone      Vendor = 0x00
	VendorIntel     Vendor = 0x01
	VendorAMD       Vendor = 0x02
	VendorNVIDIA    Vendor = 0x03
	VendorSamsung   Vendor = 0x04
	VendorQualcomm  Vendor = 0x05
	VendorVivante   Vendor = 0x06
	VendorBroadcom  Vendor = 0x07
	VendorARM       Vendor = 0x08
	VendorAllwinner Vendor = 0x09
	VendorAmlogic   Vendor = 0x0a
)

var vendorNames = map[Vendor]string{
	VendorNone: "NONE", VendorIntel: "INTEL", VendorAMD: "AMD", VendorNVIDIA: "NVIDIA",
	VendorSamsung: "SAMSUNG", VendorQualcomm: "QCOM", VendorVivante: "VIVANTE",
	VendorBroadcom: "BROADCOM", VendorARM: "ARM", VendorAllwinner: "ALLWINNER",
	VendorAmlogic: "AMLOGIC",
}

// String returns the vendor's name as in DRM_FORMAT_MOD_VENDOR_*.
func (v Vendor) String() string {
	if n, ok := vendorNames[v]; ok {
		return n
	}
	return fmt.Sprintf("VENDOR_0x%02x", uint8(v))
}

func modCode(v Vendor, val uint64) Modifier {
	return Modifier(uint64(v)<<56 | val&0x00ffffffffffffff)
}

// Well-known modifiers.
var (
	// ModifierLinear is a plain row-major layout, the only one every
	// device understands.
	ModifierLinear = modCode(VendorNone, 0)
	// ModifierInvalid means "no explicit modifier": the layout is
	// implied by the driver that allocated the buffer (the implicit
	// modifier of legacy APIs). It also terminates modifier lists.
	ModifierInvalid = modCode(VendorNone, 0x00ffffffffffffff)

	ModifierIntelXTiled  = modCode(VendorIntel, 1)
	ModifierIntelYTiled  = modCode(VendorIntel, 2)
	ModifierIntelYfTiled = modCode(VendorIntel, 3)
	ModifierIntel4Tiled  = modCode(VendorIntel, 9)

	ModifierBroadcomVC4TTiled = modCode(VendorBroadcom, 1)
	ModifierBroadcomSAND32    = modCode(VendorBroadcom, 2)
	ModifierBroadcomSAND64    = modCode(VendorBroadcom, 3)
	ModifierBroadcomSAND128   = modCode(VendorBroadcom, 4)
	ModifierBroadcomSAND256   = modCode(VendorBroadcom, 5)
	ModifierBroadcomUIF       = modCode(VendorBroadcom, 6)

	ModifierVivanteTiled           = modCode(VendorVivante, 1)
	ModifierVivanteSuperTiled      = modCode(VendorVivante, 2)
	ModifierVivanteSplitTiled      = modCode(VendorVivante, 3)
	ModifierVivanteSplitSuperTiled = modCode(VendorVivante, 4)

	ModifierNVIDIATegraTiled = modCode(VendorNVIDIA, 1)

	ModifierSamsung64x32Tile   = modCode(VendorSamsung, 1)
	ModifierSamsung16x16Tile   = modCode(VendorSamsung, 2)
	ModifierQualcommCompressed = modCode(VendorQualcomm, 1)
	ModifierAllwinnerTiled     = modCode(VendorAllwinner, 1)
)

// ModifierBroadcomSAND128ColHeight returns the SAND128 modifier with the
// column height parameter set (the Raspberry Pi's HEVC decoder output).
func ModifierBroadcomSAND128ColHeight(h uint64) Modifier {
	return modCode(VendorBroadcom, h<<8|4)
}

// ARM modifier types (DRM_FORMAT_MOD_ARM_TYPE_*).
const (
	armTypeAFBC = 0
	armTypeMisc = 1
	armTypeAFRC = 2
)

// AFBC flag bits (AFBC_FORMAT_MOD_*), for ModifierARMAFBC.
const (
	AFBCBlock16x16     = 1
	AFBCBlock32x8      = 2
	AFBCBlock64x4      = 3
	AFBCBlock32x8_64x4 = 4
	AFBCYTR            = 1 << 4
	AFBCSplit          = 1 << 5
	AFBCSparse         = 1 << 6
	AFBCCBR            = 1 << 7
	AFBCTiled          = 1 << 8
	AFBCSC             = 1 << 9
	AFBCDB             = 1 << 10
	AFBCBCH            = 1 << 11
	AFBCUSM            = 1 << 12
)

// ModifierARMAFBC returns the ARM Frame Buffer Compression modifier with
// the given AFBC* flags. Rockchip's VOP and VOP2, Mali GPUs and Arm's
// display processors use these.
func ModifierARMAFBC(flags uint64) Modifier {
	return modCode(VendorARM, armTypeAFBC<<52|flags&0x000fffffffffffff)
}

// ModifierNVIDIABlockLinear2D returns
// DRM_FORMAT_MOD_NVIDIA_BLOCK_LINEAR_2D(c, s, g, k, h).
func ModifierNVIDIABlockLinear2D(c, s, g, k, h uint64) Modifier {
	return modCode(VendorNVIDIA, 0x10|h&0xf|(k&0xff)<<12|(g&3)<<20|(s&1)<<22|(c&7)<<23)
}

// Vendor returns the modifier's vendor.
func (m Modifier) Vendor() Vendor { return Vendor(m >> 56) }

// Value returns the vendor-defined low 56 bits.
func (m Modifier) Value() uint64 { return uint64(m) & 0x00ffffffffffffff }

var modifierNames = map[Modifier]string{
	ModifierLinear:                        "LINEAR",
	ModifierInvalid:                       "INVALID",
	ModifierIntelXTiled:                   "I915_X_TILED",
	ModifierIntelYTiled:                   "I915_Y_TILED",
	ModifierIntelYfTiled:                  "I915_Yf_TILED",
	modCode(VendorIntel, 4):               "I915_Y_TILED_CCS",
	modCode(VendorIntel, 5):               "I915_Yf_TILED_CCS",
	modCode(VendorIntel, 6):               "I915_Y_TILED_GEN12_RC_CCS",
	modCode(VendorIntel, 7):               "I915_Y_TILED_GEN12_MC_CCS",
	modCode(VendorIntel, 8):               "I915_Y_TILED_GEN12_RC_CCS_CC",
	ModifierIntel4Tiled:                   "I915_4_TILED",
	modCode(VendorIntel, 10):              "I915_4_TILED_DG2_RC_CCS",
	modCode(VendorIntel, 11):              "I915_4_TILED_DG2_MC_CCS",
	modCode(VendorIntel, 12):              "I915_4_TILED_DG2_RC_CCS_CC",
	modCode(VendorIntel, 13):              "I915_4_TILED_MTL_RC_CCS",
	modCode(VendorIntel, 14):              "I915_4_TILED_MTL_MC_CCS",
	modCode(VendorIntel, 15):              "I915_4_TILED_MTL_RC_CCS_CC",
	modCode(VendorIntel, 16):              "I915_4_TILED_LNL_CCS",
	modCode(VendorIntel, 17):              "I915_4_TILED_BMG_CCS",
	ModifierBroadcomVC4TTiled:             "BROADCOM_VC4_T_TILED",
	ModifierBroadcomUIF:                   "BROADCOM_UIF",
	ModifierVivanteTiled:                  "VIVANTE_TILED",
	ModifierVivanteSuperTiled:             "VIVANTE_SUPER_TILED",
	ModifierVivanteSplitTiled:             "VIVANTE_SPLIT_TILED",
	ModifierVivanteSplitSuperTiled:        "VIVANTE_SPLIT_SUPER_TILED",
	ModifierNVIDIATegraTiled:              "NVIDIA_TEGRA_TILED",
	ModifierSamsung64x32Tile:              "SAMSUNG_64_32_TILE",
	ModifierSamsung16x16Tile:              "SAMSUNG_16_16_TILE",
	ModifierQualcommCompressed:            "QCOM_COMPRESSED",
	modCode(VendorQualcomm, 2):            "QCOM_TILED2",
	modCode(VendorQualcomm, 3):            "QCOM_TILED3",
	ModifierAllwinnerTiled:                "ALLWINNER_TILED",
	modCode(VendorARM, armTypeMisc<<52|1): "ARM_16X16_BLOCK_U_INTERLEAVED",
}

// String names the modifier the way drm_info does where it can:
// "LINEAR", "I915_Y_TILED", "BROADCOM_SAND128(col_height=96)",
// "ARM_AFBC(16x16,SPARSE,YTR)", "VIVANTE_SUPER_TILED(TS_64_4)",
// "NVIDIA_BLOCK_LINEAR_2D(h=4,k=0xfe,g=2,s=0,c=0)". Unknown modifiers
// print as their vendor and value, e.g. "AMD(0x0000000000001234)".
func (m Modifier) String() string {
	if n, ok := modifierNames[m]; ok {
		return n
	}
	v := m.Value()
	switch m.Vendor() {
	case VendorBroadcom:
		kind := v & 0xff
		param := v >> 8 & (1<<48 - 1)
		if kind >= 2 && kind <= 5 {
			name := [...]string{"SAND32", "SAND64", "SAND128", "SAND256"}[kind-2]
			if param == 0 {
				return "BROADCOM_" + name
			}
			return fmt.Sprintf("BROADCOM_%s(col_height=%d)", name, param)
		}
	case VendorARM:
		typ := v >> 52
		val := v & 0x000fffffffffffff
		if typ == armTypeAFBC {
			if s, ok := afbcString(val); ok {
				return s
			}
		}
	case VendorVivante:
		base := v &^ (0xff << 48)
		if n, ok := modifierNames[modCode(VendorVivante, base)]; ok {
			var ext []string
			switch v >> 48 & 0xf {
			case 0:
			case 1:
				ext = append(ext, "TS_64_4")
			case 2:
				ext = append(ext, "TS_64_2")
			case 3:
				ext = append(ext, "TS_128_4")
			case 4:
				ext = append(ext, "TS_256_4")
			default:
				ext = append(ext, fmt.Sprintf("TS_0x%x", v>>48&0xf))
			}
			switch v >> 52 & 0xf {
			case 0:
			case 1:
				ext = append(ext, "DEC400")
			default:
				ext = append(ext, fmt.Sprintf("COMP_0x%x", v>>52&0xf))
			}
			return n + "(" + strings.Join(ext, ",") + ")"
		}
	case VendorNVIDIA:
		if v&0x10 != 0 && v>>25 == 0 {
			return fmt.Sprintf("NVIDIA_BLOCK_LINEAR_2D(h=%d,k=0x%02x,g=%d,s=%d,c=%d)",
				v&0xf, v>>12&0xff, v>>20&3, v>>22&1, v>>23&7)
		}
	}
	return fmt.Sprintf("%s(0x%014x)", m.Vendor(), v)
}

func afbcString(val uint64) (string, bool) {
	blocks := [...]string{"", "16x16", "32x8", "64x4", "32x8_64x4"}
	b := val & 0xf
	if b == 0 || b >= uint64(len(blocks)) {
		return "", false
	}
	parts := []string{blocks[b]}
	flags := []struct {
		bit  uint64
		name string
	}{
		{AFBCYTR, "YTR"}, {AFBCSplit, "SPLIT"}, {AFBCSparse, "SPARSE"}, {AFBCCBR, "CBR"},
		{AFBCTiled, "TILED"}, {AFBCSC, "SC"}, {AFBCDB, "DB"}, {AFBCBCH, "BCH"}, {AFBCUSM, "USM"},
	}
	rest := val &^ 0xf
	for _, f := range flags {
		if rest&f.bit != 0 {
			parts = append(parts, f.name)
			rest &^= f.bit
		}
	}
	if rest != 0 {
		return "", false
	}
	return "ARM_AFBC(" + strings.Join(parts, ",") + ")", true
}

// ParseModifier parses a modifier given by a name String returns for the
// fixed modifiers ("LINEAR", "I915_X_TILED") or by number ("0x0", decimal).
func ParseModifier(s string) (Modifier, error) {
	u := strings.ToUpper(s)
	for m, n := range modifierNames {
		if strings.ToUpper(n) == u {
			return m, nil
		}
	}
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		return Modifier(v), nil
	}
	return 0, fmt.Errorf("unknown format modifier %q: use a name such as LINEAR or a number such as 0x0100000000000001: %w", s, ErrUnsupportedModifier)
}
