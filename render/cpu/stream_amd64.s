//go:build goexperiment.simd && amd64

#include "textflag.h"

// Non-temporal copy for large SRC copies. simd/archsimd (Go 1.26) has no
// streaming store, and copy() uses REP MOVSB on CPUs with ERMS and FSRM,
// which reads every destination line before writing it; see
// docs/render-cpu.md for the measurements that justify this file.

// func streamCopy(dst, src []byte)
// Copies len(src) bytes (at least 64; len(dst) >= len(src): both checked
// by the Go caller) to dst with VMOVNTDQ stores, which bypass the caches
// and skip the read for ownership. The first and last 32 bytes, and the
// bytes before dst's first 32-byte boundary, use ordinary stores. The
// caller issues sfence before the destination is handed to anyone else.
TEXT ·streamCopy(SB), NOSPLIT, $0-48
	MOVQ	dst_base+0(FP), DI
	MOVQ	src_base+24(FP), SI
	MOVQ	src_len+32(FP), BX
	// Head: 32 bytes unaligned, then advance DI to a 32-byte boundary.
	VMOVDQU	(SI), Y0
	VMOVDQU	Y0, (DI)
	MOVQ	DI, AX
	ANDQ	$31, AX
	MOVQ	$32, CX
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
