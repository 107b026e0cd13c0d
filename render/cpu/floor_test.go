//go:build !(goexperiment.simd && amd64)

package cpu

import "encoding/binary"

// Traffic kernels for the floor benchmarks, scalar (see floor_simd_test.go).

// orInto ORs src into dst: the reads and writes of OVER.
func orInto(dst, src []byte) {
	for len(src) >= 8 && len(dst) >= 8 {
		binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(dst)|binary.LittleEndian.Uint64(src))
		src, dst = src[8:], dst[8:]
	}
}

// widen16 zero-extends the 16-bit words of src into the 32-bit words of
// dst: the reads and writes of RGB565 -> XRGB8888.
func widen16(dst, src []byte) {
	for len(src) >= 2 && len(dst) >= 4 {
		binary.LittleEndian.PutUint32(dst, uint32(binary.LittleEndian.Uint16(src)))
		src, dst = src[2:], dst[4:]
	}
}
