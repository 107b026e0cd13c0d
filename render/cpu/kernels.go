package cpu

// Kernel dispatch. Every row operation goes through one of these
// functions, which pick the SIMD kernel when the CPU has one and the SWAR
// kernel otherwise. They are direct calls (not function values) so the
// compiler can prove the scratch buffers do not escape: the operations
// allocate nothing.
//
// Adding an architecture (NEON on arm64) means a file like simd_amd64.go
// defining the *SIMD kernels and simdOK for that GOARCH; the kernels a
// SIMD file does not speed up just call the SWAR ones.

func over(dst, src []byte, n int) {
	if simdOK && n >= 8 {
		if n >= 512 {
			overStream(dst, src, n)
			return
		}
		overSIMD(dst, src, n)
		return
	}
	overSWAR(dst, src, n)
}

func mulAlpha(dst, src []byte, n int, m uint32) {
	if simdOK && n >= 8 {
		mulSIMD(dst, src, n, m)
		return
	}
	mulSWAR(dst, src, n, m)
}

func orAlpha(dst, src []byte, n int) {
	if simdOK && n >= 8 {
		orSIMD(dst, src, n, 0xff000000)
		return
	}
	orSWAR(dst, src, n, 0xff000000)
}

func swapRB(dst, src []byte, n int, or uint32) {
	if simdOK && n >= 8 {
		swapSIMD(dst, src, n, or)
		return
	}
	swapSWAR(dst, src, n, or)
}

func expand565(dst, src []byte, n int, bgr bool) {
	if simdOK && n >= 16 && !bgr {
		from565SIMD(dst, src, n)
		return
	}
	from565SWAR(dst, src, n, bgr)
}

func pack565(dst, src []byte, n int, bgr bool) {
	if simdOK && n >= 16 && !bgr {
		to565SIMD(dst, src, n)
		return
	}
	to565SWAR(dst, src, n, bgr)
}

func nv12Row(dst, y, uv []byte, x0, n int, bgr bool) {
	if simdOK && !bgr && n >= 16 {
		k := 0
		if x0&1 == 1 { // start the vector loop on a chroma pair
			nv12SWAR(dst, y, uv, x0, 1, bgr)
			k = 1
		}
		k += nv12SIMD(dst[4*k:], y[x0+k:], uv[x0+k:], n-k)
		if k < n {
			nv12SWAR(dst[4*k:], y, uv, x0+k, n-k, bgr)
		}
		return
	}
	nv12SWAR(dst, y, uv, x0, n, bgr)
}

// rotate8 transposes nt 8x8 tiles for a 90 or 270 degree rotation (see
// rotate8SIMD).
func rotate8(dst []byte, dstStride int, src []byte, off, stepI int, rev bool, nt int, or uint32) {
	if simdOK {
		rotate8SIMD(dst, dstStride, src, off, stepI, rev, nt, or)
		return
	}
	rotate8SWAR(dst, dstStride, src, off, stepI, rev, nt, or)
}
