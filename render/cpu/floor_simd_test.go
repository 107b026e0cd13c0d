//go:build goexperiment.simd && amd64

package cpu

import "simd/archsimd"

// Traffic kernels for the floor benchmarks (bench_pixman_test.go): the
// loads and stores of an operation with next to no arithmetic, as fast as
// the vector unit moves them.

// orInto ORs src into dst: the reads and writes of OVER in a plain
// archsimd loop (no prefetch).
func orInto(dst, src []byte) {
	for len(src) >= 64 && len(dst) >= 64 {
		a := archsimd.LoadUint8x32((*[32]byte)(src))
		b := archsimd.LoadUint8x32((*[32]byte)(src[32:]))
		a.Or(archsimd.LoadUint8x32((*[32]byte)(dst))).Store((*[32]byte)(dst))
		b.Or(archsimd.LoadUint8x32((*[32]byte)(dst[32:]))).Store((*[32]byte)(dst[32:]))
		src, dst = src[64:], dst[64:]
	}
	archsimd.ClearAVXUpperBits()
}

// widen16 zero-extends the 16-bit words of src into the 32-bit words of
// dst: the reads and writes of RGB565 -> XRGB8888.
func widen16(dst, src []byte) {
	for len(src) >= 32 && len(dst) >= 64 {
		a := archsimd.LoadUint8x16((*[16]byte)(src)).AsUint16x8().ExtendToUint32()
		b := archsimd.LoadUint8x16((*[16]byte)(src[16:])).AsUint16x8().ExtendToUint32()
		a.AsUint8x32().Store((*[32]byte)(dst))
		b.AsUint8x32().Store((*[32]byte)(dst[32:]))
		src, dst = src[32:], dst[64:]
	}
	archsimd.ClearAVXUpperBits()
}
