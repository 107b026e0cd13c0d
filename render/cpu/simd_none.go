//go:build !(goexperiment.simd && amd64)

package cpu

// Without GOEXPERIMENT=simd on amd64 there is no SIMD kernel: the
// constant makes the compiler drop every call below.
const simdOK = false

// SIMD reports which SIMD kernels this binary uses: "" for none (SWAR).
func SIMD() string { return "" }

func overSIMD(dst, src []byte, n int)            {}
func mulSIMD(dst, src []byte, n int, m uint32)   {}
func orSIMD(dst, src []byte, n int, or uint32)   {}
func swapSIMD(dst, src []byte, n int, or uint32) {}
func from565SIMD(dst, src []byte, n int)         {}
func to565SIMD(dst, src []byte, n int)           {}
func nv12SIMD(dst, y, uv []byte, n int) int      { return 0 }

// setSIMD is for tests: it reports whether SIMD kernels exist to switch.
func setSIMD(on bool) (restore func()) { return func() {} }

// scalePlan holds the SIMD scaling kernels' per-chunk plan; empty here.
type scalePlan struct{ vw [0]uint32 }

func (sp *scalePlan) initBilinear(ca, cb, wx []uint16)                    {}
func (sp *scalePlan) initNearest(xa []int32, lo, hi int32) bool           { return false }
func bilinearVSIMD(vw []uint32, top, bot []byte, m int, wy uint32)        {}
func bilinearHSIMD(out []byte, sp *scalePlan, ca, cb, wx []uint16, n int) {}
func nearestSIMD(out, row []byte, sp *scalePlan, xa []int32, n int)       {}
func rotate8SIMD(dst []byte, dstStride int, src []byte, off, stepI int, rev bool, nt int, or uint32) {
}

func copyNT(dst, src []byte) { copy(dst, src) }
func prefetch2(a, b []byte)  {}

func copyRect(dst, src []byte, n, dstStride, srcStride, rows int) bool { return false }
func sfence()                                                          {}

func expand565NT(dst, src []byte, n int) { expand565(dst, src, n, false) }
func overStream(dst, src []byte, n int)  {}
