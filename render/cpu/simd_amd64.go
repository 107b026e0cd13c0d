//go:build goexperiment.simd && amd64

package cpu

import (
	"simd/archsimd"
)

// AVX2 kernels through simd/archsimd (GOEXPERIMENT=simd). Each processes
// whole vectors and hands the tail to the SWAR kernel, then clears the
// upper halves of the YMM registers: the Go compiler does not emit
// VZEROUPPER, and without it later SSE code in the process (pixman,
// memmove) runs about twice as slow.

var simdOK = archsimd.X86.AVX2()

// SIMD reports which SIMD kernels this binary uses: "avx2", or "" for
// none (SWAR).
func SIMD() string {
	if simdOK {
		return "avx2"
	}
	return ""
}

// setSIMD is for tests: it switches the SIMD kernels off (or back on when
// the CPU has them) and returns a function restoring the previous state.
func setSIMD(on bool) (restore func()) {
	old := simdOK
	simdOK = on && archsimd.X86.AVX2()
	return func() { simdOK = old }
}

// streamCopy copies src to dst with non-temporal stores (stream_amd64.s):
// len(src) >= 64 and len(dst) >= len(src).
//
//go:noescape
func streamCopy(dst, src []byte)

// sfence orders earlier non-temporal stores (stream_amd64.s).
func sfence()

// copyNT copies src to dst (len(dst) >= len(src)) with non-temporal
// stores when it is long enough to be worth it; the caller calls sfence
// before returning to its caller. Short runs (a 64-pixel damage tile is
// 256 bytes a row) keep ordinary stores: measured, non-temporal stores of
// short runs scattered over many rows were 2 to 4 times slower.
func copyNT(dst, src []byte) {
	if len(src) < ntRun || len(dst) < len(src) {
		copy(dst, src)
		return
	}
	streamCopy(dst, src)
}

// from565NT is from565SIMD with non-temporal stores (stream_amd64.s): it
// converts pixels [skip, skip+done) and leaves the rest to the caller.
//
//go:noescape
func from565NT(dst, src []byte, n int) (skip, done int)

// expand565NT is expand565 (ARGB order) writing dst with non-temporal
// stores where it can; the caller calls sfence before returning.
func expand565NT(dst, src []byte, n int) {
	if n < ntRun/4 || len(dst) < 4*n || len(src) < 2*n {
		expand565(dst, src, n, false)
		return
	}
	skip, done := from565NT(dst, src, n)
	if skip > 0 {
		from565SWAR(dst, src, skip, false)
	}
	if k := skip + done; k < n {
		expand565(dst[4*k:], src[2*k:], n-k, false)
	}
}

// overLong is OVER of n pixels (a multiple of 16) with overSIMD's
// arithmetic and a prefetch 1536 bytes ahead of both rows in every step
// (stream_amd64.s).
//
//go:noescape
func overLong(dst, src []byte, n int)

// overStream is over for long rows. OVER reads two streams and writes one;
// the hardware prefetcher stops at every 4 KiB page, and a vector loop's
// instructions fill the out-of-order window before the next page's misses
// are under way, so the kernel prefetches ahead itself. Measured against
// overSIMD with a prefetch call per 1 KiB piece (x_pixman, thread CPU time,
// full frame, two runs each): 1080p hot 1.66 -> 2.5-2.9, 1080p cold
// 1.33-1.38 -> 1.6-1.8, 2160p hot 1.39-1.41 -> 1.8-1.9, 2160p cold
// 1.29-1.38 -> 1.6-1.7.
func overStream(dst, src []byte, n int) {
	dst, src = dst[:4*n], src[:4*n] // the bounds overLong relies on
	m := n &^ 15
	overLong(dst[:4*m], src[:4*m], m)
	if m < n {
		overSIMD(dst[4*m:], src[4*m:], n-m)
	}
}

// ntRun is the shortest run copyNT writes with non-temporal stores.
const ntRun = 4096

// alphaIdx broadcasts byte 3 of every pixel into the low byte of both of
// its 16-bit lanes (high bytes zero): the alpha multiplier for PMULLW.
var alphaIdx = [32]int8{
	3, -1, 3, -1, 7, -1, 7, -1, 11, -1, 11, -1, 15, -1, 15, -1,
	3, -1, 3, -1, 7, -1, 7, -1, 11, -1, 11, -1, 15, -1, 15, -1,
}

// oddIdx moves the odd bytes of every 16-bit lane to its low byte,
// zeroing the high byte: a logical right shift by 8 of 16-bit lanes.
// (Go 1.26 compiles ShiftAllRight with a constant count to a legacy-SSE
// MOVQ into an XMM register inside the loop, an AVX-SSE transition on
// every iteration that made the kernel 20 times slower; shuffles and
// vector-count shifts avoid it.)
var oddIdx = [32]int8{
	1, -1, 3, -1, 5, -1, 7, -1, 9, -1, 11, -1, 13, -1, 15, -1,
	1, -1, 3, -1, 5, -1, 7, -1, 9, -1, 11, -1, 13, -1, 15, -1,
}

// swapIdx exchanges bytes 0 and 2 of every pixel.
var swapIdx = [32]int8{
	2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15,
	2, 1, 0, 3, 6, 5, 4, 7, 10, 9, 8, 11, 14, 13, 12, 15,
}

// packIdx undoes the lane interleave of VPACKUSDW.
var packIdx = [8]uint32{0, 1, 4, 5, 2, 3, 6, 7}

func overSIMD(dst, src []byte, n int) {
	dst, src = dst[:n*4], src[:n*4]
	aidx := archsimd.LoadInt8x32(&alphaIdx)
	oidx := archsimd.LoadInt8x32(&oddIdx)
	amask := archsimd.BroadcastUint32x8(0xff000000).AsUint8x32()
	lo := archsimd.BroadcastUint16x16(0x00ff)
	c80 := archsimd.BroadcastUint16x16(0x0080)
	c101 := archsimd.BroadcastUint16x16(0x0101)
	// blend is OVER of eight pixels: dst*(255-alpha)/255 per channel with
	// pixman's rounding (t = x*ia + 0x80; (t*0x101) >> 16), plus the
	// source with unsigned saturation.
	blend := func(s, d8 archsimd.Uint8x32) archsimd.Uint8x32 {
		d := d8.AsUint16x16()
		ia := s.AsInt8x32().PermuteOrZeroGrouped(aidx).AsUint16x16().Xor(lo)
		rb := d.And(lo).Mul(ia).Add(c80).MulHigh(c101)
		ag := d8.AsInt8x32().PermuteOrZeroGrouped(oidx).AsUint16x16().Mul(ia).Add(c80).MulHigh(c101)
		return rb.Or(ag.ShiftAllLeft(8)).AsUint8x32().AddSaturated(s)
	}
	for len(src) >= 64 && len(dst) >= 64 {
		s0 := archsimd.LoadUint8x32((*[32]byte)(src))
		s1 := archsimd.LoadUint8x32((*[32]byte)(src[32:]))
		if amask.AndNot(s0.And(s1)).IsZero() { // all sixteen opaque
			s0.Store((*[32]byte)(dst))
			s1.Store((*[32]byte)(dst[32:]))
		} else if !s0.Or(s1).IsZero() {
			d0 := archsimd.LoadUint8x32((*[32]byte)(dst))
			d1 := archsimd.LoadUint8x32((*[32]byte)(dst[32:]))
			blend(s0, d0).Store((*[32]byte)(dst))
			blend(s1, d1).Store((*[32]byte)(dst[32:]))
		}
		src, dst = src[64:], dst[64:]
	}
	if len(src) >= 32 && len(dst) >= 32 {
		s := archsimd.LoadUint8x32((*[32]byte)(src))
		d := archsimd.LoadUint8x32((*[32]byte)(dst))
		blend(s, d).Store((*[32]byte)(dst))
		src, dst = src[32:], dst[32:]
	}
	archsimd.ClearAVXUpperBits()
	if len(src) > 0 {
		overSWAR(dst, src, len(src)/4)
	}
}

func mulSIMD(dst, src []byte, n int, m uint32) {
	dst, src = dst[:n*4], src[:n*4]
	lo := archsimd.BroadcastUint16x16(0x00ff)
	oidx := archsimd.LoadInt8x32(&oddIdx)
	mv := archsimd.BroadcastUint16x16(uint16(m))
	c80 := archsimd.BroadcastUint16x16(0x0080)
	c101 := archsimd.BroadcastUint16x16(0x0101)
	for len(src) >= 32 && len(dst) >= 32 {
		s := archsimd.LoadUint8x32((*[32]byte)(src)).AsUint16x16()
		rb := s.And(lo).Mul(mv).Add(c80).MulHigh(c101)
		ag := s.AsInt8x32().PermuteOrZeroGrouped(oidx).AsUint16x16().Mul(mv).Add(c80).MulHigh(c101)
		rb.Or(ag.ShiftAllLeft(8)).AsUint8x32().Store((*[32]byte)(dst))
		src, dst = src[32:], dst[32:]
	}
	archsimd.ClearAVXUpperBits()
	if len(src) > 0 {
		mulSWAR(dst, src, len(src)/4, m)
	}
}

func orSIMD(dst, src []byte, n int, or uint32) {
	dst, src = dst[:n*4], src[:n*4]
	ov := archsimd.BroadcastUint32x8(or).AsUint8x32()
	for len(src) >= 64 && len(dst) >= 64 {
		a := archsimd.LoadUint8x32((*[32]byte)(src))
		b := archsimd.LoadUint8x32((*[32]byte)(src[32:]))
		a.Or(ov).Store((*[32]byte)(dst))
		b.Or(ov).Store((*[32]byte)(dst[32:]))
		src, dst = src[64:], dst[64:]
	}
	archsimd.ClearAVXUpperBits()
	if len(src) > 0 {
		orSWAR(dst, src, len(src)/4, or)
	}
}

func swapSIMD(dst, src []byte, n int, or uint32) {
	dst, src = dst[:n*4], src[:n*4]
	idx := archsimd.LoadInt8x32(&swapIdx)
	ov := archsimd.BroadcastUint32x8(or).AsInt8x32()
	for len(src) >= 32 && len(dst) >= 32 {
		s := archsimd.LoadUint8x32((*[32]byte)(src)).AsInt8x32()
		s.PermuteOrZeroGrouped(idx).Or(ov).AsUint8x32().Store((*[32]byte)(dst))
		src, dst = src[32:], dst[32:]
	}
	archsimd.ClearAVXUpperBits()
	if len(src) > 0 {
		swapSWAR(dst, src, len(src)/4, or)
	}
}

// from565SIMD expands RGB565 to ARGB8888, 16 pixels per iteration, in
// 16-bit lanes: each channel's bit replication is one multiply-high,
// r8 = (r5*33)>>2 = mulhi(r5<<11, 264), g8 = (g6*65)>>4 =
// mulhi(g6<<5, 8320), identical to from565; then B|G<<8 and R|0xff00 are
// interleaved into pixels.
func from565SIMD(dst, src []byte, n int) {
	dst, src = dst[:n*4], src[:n*2]
	mr := archsimd.BroadcastUint16x16(0xf800)
	mg := archsimd.BroadcastUint16x16(0x07e0)
	kr := archsimd.BroadcastUint16x16(264)
	kg := archsimd.BroadcastUint16x16(8320)
	alpha := archsimd.BroadcastUint16x16(0xff00)
	for len(src) >= 32 && len(dst) >= 64 {
		p := archsimd.LoadUint8x32((*[32]byte)(src)).AsUint16x16()
		r := p.And(mr).MulHigh(kr)
		g := p.And(mg).MulHigh(kg)
		b := p.ShiftAllLeft(11).MulHigh(kr)
		bg := b.Or(g.ShiftAllLeft(8))
		ra := r.Or(alpha)
		lo := bg.InterleaveLoGrouped(ra) // pixels 0-3, 8-11
		hi := bg.InterleaveHiGrouped(ra) // pixels 4-7, 12-15
		lo.Select128FromPair(0, 2, hi).AsUint8x32().Store((*[32]byte)(dst))
		lo.Select128FromPair(1, 3, hi).AsUint8x32().Store((*[32]byte)(dst[32:]))
		src, dst = src[32:], dst[64:]
	}
	archsimd.ClearAVXUpperBits()
	if len(src) > 0 {
		from565SWAR(dst, src, len(src)/2, false)
	}
}

// to565SIMD packs ARGB8888 to RGB565, 16 pixels per iteration.
func to565SIMD(dst, src []byte, n int) {
	dst, src = dst[:n*2], src[:n*4]
	m1f := archsimd.BroadcastUint32x8(0x1f)
	m7e0 := archsimd.BroadcastUint32x8(0x7e0)
	mf800 := archsimd.BroadcastUint32x8(0xf800)
	pidx := archsimd.LoadUint32x8(&packIdx)
	n3 := archsimd.BroadcastUint32x8(3)
	n5 := archsimd.BroadcastUint32x8(5)
	n8 := archsimd.BroadcastUint32x8(8)
	conv := func(p archsimd.Uint32x8) archsimd.Int32x8 {
		return p.ShiftRight(n3).And(m1f).Or(p.ShiftRight(n5).And(m7e0)).Or(p.ShiftRight(n8).And(mf800)).AsInt32x8()
	}
	for len(src) >= 64 && len(dst) >= 32 {
		a := conv(archsimd.LoadUint8x32((*[32]byte)(src)).AsUint32x8())
		b := conv(archsimd.LoadUint8x32((*[32]byte)(src[32:])).AsUint32x8())
		a.SaturateToUint16ConcatGrouped(b).AsUint32x8().Permute(pidx).AsUint8x32().Store((*[32]byte)(dst))
		src, dst = src[64:], dst[32:]
	}
	archsimd.ClearAVXUpperBits()
	if len(src) > 0 {
		to565SWAR(dst, src, len(src)/4, false)
	}
}

// uvIdx spreads four CbCr pairs so ExtendLo8ToUint32 yields each pixel's
// U (first half) or V (second half).
var uvIdx = [16]int8{0, 0, 2, 2, 4, 4, 6, 6, 1, 1, 3, 3, 5, 5, 7, 7}
var vuIdx = [16]int8{1, 1, 3, 3, 5, 5, 7, 7, 0, 0, 2, 2, 4, 4, 6, 6}

func bc8(v int32) [8]int32 { return [8]int32{v, v, v, v, v, v, v, v} }

// NV12 constants, loaded from memory inside the loop: kept in registers
// they made the compiler spill a 128-bit value with a legacy-SSE MOVUPS,
// an AVX-SSE transition per iteration that doubled the time.
var (
	nvY   = bc8(0x012b27)
	nvRV  = bc8(0x019a2e)
	nvGV  = bc8(0x00d0f2)
	nvGU  = bc8(0x00647e)
	nvBU  = bc8(0x0206a2)
	nvOff = bc8(-16*0x012b27 - 128*0x019a2e) // R offset
	nvOfG = bc8(-16*0x012b27 + 128*0x00d0f2 + 128*0x00647e)
	nvOfB = bc8(-16*0x012b27 - 128*0x0206a2)
	nvTop = bc8(0xffffff)
	nvMR  = bc8(0xff0000)
	nvMG  = bc8(0xff00)
	nvN8  = bc8(8)
	nvN16 = bc8(16)
	nvA   = bc8(-0x1000000)
)

// nv12SIMD converts pixels of one NV12 row to ARGB8888, 8 per iteration,
// with exactly the integer arithmetic of yuvToRGB (32-bit lanes,
// VPMULLD, clamps with VPMAXSD/VPMINSD). y and uv start at the same even
// pixel. It returns how many pixels it converted (a multiple of 8, up to
// n, leaving the SWAR kernel the tail).
func nv12SIMD(dst, y, uv []byte, n int) int {
	done := 0
	for done+16 <= n && len(y) >= 16 && len(uv) >= 16 && len(dst) >= 32 {
		yv := archsimd.LoadUint8x16((*[16]byte)(y)).ExtendLo8ToUint32().AsInt32x8()
		c := archsimd.LoadUint8x16((*[16]byte)(uv))
		u := c.PermuteOrZero(archsimd.LoadInt8x16(&uvIdx)).ExtendLo8ToUint32().AsInt32x8()
		v := c.PermuteOrZero(archsimd.LoadInt8x16(&vuIdx)).ExtendLo8ToUint32().AsInt32x8()
		yy := yv.Mul(archsimd.LoadInt32x8(&nvY))
		zero := archsimd.Int32x8{}
		top := archsimd.LoadInt32x8(&nvTop)
		r := yy.Add(v.Mul(archsimd.LoadInt32x8(&nvRV))).Add(archsimd.LoadInt32x8(&nvOff)).Max(zero).Min(top).AsUint32x8()
		g := yy.Sub(v.Mul(archsimd.LoadInt32x8(&nvGV))).Sub(u.Mul(archsimd.LoadInt32x8(&nvGU))).Add(archsimd.LoadInt32x8(&nvOfG)).Max(zero).Min(top).AsUint32x8()
		b := yy.Add(u.Mul(archsimd.LoadInt32x8(&nvBU))).Add(archsimd.LoadInt32x8(&nvOfB)).Max(zero).Min(top).AsUint32x8()
		p := r.And(archsimd.LoadInt32x8(&nvMR).AsUint32x8()).
			Or(g.ShiftRight(archsimd.LoadInt32x8(&nvN8).AsUint32x8()).And(archsimd.LoadInt32x8(&nvMG).AsUint32x8())).
			Or(b.ShiftRight(archsimd.LoadInt32x8(&nvN16).AsUint32x8())).
			Or(archsimd.LoadInt32x8(&nvA).AsUint32x8())
		p.AsUint8x32().Store((*[32]byte)(dst))
		y, uv, dst = y[8:], uv[8:], dst[32:]
		done += 8
	}
	archsimd.ClearAVXUpperBits()
	return done
}

// prefetch2 prefetches the 64-byte lines of a and b, each under 2 KiB
// (stream_amd64.s).
//
//go:noescape
func prefetch2(a, b []byte)

// copyRows copies rows of n bytes a stride apart (stream_amd64.s).
//
//go:noescape
func copyRows(dst, src []byte, n, dstStride, srcStride, rows int)

// copyRect copies rows rows of n bytes from src (rows srcStride apart) to
// dst (dstStride apart) with copyRows when the rows are short, and reports
// whether it did. Measured on 1920x1080 checkerboards of 64-row tiles (ms
// per frame, against one copy() per row): 16-pixel tiles 0.65-0.77 ->
// 0.42, 64-pixel 0.49-0.51 -> 0.35-0.36, 256-pixel (1 KiB rows)
// 0.46-0.47 -> 0.44-0.47; longer rows keep copy(), which the hardware
// prefetcher follows within a row.
func copyRect(dst, src []byte, n, dstStride, srcStride, rows int) bool {
	if n < 32 || n > 1024 || rows < 1 {
		return false
	}
	dst = dst[:(rows-1)*dstStride+n] // the bounds copyRows relies on
	src = src[:(rows-1)*srcStride+n]
	copyRows(dst, src, n, dstStride, srcStride, rows)
	return true
}
