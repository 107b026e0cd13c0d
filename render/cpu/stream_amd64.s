//go:build goexperiment.simd && amd64

#include "textflag.h"

// Non-temporal stores for large SRC copies and RGB565 expansions, OVER
// over long rows with a prefetch in every step, a copy of rectangles with
// short rows that prefetches rows ahead, and the prefetch routine OVER of
// short rows calls once per row. simd/archsimd (Go 1.26) has no streaming
// store and no prefetch, copy() uses REP MOVSB on CPUs with ERMS and FSRM,
// which reads every destination line before writing it, and a call from
// inside a Go vector loop to a prefetch routine costs more than the
// prefetch gains; see docs/render-cpu.md for the measurements that justify
// this file.

// func streamCopy(dst, src []byte)
// Copies len(src) bytes (at least 64; len(dst) >= len(src): both checked
// by the Go caller) to dst with VMOVNTDQ stores, which bypass the caches
// and skip the read for ownership. The first 64 and last 32 bytes, and
// the bytes before dst's first 64-byte boundary, use ordinary stores. The
// caller issues sfence before the destination is handed to anyone else.
TEXT ·streamCopy(SB), NOSPLIT, $0-48
	MOVQ	dst_base+0(FP), DI
	MOVQ	src_base+24(FP), SI
	MOVQ	src_len+32(FP), BX
	// Head: 64 bytes unaligned, then advance DI to a 64-byte boundary, so
	// every pair of streaming stores fills a whole cache line (with DI 16
	// bytes past a line, as calloc's large blocks are, the stores split
	// lines and the copy ran up to twice as long).
	VMOVDQU	(SI), Y0
	VMOVDQU	32(SI), Y1
	VMOVDQU	Y0, (DI)
	VMOVDQU	Y1, 32(DI)
	MOVQ	DI, AX
	ANDQ	$63, AX
	MOVQ	$64, CX
	SUBQ	AX, CX
	ADDQ	CX, DI
	ADDQ	CX, SI
	SUBQ	CX, BX
	CMPQ	BX, $128
	JB	loop32
loop128:
	VMOVDQU	(SI), Y0
	VMOVDQU	32(SI), Y1
	VMOVDQU	64(SI), Y2
	VMOVDQU	96(SI), Y3
	VMOVNTDQ	Y0, (DI)
	VMOVNTDQ	Y1, 32(DI)
	VMOVNTDQ	Y2, 64(DI)
	VMOVNTDQ	Y3, 96(DI)
	ADDQ	$128, SI
	ADDQ	$128, DI
	SUBQ	$128, BX
	CMPQ	BX, $128
	JAE	loop128
loop32:
	CMPQ	BX, $32
	JB	tail
	VMOVDQU	(SI), Y0
	VMOVNTDQ	Y0, (DI)
	ADDQ	$32, SI
	ADDQ	$32, DI
	SUBQ	$32, BX
	JMP	loop32
tail:
	// The last 32 bytes, overlapping bytes already written.
	TESTQ	BX, BX
	JZ	done
	VMOVDQU	-32(SI)(BX*1), Y0
	VMOVDQU	Y0, -32(DI)(BX*1)
done:
	VZEROUPPER
	RET

// func sfence()
// Orders the non-temporal stores before every later store.
TEXT ·sfence(SB), NOSPLIT, $0-0
	SFENCE
	RET

// func from565NT(dst, src []byte, n int) (skip, done int)
// Expands RGB565 pixels to ARGB8888 (alpha 0xff) as from565SIMD does,
// storing with VMOVNTDQ: the destination is written without being read.
// It leaves the first skip pixels (up to dst's next 64-byte boundary) and
// the pixels after skip+done (fewer than 16) to the caller, and converts
// none (skip = n) when dst is not 4-byte aligned. The caller checked
// len(dst) >= 4n and len(src) >= 2n, and calls sfence afterwards.
TEXT ·from565NT(SB), NOSPLIT, $0-72
	MOVQ	dst_base+0(FP), DI
	MOVQ	src_base+24(FP), SI
	MOVQ	n+48(FP), BX
	MOVQ	BX, skip+56(FP)
	MOVQ	$0, done+64(FP)
	MOVQ	DI, AX
	TESTQ	$3, AX
	JNZ	nt565ret
	// Head pixels before the 64-byte boundary: ((64 - DI&63) & 63) / 4, so
	// each pair of streaming stores fills one whole cache line.
	NEGQ	AX
	ANDQ	$63, AX
	SHRQ	$2, AX
	CMPQ	AX, BX
	JA	nt565ret
	MOVQ	AX, skip+56(FP)
	SUBQ	AX, BX
	LEAQ	(DI)(AX*4), DI
	LEAQ	(SI)(AX*2), SI
	SHRQ	$4, BX
	SHLQ	$4, BX
	MOVQ	BX, done+64(FP)
	SHRQ	$4, BX
	JZ	nt565ret
	MOVL	$0xf800, AX
	VMOVD	AX, X8
	VPBROADCASTW	X8, Y8 // red mask
	MOVL	$0x07e0, AX
	VMOVD	AX, X9
	VPBROADCASTW	X9, Y9 // green mask
	MOVL	$264, AX
	VMOVD	AX, X10
	VPBROADCASTW	X10, Y10 // r5, b5 -> 8 bits: mulhi(x<<11, 264)
	MOVL	$8320, AX
	VMOVD	AX, X11
	VPBROADCASTW	X11, Y11 // g6 -> 8 bits: mulhi(g<<5, 8320)
	MOVL	$0xff00, AX
	VMOVD	AX, X12
	VPBROADCASTW	X12, Y12 // alpha
nt565loop:
	PREFETCHT0	1024(SI)
	VMOVDQU	(SI), Y0
	VPAND	Y0, Y8, Y1
	VPMULHUW	Y1, Y10, Y1 // r
	VPAND	Y0, Y9, Y2
	VPMULHUW	Y2, Y11, Y2 // g
	VPSLLW	$11, Y0, Y3
	VPMULHUW	Y3, Y10, Y3 // b
	VPSLLW	$8, Y2, Y2
	VPOR	Y2, Y3, Y3 // b | g<<8
	VPOR	Y1, Y12, Y1 // r | 0xff00
	VPUNPCKLWD	Y1, Y3, Y4 // pixels 0-3, 8-11
	VPUNPCKHWD	Y1, Y3, Y5 // pixels 4-7, 12-15
	VPERM2I128	$0x20, Y5, Y4, Y6
	VPERM2I128	$0x31, Y5, Y4, Y7
	VMOVNTDQ	Y6, (DI)
	VMOVNTDQ	Y7, 32(DI)
	ADDQ	$32, SI
	ADDQ	$64, DI
	DECQ	BX
	JNZ	nt565loop
	VZEROUPPER
nt565ret:
	RET

// func overLong(dst, src []byte, n int)
// OVER of n premultiplied ARGB8888 source pixels onto dst, 16 per step,
// with overSIMD's arithmetic (bit-exact with pixman): per 16-bit lane
// t = d*(255-alpha) + 0x80, (t*0x101) >> 16, then the source added with
// unsigned saturation. Sixteen opaque source pixels are copied, sixteen
// zero pixels leave dst alone. Every step prefetches the line 1536 bytes
// ahead in both rows (prefetches do not fault, so the last steps may name
// lines past the rows). n is a multiple of 16; the Go caller checked
// len(dst) and len(src) >= 4n.
TEXT ·overLong(SB), NOSPLIT, $0-56
	MOVQ	dst_base+0(FP), DI
	MOVQ	src_base+24(FP), SI
	MOVQ	n+48(FP), BX
	SHRQ	$4, BX
	JZ	olret
	VMOVDQU	·alphaIdx(SB), Y4 // alpha to the low byte of both lanes
	MOVL	$0xff000000, AX
	VMOVD	AX, X0
	VPBROADCASTD	X0, Y0 // alpha bytes
	MOVL	$0x00ff, AX
	VMOVD	AX, X1
	VPBROADCASTW	X1, Y1
	MOVL	$0x0080, AX
	VMOVD	AX, X2
	VPBROADCASTW	X2, Y2
	MOVL	$0x0101, AX
	VMOVD	AX, X3
	VPBROADCASTW	X3, Y3
olloop:
	PREFETCHT0	1536(SI)
	PREFETCHT0	1536(DI)
	VMOVDQU	(SI), Y6
	VMOVDQU	32(SI), Y7
	VPAND	Y6, Y7, Y8
	VPTEST	Y0, Y8
	JCS	olopaque // every alpha byte 0xff
	VPOR	Y6, Y7, Y8
	VPTEST	Y8, Y8
	JEQ	olnext // all sixteen zero
	VMOVDQU	(DI), Y8
	VMOVDQU	32(DI), Y9
	VPSHUFB	Y4, Y6, Y10
	VPXOR	Y1, Y10, Y10 // 255 - alpha
	VPAND	Y1, Y8, Y11 // blue, red
	VPMULLW	Y10, Y11, Y11
	VPADDW	Y2, Y11, Y11
	VPMULHUW	Y3, Y11, Y11
	VPSRLW	$8, Y8, Y8 // green, alpha
	VPMULLW	Y10, Y8, Y8
	VPADDW	Y2, Y8, Y8
	VPMULHUW	Y3, Y8, Y8
	VPSLLW	$8, Y8, Y8
	VPOR	Y8, Y11, Y8
	VPADDUSB	Y8, Y6, Y6
	VPSHUFB	Y4, Y7, Y10
	VPXOR	Y1, Y10, Y10
	VPAND	Y1, Y9, Y11
	VPMULLW	Y10, Y11, Y11
	VPADDW	Y2, Y11, Y11
	VPMULHUW	Y3, Y11, Y11
	VPSRLW	$8, Y9, Y9
	VPMULLW	Y10, Y9, Y9
	VPADDW	Y2, Y9, Y9
	VPMULHUW	Y3, Y9, Y9
	VPSLLW	$8, Y9, Y9
	VPOR	Y9, Y11, Y9
	VPADDUSB	Y9, Y7, Y7
olopaque:
	VMOVDQU	Y6, (DI)
	VMOVDQU	Y7, 32(DI)
olnext:
	ADDQ	$64, SI
	ADDQ	$64, DI
	DECQ	BX
	JNZ	olloop
	VZEROUPPER
olret:
	RET

// func copyRows(dst, src []byte, n, dstStride, srcStride, rows int)
// Copies rows of n bytes (32 <= n; the Go caller checked that the last
// row ends inside both slices) from src to dst, 32 bytes per step with
// the last 32 bytes of a row overlapping, prefetching the row four ahead
// in both images first (two ahead was not enough at 2160p: x_pixman
// 0.84-0.87 on 64x64 tiles, four ahead 1.03-1.10). Short rows of a damage rectangle lie a stride
// apart, farther than the hardware prefetchers follow, so without this
// every row waits for its own misses.
TEXT ·copyRows(SB), NOSPLIT, $0-80
	MOVQ	dst_base+0(FP), DI
	MOVQ	src_base+24(FP), SI
	MOVQ	n+48(FP), CX
	MOVQ	dstStride+56(FP), R8
	MOVQ	srcStride+64(FP), R9
	MOVQ	rows+72(FP), R10
	LEAQ	-32(CX), DX // offset of the last 32 bytes
crrow:
	LEAQ	(SI)(R9*4), R11 // four rows ahead: prefetches do not fault
	LEAQ	(DI)(R8*4), R12
	XORQ	BX, BX
crpf:
	PREFETCHT0	(R11)(BX*1)
	PREFETCHT0	(R12)(BX*1)
	ADDQ	$64, BX
	CMPQ	BX, CX
	JB	crpf
	XORQ	BX, BX
crcopy:
	CMPQ	BX, DX
	JAE	crlast
	VMOVDQU	(SI)(BX*1), Y0
	VMOVDQU	Y0, (DI)(BX*1)
	ADDQ	$32, BX
	JMP	crcopy
crlast:
	VMOVDQU	(SI)(DX*1), Y0
	VMOVDQU	Y0, (DI)(DX*1)
	ADDQ	R8, DI
	ADDQ	R9, SI
	DECQ	R10
	JNZ	crrow
	VZEROUPPER
	RET

// func prefetch2(a, b []byte)
// Prefetches every 64-byte line of a and b (less than 2 KiB of each: the
// lengths are taken modulo 2 KiB, so the caller passes less) into all
// cache levels. Prefetches do not fault; the addresses are in the slices.
// Used four rows ahead of OVER on short rows (composite.go).
TEXT ·prefetch2(SB), NOSPLIT, $0-48
	MOVQ	a_base+0(FP), SI
	MOVQ	a_len+8(FP), BX
	MOVQ	b_base+24(FP), DI
	MOVQ	b_len+32(FP), CX
	ANDQ	$2047, BX
	ANDQ	$2047, CX
pfa:
	CMPQ	BX, $0
	JLE	pfb
	PREFETCHT0	(SI)
	ADDQ	$64, SI
	SUBQ	$64, BX
	JMP	pfa
pfb:
	CMPQ	CX, $0
	JLE	pfdone
	PREFETCHT0	(DI)
	ADDQ	$64, DI
	SUBQ	$64, CX
	JMP	pfb
pfdone:
	RET
