package wire

import (
	"bytes"
	"testing"
)

type noFDs struct{ n int }

func (f *noFDs) TakeFD() int {
	if f.n == 0 {
		return -1
	}
	f.n--
	return 100 + f.n
}

// FuzzDecode splits arbitrary bytes into messages and decodes each with a
// signature taken from the input: it must never panic, never read past
// a message, and report every malformed message as an error.
func FuzzDecode(f *testing.F) {
	e := NewEncoder(nil)
	e.Begin(3, 1)
	e.Uint(7)
	e.String("hello")
	e.Bytes([]byte{1, 2, 3})
	e.Fixed(FixedFromFloat(1.5))
	e.End()
	f.Add(e.Buffer(), "usaf", uint8(0))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 12, 0, 255, 255, 255, 255}, "s", uint8(1))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 8, 0}, "h", uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, sig string, nfds uint8) {
		if len(sig) > 20 {
			sig = sig[:20]
		}
		fds := &noFDs{n: int(nfds % 8)}
		var d Decoder
		for len(data) > 0 {
			h, body, n, err := Frame(data, 4096)
			if err != nil || n == 0 {
				return
			}
			if len(body) != int(h.Size)-HeaderSize {
				t.Fatalf("body of %d bytes for size %d", len(body), h.Size)
			}
			d.Reset(body, fds)
			for _, c := range sig {
				switch c % 8 {
				case 0:
					d.Int()
				case 1:
					d.Uint()
				case 2:
					d.Fixed()
				case 3:
					s, ok := d.StringBytes()
					if ok && bytes.IndexByte(s, 0) >= 0 {
						t.Fatal("string with NUL accepted")
					}
				case 4:
					if b := d.Bytes(); len(b) > len(body) {
						t.Fatal("array longer than the message")
					}
				case 5:
					d.FD()
				case 6:
					d.NullableString()
				case 7:
					_ = d.String()
				}
			}
			if d.Finish() == nil && d.Remaining() != 0 {
				t.Fatal("Finish accepted trailing bytes")
			}
			data = data[n:]
		}
	})
}

// FuzzRoundTrip encodes arguments and decodes them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint32(1), int32(-5), "title", []byte{9, 8}, int32(300))
	f.Fuzz(func(t *testing.T, u uint32, i int32, s string, a []byte, fx int32) {
		if bytes.IndexByte([]byte(s), 0) >= 0 || len(s)+len(a) > 3000 {
			return
		}
		e := NewEncoder(nil)
		e.Begin(2, 3)
		e.Uint(u)
		e.Int(i)
		e.String(s)
		e.Bytes(a)
		e.Fixed(Fixed(fx))
		msg := e.End()
		h, body, n, err := Frame(msg, 4096)
		if err != nil || n != len(msg) || h.Sender != 2 || h.Opcode != 3 {
			t.Fatalf("frame: %v %d %+v", err, n, h)
		}
		var d Decoder
		d.Reset(body, nil)
		if d.Uint() != u || d.Int() != i || d.String() != s || !bytes.Equal(d.Bytes(), a) || d.Fixed() != Fixed(fx) || d.Finish() != nil {
			t.Fatalf("round trip mismatch: %v", d.Err())
		}
	})
}
