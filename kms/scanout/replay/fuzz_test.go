package replay

import (
	"testing"
)

func FuzzParseModetest(f *testing.F) {
	f.Add(readHW(f, "imx8mm-mxsfb-mainline.modetest-p.txt"))
	f.Add("Planes:\n31 0 0 0,0 0,0 0 0x1\n 8 type:\n  value: 1\n 30 IN_FORMATS:\n  value:\n  0100\n")
	f.Fuzz(func(t *testing.T, text string) {
		d, err := ParseModetest(text, "x", "/dev/dri/card0")
		if err == nil && len(d.Planes) == 0 {
			t.Fatal("device without planes accepted")
		}
	})
}

func FuzzParseDrmInfo(f *testing.F) {
	f.Add(readHW(f, "apple-m2-asahi.drm_info.txt"))
	f.Fuzz(func(t *testing.T, text string) {
		devs, _, err := ParseDrmInfo(text)
		if err != nil {
			return
		}
		for _, d := range devs {
			for _, p := range d.Planes {
				if p.Type == "" {
					t.Fatal("plane without type accepted")
				}
			}
		}
	})
}

func FuzzParseOracle(f *testing.F) {
	f.Add("routes heap:system dumb\nrefuse class:system plane=primary format=XR24 modifier=LINEAR stage=import errno=EINVAL -- why\naccept *\n")
	f.Fuzz(func(t *testing.T, text string) {
		ParseOracle(text)
	})
}
