//go:build cgo && abicheck

package abicheck

import "reflect"

// Field is one C size or offset fact.
type Field struct {
	Struct string // C struct name
	Field  string // C field name, "" for the struct's size
	Off    uintptr
	Size   uintptr
}

var (
	cFields []Field
	cIoctls = map[string]uint64{}
	goTypes = map[string]reflect.Type{}
)

// Fields returns the C facts gathered from every header file of the package.
func Fields() []Field { return cFields }

// Ioctls returns the ioctl numbers from the C headers by macro name.
func Ioctls() map[string]uint64 { return cIoctls }

// GoTypes maps C struct names to the uapi Go types that mirror them.
func GoTypes() map[string]reflect.Type { return goTypes }
