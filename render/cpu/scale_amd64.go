//go:build goexperiment.simd && amd64

package cpu

import "simd/archsimd"

// AVX2 scaling and rotation kernels. Scaling works on the column chunks
// of runScaled: the positions and weights of a chunk are turned once into
// per-block shuffle indices and weight vectors (scalePlan), which every
// row of the chunk reuses; there is no gather instruction in the loop.
// Rotation transposes 8x8 tiles in registers.

// scaleBlock is the plan for 8 destination pixels. Bilinear: two groups
// of 4 pixels, each reading its left and right columns from a window of 4
// consecutive cached columns starting at base[g] (VPERMD indices idx[2g]
// for the left, idx[2g+1] for the right columns), and weights w[2g]
// (pixels 0 and 2 of the group) and w[2g+1] (pixels 1 and 3) as
// (left, right) int16 pairs for VPMADDWD. Nearest: one window of 8 source
// pixels at base[0], permuted by idx[0]. fit is false when the block's
// columns do not fit its windows (downscaling); such blocks run scalar.
type scaleBlock struct {
	idx  [4][8]uint32
	w    [4][16]int16
	base [2]int32
	fit  bool
}

// scalePlan is one chunk's blocks and, for bilinear, the vertical pass of
// the current row: column c of the chunk's span as four 16-bit channels
// (b, g, r, a) = top*(128-wy) + bottom*wy, in vw[2c:2c+2]. It is padded so
// a 4-column window starting at any cached column stays inside.
type scalePlan struct {
	blk [chunk / 8]scaleBlock
	vw  [2 * (2*chunk + 8)]uint32
}

// initBilinear plans the chunk whose destination pixel k reads cached
// columns ca[k] and cb[k] (indices into vw) with the 8-bit horizontal
// weight wx[k] (an even number: the 7-bit weight shifted left by one).
func (sp *scalePlan) initBilinear(ca, cb, wx []uint16) {
	n := len(ca)
	for j := 0; j+8 <= n; j += 8 {
		b := &sp.blk[j/8]
		b.fit = true
		for g := 0; g < 2; g++ {
			k0 := j + 4*g
			lo, hi := ca[k0], cb[k0]
			for k := k0; k < k0+4; k++ {
				lo, hi = min(lo, ca[k], cb[k]), max(hi, ca[k], cb[k])
			}
			if hi-lo > 3 {
				b.fit = false
				break
			}
			b.base[g] = 2 * int32(lo) // vw index
			for s := 0; s < 4; s++ {
				k := k0 + s
				// Pixel s sits in 128-bit lane s/2, 64-bit slot s%2.
				d := s/2*4 + s%2*2
				l, r := 2*uint32(ca[k]-lo), 2*uint32(cb[k]-lo)
				b.idx[2*g][d], b.idx[2*g][d+1] = l, l+1
				b.idx[2*g+1][d], b.idx[2*g+1][d+1] = r, r+1
				// Weights scaled by 4 put the result (sum >> 14) in
				// byte 2 of each 32-bit sum; pixel s feeds the
				// interleave lo (s even) or hi (s odd), lane s/2.
				w7 := int16(wx[k] >> 1)
				wv := &b.w[2*g+s%2]
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
		b := &sp.blk[j/8]
		mn, mx := xa[j], xa[j]
		for _, v := range xa[j : j+8] {
			mn, mx = min(mn, v), max(mx, v)
		}
		base := min(mn, hi-32)
		b.fit = mx-mn < 32 && base >= lo
		if !b.fit {
			continue
		}
		any = true
		b.base[0] = base
		for s := 0; s < 8; s++ {
			b.idx[0][s] = uint32(xa[j+s]-base) / 4
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
	for len(top) >= 16 && len(bot) >= 16 && len(vw) >= 8 {
		t := archsimd.LoadUint8x16((*[16]byte)(top)).ExtendToUint16()
		b := archsimd.LoadUint8x16((*[16]byte)(bot)).ExtendToUint16()
		t.Mul(wt).Add(b.Mul(wb)).AsUint32x8().Store((*[8]uint32)(vw))
		top, bot, vw = top[16:], bot[16:], vw[8:]
	}
	archsimd.ClearAVXUpperBits()
	for len(top) >= 4 && len(bot) >= 4 && len(vw) >= 2 {
		vw[0], vw[1] = vcolWords(top, bot, wy)
		top, bot, vw = top[4:], bot[4:], vw[2:]
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
	blks := sp.blk[:n/8]
	o := out
	for i := range blks {
		b := &blks[i]
		if len(o) < 32 {
			break
		}
		if !b.fit {
			bilinearHScalar(o, vw, ca[8*i:8*i+8], cb[8*i:8*i+8], wx[8*i:8*i+8])
			o = o[32:]
			continue
		}
		v0 := archsimd.LoadUint32x8((*[8]uint32)(vw[b.base[0]:]))
		v1 := archsimd.LoadUint32x8((*[8]uint32)(vw[b.base[1]:]))
		l0 := v0.Permute(archsimd.LoadUint32x8(&b.idx[0])).AsInt16x16()
		r0 := v0.Permute(archsimd.LoadUint32x8(&b.idx[1])).AsInt16x16()
		l1 := v1.Permute(archsimd.LoadUint32x8(&b.idx[2])).AsInt16x16()
		r1 := v1.Permute(archsimd.LoadUint32x8(&b.idx[3])).AsInt16x16()
		s0 := l0.InterleaveLoGrouped(r0).DotProductPairs(archsimd.LoadInt16x16(&b.w[0])).AsInt8x32()
		s1 := l0.InterleaveHiGrouped(r0).DotProductPairs(archsimd.LoadInt16x16(&b.w[1])).AsInt8x32()
		s2 := l1.InterleaveLoGrouped(r1).DotProductPairs(archsimd.LoadInt16x16(&b.w[2])).AsInt8x32()
		s3 := l1.InterleaveHiGrouped(r1).DotProductPairs(archsimd.LoadInt16x16(&b.w[3])).AsInt8x32()
		q := s0.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick0)).
			Or(s1.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick1))).
			Or(s2.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick2))).
			Or(s3.PermuteOrZeroGrouped(archsimd.LoadInt8x32(&pick3)))
		q.AsUint32x8().Permute(archsimd.LoadUint32x8(&unpair)).AsUint8x32().Store((*[32]byte)(o))
		o = o[32:]
	}
	archsimd.ClearAVXUpperBits()
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
	blks := sp.blk[:n/8]
	o := out
	for i := range blks {
		b := &blks[i]
		if len(o) < 32 {
			break
		}
		if b.fit {
			v := archsimd.LoadUint8x32((*[32]byte)(row[b.base[0]:])).AsUint32x8()
			v.Permute(archsimd.LoadUint32x8(&b.idx[0])).AsUint8x32().Store((*[32]byte)(o))
		} else {
			for k, x := range xa[8*i : 8*i+8] {
				copy(o[4*k:4*k+4], row[x:])
			}
		}
		o = o[32:]
	}
	archsimd.ClearAVXUpperBits()
	for k := n &^ 7; k < n; k++ {
		copy(out[4*k:4*k+4], row[xa[k]:])
	}
}
