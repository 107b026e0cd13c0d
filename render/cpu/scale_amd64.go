//go:build goexperiment.simd && amd64

package cpu

import (
	"encoding/binary"
	"simd/archsimd"
)

// AVX2 scaling and rotation kernels. Scaling works on the column chunks
// of runScaled: the positions and weights of a chunk are turned once into
// per-block shuffle indices and weight vectors (scalePlan), which every
// row of the chunk reuses; there is no gather instruction in the loop.
// Rotation transposes 8x8 tiles in registers.

// scalePlan is one column chunk's plan, built once and used by every
// row of the chunk.
//
// Bilinear: each block of 8 destination pixels is two groups of 4; group
// g reads its left and right columns from a window of 4 consecutive
// columns of the vertical pass starting at vw index bbase[i][g] (-1: the
// block's columns do not fit the windows, as when scaling down; such
// blocks run scalar), with VPERMD indices bidx[i][2g] (left) and
// bidx[i][2g+1] (right), and VPMADDWD weights bw[i][2g] (pixels 0 and 2
// of the group) and bw[i][2g+1] (pixels 1 and 3) as (left, right) int16
// pairs. vw is the vertical pass of the current row: column c of the
// chunk's span as four 16-bit channels (b, g, r, a) = top*(128-wy) +
// bottom*wy in vw[2c:2c+2], padded so a window at any column fits.
//
// Nearest: per block of 8 pixels the byte offset of its 8-pixel window in
// the source row (-1: the block does not fit one window) and the VPERMD
// indices into it.
type scalePlan struct {
	bbase [chunk / 8][2]int32
	bidx  [chunk / 8][4][8]uint32
	bw    [chunk / 8][4][16]int16
	vw    [2 * (2*chunk + 8)]uint32
	nbase [chunk / 8]int32
	nidx  [chunk / 8][8]uint32
}

// initBilinear plans the chunk whose destination pixel k reads cached
// columns ca[k] and cb[k] (indices into vw) with the 8-bit horizontal
// weight wx[k] (an even number: the 7-bit weight shifted left by one).
func (sp *scalePlan) initBilinear(ca, cb, wx []uint16) {
	n := len(ca)
	for j := 0; j+8 <= n; j += 8 {
		i := j / 8
		for g := 0; g < 2; g++ {
			k0 := j + 4*g
			lo, hi := ca[k0], cb[k0]
			for k := k0; k < k0+4; k++ {
				lo, hi = min(lo, ca[k], cb[k]), max(hi, ca[k], cb[k])
			}
			if hi-lo > 3 {
				sp.bbase[i] = [2]int32{-1, -1}
				break
			}
			sp.bbase[i][g] = 2 * int32(lo) // vw index
			for s := 0; s < 4; s++ {
				k := k0 + s
				// Pixel s sits in 128-bit lane s/2, 64-bit slot s%2.
				d := s/2*4 + s%2*2
				l, r := 2*uint32(ca[k]-lo), 2*uint32(cb[k]-lo)
				sp.bidx[i][2*g][d], sp.bidx[i][2*g][d+1] = l, l+1
				sp.bidx[i][2*g+1][d], sp.bidx[i][2*g+1][d+1] = r, r+1
				// Weights scaled by 4 put the result (sum >> 14) in
				// byte 2 of each 32-bit sum; pixel s feeds the
				// interleave lo (s even) or hi (s odd), lane s/2.
				w7 := int16(wx[k] >> 1)
				wv := &sp.bw[i][2*g+s%2]
				for c := 0; c < 4; c++ {
					wv[s/2*8+2*c] = 4 * (128 - w7)
					wv[s/2*8+2*c+1] = 4 * w7
				}
			}
		}
	}
}

// initNearest plans the chunk whose destination pixel k reads the source
// pixel at byte offset xa[k] of a row; the row's valid pixels are the
// byte offsets [lo, hi). It reports whether any block fits.
func (sp *scalePlan) initNearest(xa []int32, lo, hi int32) bool {
	n := len(xa)
	any := false
	for j := 0; j+8 <= n; j += 8 {
		mn, mx := xa[j], xa[j]
		for _, v := range xa[j : j+8] {
			mn, mx = min(mn, v), max(mx, v)
		}
		base := min(mn, hi-32)
		sp.nbase[j/8] = -1
		if mx-mn >= 32 || base < lo {
			continue
		}
		any = true
		sp.nbase[j/8] = base
		for s := 0; s < 8; s++ {
			sp.nidx[j/8][s] = uint32(xa[j+s]-base) / 4
		}
	}
	return any
}

// bilinearVSIMD is the vertical pass over m columns of the top and bottom
// rows (byte slices starting at the first column) with the 7-bit weight
// wy of the bottom row, into vw.
func bilinearVSIMD(vw []uint32, top, bot []byte, m int, wy uint32) {
	wt := archsimd.BroadcastUint16x16(uint16(128 - wy))
	wb := archsimd.BroadcastUint16x16(uint16(wy))
	top, bot, vw = top[:4*m], bot[:4*m], vw[:2*m]
	// Indexing with [i:i+16] (not advancing slices) keeps each bounds
	// check to two compares.
	c := 0
	for ; c+8 <= m; c += 8 {
		tp := (*[32]byte)(top[4*c : 4*c+32])
		bp := (*[32]byte)(bot[4*c : 4*c+32])
		wp := (*[16]uint32)(vw[2*c : 2*c+16])
		t0 := archsimd.LoadUint8x16((*[16]byte)(tp[:16])).ExtendToUint16()
		b0 := archsimd.LoadUint8x16((*[16]byte)(bp[:16])).ExtendToUint16()
		t1 := archsimd.LoadUint8x16((*[16]byte)(tp[16:])).ExtendToUint16()
		b1 := archsimd.LoadUint8x16((*[16]byte)(bp[16:])).ExtendToUint16()
		t0.Mul(wt).Add(b0.Mul(wb)).AsUint32x8().Store((*[8]uint32)(wp[:8]))
		t1.Mul(wt).Add(b1.Mul(wb)).AsUint32x8().Store((*[8]uint32)(wp[8:]))
	}
	if c+4 <= m {
		t := archsimd.LoadUint8x16((*[16]byte)(top[4*c : 4*c+16])).ExtendToUint16()
		b := archsimd.LoadUint8x16((*[16]byte)(bot[4*c : 4*c+16])).ExtendToUint16()
		t.Mul(wt).Add(b.Mul(wb)).AsUint32x8().Store((*[8]uint32)(vw[2*c : 2*c+8]))
		c += 4
	}
	archsimd.ClearAVXUpperBits()
	for ; c < m; c++ {
		vw[2*c], vw[2*c+1] = vcolWords(top[4*c:], bot[4*c:], wy)
	}
}

// vcolWords is one column of bilinearVSIMD.
func vcolWords(top, bot []byte, wy uint32) (uint32, uint32) {
	var v [4]uint32
	for ch := range v {
		v[ch] = uint32(top[ch])*(128-wy) + uint32(bot[ch])*wy
	}
	return v[0] | v[1]<<16, v[2] | v[3]<<16
}

// pickIdx moves byte 2 of every 32-bit lane (a channel's result) to bytes
// 0-3 (pick0) or 4-7 (pick1) of its 128-bit lane, zeroing the rest.
var (
	pick0 = [32]int8{2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}
	pick1 = [32]int8{-1, -1, -1, -1, 2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1}
	pick2 = [32]int8{-1, -1, -1, -1, -1, -1, -1, -1, 2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 6, 10, 14, -1, -1, -1, -1}
	pick3 = [32]int8{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 6, 10, 14}
	// Lanes hold pixels 0 1 4 5 | 2 3 6 7 after the picks.
	unpair = [8]uint32{0, 1, 4, 5, 2, 3, 6, 7}
)

// bilinearHSIMD is the horizontal pass: n destination pixels from the
// vertical pass in sp.vw, planned by initBilinear (the same ca, cb, wx).
func bilinearHSIMD(out []byte, sp *scalePlan, ca, cb, wx []uint16, n int) {
	out = out[:4*n]
	vw := sp.vw[:]
	idx := sp.bidx[:n/8]
	base := sp.bbase[:len(idx)]
	w := sp.bw[:len(idx)]
	// The vector loop calls nothing (a call would make the compiler keep
	// the loop state in memory); blocks that do not fit wait for the
	// scalar pass after it.
	for i := range idx {
		b0, b1 := int(base[i][0]), int(base[i][1])
		if b0 < 0 || b0+8 > len(vw) || b1 < 0 || b1+8 > len(vw) || 32*i+32 > len(out) {
			continue
		}
		v0 := archsimd.LoadUint32x8((*[8]uint32)(vw[b0 : b0+8]))
		v1 := archsimd.LoadUint32x8((*[8]uint32)(vw[b1 : b1+8]))
		x, wv := &idx[i], &w[i]
		l0 := v0.Permute(archsimd.LoadUint32x8(&x[0])).AsInt16x16()
		r0 := v0.Permute(archsimd.LoadUint32x8(&x[1])).AsInt16x16()
		l1 := v1.Permute(archsimd.LoadUint32x8(&x[2])).AsInt16x16()
		r1 := v1.Permute(archsimd.LoadUint32x8(&x[3])).AsInt16x16()
		s0 := l0.InterleaveLoGrouped(r0).DotProductPairs(archsimd.LoadInt16x16(&wv[0])).AsInt8x32()
		s1 := l0.InterleaveHiGrouped(r0).DotProductPairs(archsimd.LoadInt16x16(&wv[1])).AsInt8x32()
		s2 := l1.InterleaveLoGrouped(r1).DotProductPairs(archsimd.LoadInt16x16(&wv[2])).AsInt8x32()
		s3 := l1.InterleaveHiGrouped(r1).DotProductPairs(archsimd.LoadInt16x16(&wv[3])).AsInt8x32()
		q := s0.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick0)).
			Or(s1.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick1))).
			Or(s2.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick2))).
			Or(s3.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick3)))
		q.AsUint32x8().Permute(archsimd.LoadUint32x8(&unpair)).AsUint8x32().Store((*[32]byte)(out[32*i : 32*i+32]))
	}
	archsimd.ClearAVXUpperBits()
	for i := range base {
		if base[i][0] < 0 {
			bilinearHScalar(out[32*i:], vw, ca[8*i:8*i+8], cb[8*i:8*i+8], wx[8*i:8*i+8])
		}
	}
	if j := n &^ 7; j < n {
		bilinearHScalar(out[4*j:], vw, ca[j:n], cb[j:n], wx[j:n])
	}
}

// bilinearHScalar is bilinearHSIMD for pixels the vector loop leaves.
func bilinearHScalar(out []byte, vw []uint32, ca, cb, wx []uint16) {
	for k := range ca {
		w7 := uint32(wx[k] >> 1)
		l, r := vw[2*int(ca[k]):][:2], vw[2*int(cb[k]):][:2]
		var p uint32
		for ch := 0; ch < 4; ch++ {
			sh := 16 * uint(ch&1)
			lv, rv := l[ch>>1]>>sh&0xffff, r[ch>>1]>>sh&0xffff
			p |= (lv*(128-w7) + rv*w7) >> 14 << (8 * ch)
		}
		out[4*k], out[4*k+1], out[4*k+2], out[4*k+3] = byte(p), byte(p>>8), byte(p>>16), byte(p>>24)
	}
}

// nearestSIMD fetches n destination pixels of a source row planned by
// initNearest (the same byte offsets xa).
func nearestSIMD(out, row []byte, sp *scalePlan, xa []int32, n int) {
	out = out[:4*n]
	idx := sp.nidx[:n/8]
	base := sp.nbase[:len(idx)]
	for i := range idx { // no calls inside: see bilinearHSIMD
		if b := int(base[i]); b >= 0 && b+32 <= len(row) && 32*i+32 <= len(out) {
			v := archsimd.LoadUint8x32((*[32]byte)(row[b : b+32])).AsUint32x8()
			v.Permute(archsimd.LoadUint32x8(&idx[i])).AsUint8x32().Store((*[32]byte)(out[32*i : 32*i+32]))
		}
	}
	archsimd.ClearAVXUpperBits()
	for i := range idx {
		if base[i] < 0 {
			for k := 8 * i; k < 8*i+8; k++ {
				binary.LittleEndian.PutUint32(out[4*k:], binary.LittleEndian.Uint32(row[xa[k]:]))
			}
		}
	}
	for k := n &^ 7; k < n; k++ {
		binary.LittleEndian.PutUint32(out[4*k:], binary.LittleEndian.Uint32(row[xa[k]:]))
	}
}

// rotate8SIMD transposes nt tiles of 8x8 pixels for a rotation by 90 or
// 270 degrees: destination column 8t+r of the 8 rows comes from the 8
// source pixels at src[off+(8t+r)*stepI:][:32] (source pixel j of it is
// destination row j, or row 7-j when rev, a source walked right to left).
// Destination row j of tile t is dst[j*dstStride+32t:][:32]. Every pixel
// is ORed with or (0xff000000 makes an X source opaque).
func rotate8SIMD(dst []byte, dstStride int, src []byte, off, stepI int, rev bool, nt int, or uint32) {
	if nt <= 0 {
		return
	}
	// The 8 destination rows (bottom first when rev) and the 8 source
	// columns of the first tile, resolved once: the loop then indexes
	// with constants and one add per tile.
	var d [8][]byte
	for j := range d {
		dj := j
		if rev {
			dj = 7 - j
		}
		d[j] = dst[dj*dstStride:][:32*nt]
	}
	var o [8]int
	for r := range o {
		o[r] = off + r*stepI
	}
	step := 8 * stepI
	ov := archsimd.BroadcastUint32x8(or).AsUint64x4()
	for t := 0; t < 32*nt; t += 32 {
		v0 := archsimd.LoadUint8x32((*[32]byte)(src[o[0] : o[0]+32])).AsUint32x8()
		v1 := archsimd.LoadUint8x32((*[32]byte)(src[o[1] : o[1]+32])).AsUint32x8()
		v2 := archsimd.LoadUint8x32((*[32]byte)(src[o[2] : o[2]+32])).AsUint32x8()
		v3 := archsimd.LoadUint8x32((*[32]byte)(src[o[3] : o[3]+32])).AsUint32x8()
		v4 := archsimd.LoadUint8x32((*[32]byte)(src[o[4] : o[4]+32])).AsUint32x8()
		v5 := archsimd.LoadUint8x32((*[32]byte)(src[o[5] : o[5]+32])).AsUint32x8()
		v6 := archsimd.LoadUint8x32((*[32]byte)(src[o[6] : o[6]+32])).AsUint32x8()
		v7 := archsimd.LoadUint8x32((*[32]byte)(src[o[7] : o[7]+32])).AsUint32x8()
		for r := range o {
			o[r] += step
		}
		t0, t1 := v0.InterleaveLoGrouped(v1).AsUint64x4(), v0.InterleaveHiGrouped(v1).AsUint64x4()
		t2, t3 := v2.InterleaveLoGrouped(v3).AsUint64x4(), v2.InterleaveHiGrouped(v3).AsUint64x4()
		t4, t5 := v4.InterleaveLoGrouped(v5).AsUint64x4(), v4.InterleaveHiGrouped(v5).AsUint64x4()
		t6, t7 := v6.InterleaveLoGrouped(v7).AsUint64x4(), v6.InterleaveHiGrouped(v7).AsUint64x4()
		u0, u1 := t0.InterleaveLoGrouped(t2), t0.InterleaveHiGrouped(t2)
		u2, u3 := t1.InterleaveLoGrouped(t3), t1.InterleaveHiGrouped(t3)
		u4, u5 := t4.InterleaveLoGrouped(t6), t4.InterleaveHiGrouped(t6)
		u6, u7 := t5.InterleaveLoGrouped(t7), t5.InterleaveHiGrouped(t7)
		// Row j holds source pixel j of every column.
		u0.Select128FromPair(0, 2, u4).Or(ov).AsUint8x32().Store((*[32]byte)(d[0][t : t+32]))
		u1.Select128FromPair(0, 2, u5).Or(ov).AsUint8x32().Store((*[32]byte)(d[1][t : t+32]))
		u2.Select128FromPair(0, 2, u6).Or(ov).AsUint8x32().Store((*[32]byte)(d[2][t : t+32]))
		u3.Select128FromPair(0, 2, u7).Or(ov).AsUint8x32().Store((*[32]byte)(d[3][t : t+32]))
		u0.Select128FromPair(1, 3, u4).Or(ov).AsUint8x32().Store((*[32]byte)(d[4][t : t+32]))
		u1.Select128FromPair(1, 3, u5).Or(ov).AsUint8x32().Store((*[32]byte)(d[5][t : t+32]))
		u2.Select128FromPair(1, 3, u6).Or(ov).AsUint8x32().Store((*[32]byte)(d[6][t : t+32]))
		u3.Select128FromPair(1, 3, u7).Or(ov).AsUint8x32().Store((*[32]byte)(d[7][t : t+32]))
	}
	archsimd.ClearAVXUpperBits()
}
