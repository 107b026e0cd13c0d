package headless_test

import (
	"fmt"
	"image"
)

// compare returns "" when a and b differ by at most tol per channel
// everywhere, else a description of the first difference.
func compare(a, b *image.RGBA, tol int) string {
	if a.Bounds() != b.Bounds() {
		return fmt.Sprintf("size %v, want %v", a.Bounds(), b.Bounds())
	}
	bad := 0
	first := ""
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			o := y*a.Stride + x*4
			for i := 0; i < 4; i++ {
				d := int(a.Pix[o+i]) - int(b.Pix[o+i])
				if d < -tol || d > tol {
					if bad == 0 {
						first = fmt.Sprintf("pixel (%d,%d) = %v, want %v", x, y, a.Pix[o:o+4], b.Pix[o:o+4])
					}
					bad++
					break
				}
			}
		}
	}
	if bad > 0 {
		return fmt.Sprintf("%d pixels differ by more than %d; first: %s", bad, tol, first)
	}
	return ""
}
