package cpu

import "errors"

// Errors returned by the operations, wrapped in *Error; test them with
// errors.Is.
var (
	// ErrFormat: the format is not supported, or not in that role (NV12
	// as a destination).
	ErrFormat = errors.New("unsupported pixel format")
	// ErrSize: a width or height is negative or larger than MaxSize.
	ErrSize = errors.New("image size out of range")
	// ErrStride: a stride is smaller than one row of pixels.
	ErrStride = errors.New("stride too small for the width")
	// ErrShort: the pixel memory is shorter than stride and height say.
	ErrShort = errors.New("pixel buffer too short")
	// ErrRect: a source rectangle is empty or not inside its image, or
	// destination geometry is beyond MaxCoord.
	ErrRect = errors.New("rectangle outside the image")
	// ErrArg: an operator, transform or filter value that does not exist.
	ErrArg = errors.New("invalid argument")
)

// Error describes a rejected call: the operation, the argument at fault,
// what was wrong with it and the sentinel (Err) it matches.
type Error struct {
	Op     string // "cpu.Composite"
	Arg    string // "src", "dst", "srcRect", "damage[3]"
	Detail string
	Err    error
}

func (e *Error) Error() string {
	return e.Op + ": " + e.Arg + ": " + e.Err.Error() + ": " + e.Detail
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }
