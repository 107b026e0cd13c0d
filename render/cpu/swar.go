package cpu

import "encoding/binary"

// Scalar kernels. They are the reference semantics (bit-identical to
// pixman) and the path every architecture without a SIMD kernel runs, so
// they are written as SWAR: one pixel's four channels are spread into the
// four 16-bit lanes of a uint64 so a single multiply scales all of them.
// Every kernel takes byte slices and a pixel count and never reads or
// writes outside them.

const (
	lanes    = 0x00ff00ff00ff00ff // the low byte of each 16-bit lane
	half     = 0x0080008000800080 // rounding constant for division by 255
	laneOnes = 0x0001000100010001
)

// spread moves the channels of p (0xAARRGGBB) into 16-bit lanes:
// 0x00AA00GG00RR00BB is not the order; lanes hold B, R, G, A from the
// bottom (bits 0, 16, 32, 48). gather is its inverse.
//
// q | q<<24 has B and R where they belong and G and A shifted to bits 32
// and 48; the mask drops the copies in between: three operations and one
// constant.
func spread(p uint32) uint64 {
	q := uint64(p)
	return (q | q<<24) & lanes
}

func gather(q uint64) uint32 { return uint32(q) | uint32(q>>24) }

// div255 divides every lane (each at most 255*255) by 255, rounding to
// nearest exactly as pixman's MUL_UN8: t += 0x80; (t + (t >> 8)) >> 8.
func div255(t uint64) uint64 {
	t += half
	return (t + (t>>8)&lanes) >> 8 & lanes
}

// mulPixel scales all four channels of p by m/255.
func mulPixel(p uint32, m uint32) uint32 { return gather(div255(spread(p) * uint64(m))) }

// blendT is OVER of one pixel in spread form (see spread), before
// saturation: lanes may reach 510 only if s is not premultiplied.
// Small enough to inline.
func blendT(d, s uint32) uint64 {
	t := spread(d)*uint64(^s>>24) + half
	t = (t + (t>>8)&lanes) >> 8 & lanes
	return t + spread(s)
}

// saturate clamps the lanes of a blendT result to 255.
func saturate(t uint64) uint64 { return (t | (t>>8&laneOnes)*0xff) & lanes }

// blend is premultiplied OVER of one pixel: s + d*(255-sa)/255 per
// channel, saturated.
func blend(d, s uint32) uint32 { return gather(saturate(blendT(d, s))) }

func overSWAR(dst, src []byte, n int) {
	src = src[:n*4]
	dst = dst[:len(src)]
	// Two pixels per step through array pointers: constant offsets,
	// no bounds checks inside.
	i := 0
	for ; i+8 <= len(src); i += 8 {
		sp, dp := (*[8]byte)(src[i:i+8]), (*[8]byte)(dst[i:i+8])
		s := binary.LittleEndian.Uint64(sp[:])
		if s&0xff000000ff000000 == 0xff000000ff000000 {
			binary.LittleEndian.PutUint64(dp[:], s)
		} else if s != 0 {
			d := binary.LittleEndian.Uint64(dp[:])
			t0, t1 := blendT(uint32(d), uint32(s)), blendT(uint32(d>>32), uint32(s>>32))
			if (t0|t1)&(laneOnes<<8) != 0 {
				t0, t1 = saturate(t0), saturate(t1)
			}
			binary.LittleEndian.PutUint64(dp[:], uint64(gather(t0))|uint64(gather(t1))<<32)
		}
	}
	if i+4 <= len(src) {
		binary.LittleEndian.PutUint32(dst[i:], blend(binary.LittleEndian.Uint32(dst[i:]), binary.LittleEndian.Uint32(src[i:])))
	}
}

// mulSWAR writes src scaled by m/255 (the opacity of a draw) to dst.
func mulSWAR(dst, src []byte, n int, m uint32) {
	src = src[:n*4]
	dst = dst[:len(src)]
	mm := uint64(m)
	for i := 0; i+4 <= len(src); i += 4 {
		t := spread(binary.LittleEndian.Uint32(src[i:]))*mm + half
		t = (t + (t>>8)&lanes) >> 8 & lanes
		binary.LittleEndian.PutUint32(dst[i:], uint32(t)|uint32(t>>24))
	}
}

// orSWAR copies src to dst with the bits of or set (0xff000000: opaque
// alpha for an X format read as an A format).
func orSWAR(dst, src []byte, n int, or uint32) {
	src = src[:n*4]
	dst = dst[:len(src)]
	or64 := uint64(or) | uint64(or)<<32
	i := 0
	for ; i+8 <= len(src); i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(src[i:])|or64)
	}
	if i+4 <= len(src) {
		binary.LittleEndian.PutUint32(dst[i:], binary.LittleEndian.Uint32(src[i:])|or)
	}
}

// swapSWAR copies src to dst exchanging bytes 0 and 2 of every pixel
// (ARGB <-> ABGR) and setting the bits of or.
func swapSWAR(dst, src []byte, n int, or uint32) {
	src = src[:n*4]
	dst = dst[:len(src)]
	or64 := uint64(or) | uint64(or)<<32
	i := 0
	for ; i+8 <= len(src); i += 8 {
		p := binary.LittleEndian.Uint64(src[i:])
		p = p&0xff00ff00ff00ff00 | p>>16&0x000000ff000000ff | p&0x000000ff000000ff<<16
		binary.LittleEndian.PutUint64(dst[i:], p|or64)
	}
	if i+4 <= len(src) {
		p := binary.LittleEndian.Uint32(src[i:])
		p = p&0xff00ff00 | p>>16&0xff | p&0xff<<16
		binary.LittleEndian.PutUint32(dst[i:], p|or)
	}
}

// from565 expands one RGB565 pixel to 0xffRRGGBB, replicating the high
// bits into the low ones as pixman does (0x1f -> 0xff, 0x10 -> 0x84).
func from565(p uint32) uint32 {
	return 0xff000000 |
		p<<8&0xf80000 | p<<3&0x70000 |
		p<<5&0xfc00 | p>>1&0x300 |
		p<<3&0xf8 | p>>2&0x7
}

// to565 truncates 0x??RRGGBB to RGB565 as pixman does.
func to565(p uint32) uint32 { return p>>3&0x1f | p>>5&0x7e0 | p>>8&0xf800 }

// from565Lo and from565Hi split from565 by input byte: every output bit
// depends on the bits of one input byte only (green's replicated low
// bits come from its high three bits, all in the high byte), so
// from565(p) == from565Lo[p&0xff] | from565Hi[p>>8]. Two 1 KiB tables
// stay in L1 and turn the conversion into two loads and an OR.
var from565Lo, from565Hi [256]uint32

func init() {
	for i := range 256 {
		from565Lo[i] = from565(uint32(i)) &^ from565(0)
		from565Hi[i] = from565(uint32(i) << 8)
	}
}

// from565SWAR expands n RGB565 pixels to 8888 (ARGB order, or ABGR when
// bgr), alpha 0xff.
func from565SWAR(dst, src []byte, n int, bgr bool) {
	src = src[:n*2]
	dst = dst[:len(src)*2]
	if bgr {
		for i := 0; i+2 <= len(src); i += 2 {
			p := from565Lo[src[i]] | from565Hi[src[i+1]]
			binary.LittleEndian.PutUint32(dst[2*i:], p&0xff00ff00|p>>16&0xff|p&0xff<<16)
		}
		return
	}
	for len(src) >= 16 && len(dst) >= 32 {
		s, d := (*[16]byte)(src), (*[32]byte)(dst)
		binary.LittleEndian.PutUint64(d[0:], uint64(from565Lo[s[0]]|from565Hi[s[1]])|uint64(from565Lo[s[2]]|from565Hi[s[3]])<<32)
		binary.LittleEndian.PutUint64(d[8:], uint64(from565Lo[s[4]]|from565Hi[s[5]])|uint64(from565Lo[s[6]]|from565Hi[s[7]])<<32)
		binary.LittleEndian.PutUint64(d[16:], uint64(from565Lo[s[8]]|from565Hi[s[9]])|uint64(from565Lo[s[10]]|from565Hi[s[11]])<<32)
		binary.LittleEndian.PutUint64(d[24:], uint64(from565Lo[s[12]]|from565Hi[s[13]])|uint64(from565Lo[s[14]]|from565Hi[s[15]])<<32)
		src, dst = src[16:], dst[32:]
	}
	for i := 0; i+2 <= len(src); i += 2 {
		binary.LittleEndian.PutUint32(dst[2*i:], from565Lo[src[i]]|from565Hi[src[i+1]])
	}
}

// to565SWAR packs n 8888 pixels (ARGB order, or ABGR when bgr) to RGB565.
func to565SWAR(dst, src []byte, n int, bgr bool) {
	src = src[:n*4]
	dst = dst[:len(src)/2]
	if bgr {
		for i := 0; i+4 <= len(src); i += 4 {
			p := binary.LittleEndian.Uint32(src[i:])
			binary.LittleEndian.PutUint16(dst[i/2:], uint16(p>>19&0x1f|p>>5&0x7e0|p<<8&0xf800))
		}
		return
	}
	for i := 0; i+4 <= len(src); i += 4 {
		binary.LittleEndian.PutUint16(dst[i/2:], uint16(to565(binary.LittleEndian.Uint32(src[i:]))))
	}
}

// fill32 stores the 32-bit pixel c n times, doubling with copy (memmove)
// after the first pixel.
func fill32(dst []byte, n int, c uint32) {
	dst = dst[:n*4]
	if n == 0 {
		return
	}
	binary.LittleEndian.PutUint32(dst, c)
	for k := 4; k < len(dst); k *= 2 {
		copy(dst[k:], dst[:k])
	}
}

// fill16 stores the 16-bit pixel c n times.
func fill16(dst []byte, n int, c uint16) {
	dst = dst[:n*2]
	if n == 0 {
		return
	}
	binary.LittleEndian.PutUint16(dst, c)
	for k := 2; k < len(dst); k *= 2 {
		copy(dst[k:], dst[:k])
	}
}

// yuvToRGB converts one BT.601 limited-range sample to 0xffRRGGBB with the
// 16.16 coefficients and truncation pixman uses for YV12, so NV12 output
// can be checked bit for bit against pixman.
func yuvToRGB(y, u, v int32) uint32 {
	y -= 16
	u -= 128
	v -= 128
	r := 0x012b27*y + 0x019a2e*v
	g := 0x012b27*y - 0x00d0f2*v - 0x00647e*u
	b := 0x012b27*y + 0x0206a2*u
	return 0xff000000 | clamp24(r)&0xff0000 | clamp24(g)>>8&0xff00 | clamp24(b)>>16&0xff
}

// clamp24 clamps to 0..0xffffff (as pixman's YV12 fetcher: negative to 0,
// overflow to all ones).
func clamp24(x int32) uint32 {
	if x < 0 {
		return 0
	}
	if x >= 0x1000000 {
		return 0xffffff
	}
	return uint32(x)
}

// nv12SWAR converts n pixels of one NV12 row starting at pixel x0 (luma
// row y, chroma row uv) to 8888 in ARGB order (ABGR when bgr).
func nv12SWAR(dst, y, uv []byte, x0, n int, bgr bool) {
	dst = dst[:n*4]
	for i := 0; i < n; i++ {
		x := x0 + i
		c := x &^ 1
		p := yuvToRGB(int32(y[x]), int32(uv[c]), int32(uv[c+1]))
		if bgr {
			p = p&0xff00ff00 | p>>16&0xff | p&0xff<<16
		}
		binary.LittleEndian.PutUint32(dst[4*i:], p)
	}
}

// rotate8SWAR is rotate8SIMD in scalar code, the path for 90 and 270
// degree rotations without SIMD kernels: the same 8x8 tiles (the source
// is read as 32-byte rows, the destination written as 32-byte columns,
// both in L1), one pixel per load and store.
func rotate8SWAR(dst []byte, dstStride int, src []byte, off, stepI int, rev bool, nt int, or uint32) {
	if nt <= 0 {
		return
	}
	var d [8][]byte
	for j := range d {
		dj := j
		if rev {
			dj = 7 - j
		}
		d[j] = dst[dj*dstStride:][:32*nt]
	}
	for t := 0; t < 32*nt; t += 32 {
		for r := 0; r < 8; r++ {
			o := off + (t/4+r)*stepI
			s := (*[32]byte)(src[o : o+32])
			c := t + 4*r
			for j := range d {
				binary.LittleEndian.PutUint32(d[j][c:c+4], binary.LittleEndian.Uint32(s[4*j:])|or)
			}
		}
	}
}
