//go:build cgo && abicheck

package abicheck

// #include "abicheck.h"
import "C"

import "unsafe"

// addFields and addIoctls copy a C table, given as a pointer to its first
// element and its length, into the Go registries.
func addFields(first *C.struct_abi_field, n int) {
	tab := unsafe.Slice(first, n)
	for _, f := range tab {
		cFields = append(cFields, Field{
			Struct: C.GoString(f.strct), Field: C.GoString(f.field),
			Off: uintptr(f.off), Size: uintptr(f.size),
		})
	}
}

func addIoctls(first *C.struct_abi_ioctl, n int) {
	tab := unsafe.Slice(first, n)
	for _, f := range tab {
		cIoctls[C.GoString(f.name)] = uint64(f.num)
	}
}
