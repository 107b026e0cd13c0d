package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// HeaderSize is the size in bytes of a message header.
const HeaderSize = 8

// MaxFDsPerSend is the number of descriptors sent with one sendmsg, the
// same bound libwayland uses (MAX_FDS_OUT).
const MaxFDsPerSend = 28

// Fixed is the wire's signed 24.8 fixed-point number.
type Fixed int32

// FixedFromFloat converts f to the nearest Fixed.
func FixedFromFloat(f float64) Fixed { return Fixed(math.Round(f * 256)) }

// FixedFromInt converts an integer to Fixed.
func FixedFromInt(i int32) Fixed { return Fixed(i * 256) }

// Float returns f as a float64.
func (f Fixed) Float() float64 { return float64(f) / 256 }

// Int returns the integer part of f, rounded toward zero.
func (f Fixed) Int() int32 { return int32(f) / 256 }

// String formats f as a decimal number.
func (f Fixed) String() string { return fmt.Sprintf("%g", f.Float()) }

// Header is a decoded message header.
type Header struct {
	Sender uint32 // object id the message is addressed to or sent by
	Opcode uint16
	Size   uint16 // total size including the header, a multiple of 4
}

// ParseHeader decodes the header at the start of b, which must hold at
// least HeaderSize bytes.
func ParseHeader(b []byte) Header {
	w := binary.NativeEndian.Uint32(b[4:])
	return Header{Sender: binary.NativeEndian.Uint32(b), Opcode: uint16(w), Size: uint16(w >> 16)}
}

// Errors reported by the codecs and the connection. Match them with
// errors.Is; the wrapping *Error says which message was involved.
var (
	ErrTruncated       = errors.New("message shorter than its arguments")
	ErrBadSize         = errors.New("message size is not a multiple of 4 or smaller than the header")
	ErrMessageTooLarge = errors.New("message larger than the connection's limit")
	ErrStringNoNUL     = errors.New("string argument without its terminating NUL")
	ErrStringNUL       = errors.New("string argument with a NUL before its end")
	ErrNullString      = errors.New("null string for a non-nullable argument")
	ErrMissingFD       = errors.New("fd argument without a descriptor in the ancillary data")
	ErrTooManyFDs      = errors.New("more descriptors pending than the connection's limit")
	ErrOutputFull      = errors.New("queued output exceeds the connection's limit; the peer is not reading")
	ErrWouldBlock      = errors.New("socket send buffer full")
	ErrClosed          = errors.New("connection closed")
	ErrTrailing        = errors.New("message longer than its arguments")
)

// Error wraps a codec or connection error with what was being done.
type Error struct {
	Op  string // "decode", "recvmsg", "sendmsg", ...
	Obj uint32 // object id of the message, 0 when not known
	Msg string // interface.message, when known
	Err error
}

func (e *Error) Error() string {
	s := "wayland wire: " + e.Op
	if e.Msg != "" {
		s += " " + e.Msg
	}
	if e.Obj != 0 {
		s += fmt.Sprintf(" (object %d)", e.Obj)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Limits bound what one peer may make the other hold. The zero value of a
// field selects its default.
type Limits struct {
	// MaxMessageSize is the largest message accepted, header included.
	// Default 4096, libwayland's buffer size; at most 65532.
	MaxMessageSize int
	// MaxPendingFDs is the largest number of received descriptors not yet
	// consumed by messages. Default 256.
	MaxPendingFDs int
	// MaxOutputBytes is the most output queued for a peer that does not
	// read. Default 4 MiB.
	MaxOutputBytes int
	// MaxObjects is the most live objects per client (enforced by the
	// server core, kept here so all limits live together). Default 8192.
	MaxObjects int
}

// WithDefaults returns l with zero fields replaced by the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = 4096
	}
	if l.MaxMessageSize > 65532 {
		l.MaxMessageSize = 65532
	}
	if l.MaxPendingFDs <= 0 {
		l.MaxPendingFDs = 256
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = 4 << 20
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = 8192
	}
	return l
}

func align4(n int) int { return (n + 3) &^ 3 }
