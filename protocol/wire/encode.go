package wire

import "encoding/binary"

// Encoder appends one message to a buffer. Obtain it from Conn.Begin (or
// NewEncoder in tests) and finish it with Conn.End.
type Encoder struct {
	buf   []byte
	start int
	fds   []int
	err   error
}

// NewEncoder returns an Encoder appending to buf (for tests and tools).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Begin starts a message from sender with opcode.
func (e *Encoder) Begin(sender uint32, opcode uint16) {
	e.start = len(e.buf)
	e.err = nil
	e.buf = binary.NativeEndian.AppendUint32(e.buf, sender)
	e.buf = binary.NativeEndian.AppendUint32(e.buf, uint32(opcode))
}

// Uint appends a uint (also object and new_id ids; 0 is null).
func (e *Encoder) Uint(v uint32) { e.buf = binary.NativeEndian.AppendUint32(e.buf, v) }

// Int appends an int.
func (e *Encoder) Int(v int32) { e.Uint(uint32(v)) }

// Fixed appends a fixed.
func (e *Encoder) Fixed(v Fixed) { e.Uint(uint32(v)) }

// Bytes appends an array.
func (e *Encoder) Bytes(b []byte) {
	e.Uint(uint32(len(b)))
	e.buf = append(e.buf, b...)
	for len(e.buf)%4 != 0 {
		e.buf = append(e.buf, 0)
	}
}

// String appends a string with its NUL.
func (e *Encoder) String(s string) {
	e.Uint(uint32(len(s) + 1))
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, 0)
	for len(e.buf)%4 != 0 {
		e.buf = append(e.buf, 0)
	}
}

// NullString appends a null string.
func (e *Encoder) NullString() { e.Uint(0) }

// FD queues descriptor n to travel with the message. The Conn sends a
// duplicate, so the caller keeps ownership of n.
func (e *Encoder) FD(n int) { e.fds = append(e.fds, n) }

// End patches the size into the header and returns the encoded message.
func (e *Encoder) End() []byte {
	size := len(e.buf) - e.start
	w := binary.NativeEndian.Uint32(e.buf[e.start+4:])
	binary.NativeEndian.PutUint32(e.buf[e.start+4:], uint32(size)<<16|w&0xffff)
	return e.buf[e.start:]
}

// Buffer returns everything encoded so far.
func (e *Encoder) Buffer() []byte { return e.buf }
