package wire

import (
	"bytes"
	"encoding/binary"
)

// FDSource supplies received descriptors in arrival order.
type FDSource interface {
	// TakeFD removes and returns the oldest pending descriptor, or -1.
	TakeFD() int
}

// Decoder reads the arguments of one message body in order. After the
// first error every read returns a zero value and Err reports the error,
// so generated code decodes all arguments then checks Err once.
//
// Strings and arrays alias the message buffer: copy them to keep them.
// Descriptors returned by FD belong to the caller.
type Decoder struct {
	data []byte
	off  int
	fds  FDSource
	err  error
	// taken records descriptors handed out for this message so that a
	// failed decode can close them.
	taken [4]int
	ntake int
}

// Reset prepares d to decode body, taking descriptors from fds.
func (d *Decoder) Reset(body []byte, fds FDSource) {
	d.data, d.off, d.fds, d.err, d.ntake = body, 0, fds, nil, 0
}

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Finish reports an error when bytes remain after the last argument.
func (d *Decoder) Finish() error {
	if d.err == nil && d.off != len(d.data) {
		d.err = ErrTrailing
	}
	return d.err
}

// Remaining returns the number of undecoded bytes.
func (d *Decoder) Remaining() int { return len(d.data) - d.off }

func (d *Decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Uint decodes a uint argument (also object and new_id ids).
func (d *Decoder) Uint() uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.data)-d.off < 4 {
		d.fail(ErrTruncated)
		return 0
	}
	v := binary.NativeEndian.Uint32(d.data[d.off:])
	d.off += 4
	return v
}

// Int decodes an int argument.
func (d *Decoder) Int() int32 { return int32(d.Uint()) }

// Fixed decodes a fixed argument.
func (d *Decoder) Fixed() Fixed { return Fixed(d.Uint()) }

// Bytes decodes an array argument. The result aliases the buffer.
func (d *Decoder) Bytes() []byte {
	n := d.Uint()
	if d.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(d.data)-d.off) || align4(int(n)) > len(d.data)-d.off {
		d.fail(ErrTruncated)
		return nil
	}
	b := d.data[d.off : d.off+int(n) : d.off+int(n)]
	d.off += align4(int(n))
	return b
}

// StringBytes decodes a string argument without its NUL. ok is false for
// a null string (length 0 on the wire). The result aliases the buffer.
func (d *Decoder) StringBytes() (s []byte, ok bool) {
	b := d.Bytes()
	if d.err != nil || len(b) == 0 {
		return nil, false
	}
	if b[len(b)-1] != 0 {
		d.fail(ErrStringNoNUL)
		return nil, false
	}
	b = b[:len(b)-1]
	if bytes.IndexByte(b, 0) >= 0 {
		d.fail(ErrStringNUL)
		return nil, false
	}
	return b, true
}

// String decodes a non-nullable string argument (allocates a copy).
func (d *Decoder) String() string {
	b, ok := d.StringBytes()
	if !ok {
		d.fail(ErrNullString)
		return ""
	}
	return string(b)
}

// NullableString decodes a nullable string; null decodes as "".
func (d *Decoder) NullableString() string {
	b, _ := d.StringBytes()
	return string(b)
}

// FD takes the next received descriptor for an fd argument. The caller
// owns it. It returns -1 and records ErrMissingFD when none is pending.
func (d *Decoder) FD() int {
	if d.err != nil {
		return -1
	}
	n := -1
	if d.fds != nil {
		n = d.fds.TakeFD()
	}
	if n < 0 {
		d.fail(ErrMissingFD)
		return -1
	}
	if d.ntake < len(d.taken) {
		d.taken[d.ntake] = n
		d.ntake++
	}
	return n
}

// Taken returns the descriptors handed out while decoding this message,
// for closing them when the message is rejected.
func (d *Decoder) Taken() []int { return d.taken[:d.ntake] }
