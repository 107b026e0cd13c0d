package wire

import (
	"errors"
	"net"
	"os"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func pair(t *testing.T, limits Limits) (a, b *Conn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(n int) *Conn {
		f := os.NewFile(uintptr(n), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		wc, err := NewConn(c.(*net.UnixConn), limits)
		if err != nil {
			t.Fatal(err)
		}
		return wc
	}
	a, b = conn(fds[0]), conn(fds[1])
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func memfdWith(t *testing.T, content string) int {
	n, err := unix.MemfdCreate("wire-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	unix.Write(n, []byte(content))
	t.Cleanup(func() { unix.Close(n) })
	return n
}

func readFD(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, 64)
	k, err := unix.Pread(n, b, 0)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:k])
}

// Messages carrying several descriptors each, several messages per
// sendmsg and per recvmsg, in both directions: every descriptor arrives
// with its message, in order.
func TestDescriptorsTravelWithTheirMessages(t *testing.T) {
	a, b := pair(t, Limits{})
	for _, dir := range []struct {
		name     string
		from, to *Conn
	}{{"a to b", a, b}, {"b to a", b, a}} {
		t.Run(dir.name, func(t *testing.T) {
			var want []string
			const msgs, perMsg = 20, 3 // 60 fds: more than MaxFDsPerSend
			for m := 0; m < msgs; m++ {
				e := dir.from.Begin(uint32(m+1), 0)
				for k := 0; k < perMsg; k++ {
					s := string(rune('a'+m)) + string(rune('0'+k))
					e.FD(memfdWith(t, s))
					want = append(want, s)
				}
				e.Uint(uint32(m))
				if err := dir.from.End(); err != nil {
					t.Fatal(err)
				}
			}
			if err := dir.from.Flush(); err != nil {
				t.Fatal(err)
			}
			var got []string
			var d Decoder
			for len(got) < len(want) {
				if err := dir.to.Fill(); err != nil {
					t.Fatal(err)
				}
				for {
					h, body, ok, err := dir.to.Next()
					if err != nil {
						t.Fatal(err)
					}
					if !ok {
						break
					}
					d.Reset(body, dir.to)
					var fds []int
					for k := 0; k < perMsg; k++ {
						fds = append(fds, d.FD())
					}
					if v := d.Uint(); v != h.Sender-1 || d.Finish() != nil {
						t.Fatalf("message %d: %v", h.Sender, d.Err())
					}
					for _, n := range fds {
						got = append(got, readFD(t, n))
						unix.Close(n)
					}
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("descriptor %d carries %q, want %q", i, got[i], want[i])
				}
			}
			if dir.to.PendingFDs() != 0 {
				t.Fatalf("%d descriptors left over", dir.to.PendingFDs())
			}
		})
	}
}

func TestTooManyPendingDescriptorsIsAnError(t *testing.T) {
	a, b := pair(t, Limits{MaxPendingFDs: 4})
	n := memfdWith(t, "x")
	e := a.Begin(1, 0)
	for i := 0; i < 6; i++ {
		e.FD(n)
	}
	a.End()
	a.Flush()
	err := b.Fill()
	if !errors.Is(err, ErrTooManyFDs) {
		t.Fatalf("Fill = %v, want ErrTooManyFDs", err)
	}
}

func TestOutputLimit(t *testing.T) {
	a, _ := pair(t, Limits{MaxOutputBytes: 1024})
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		e := a.Begin(1, 0)
		e.Bytes(make([]byte, 100))
		err = a.End()
	}
	if !errors.Is(err, ErrOutputFull) {
		t.Fatalf("End = %v, want ErrOutputFull", err)
	}
}

func TestFrameRejectsBadSizes(t *testing.T) {
	for _, tt := range []struct {
		name string
		size uint16
		want error
	}{
		{"smaller than the header", 4, ErrBadSize},
		{"not a multiple of 4", 10, ErrBadSize},
		{"above the limit", 8192, ErrMessageTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEncoder(nil)
			e.Begin(1, 0)
			msg := e.End()
			msg[6], msg[7] = byte(tt.size), byte(tt.size>>8)
			if _, _, _, err := Frame(msg, 4096); !errors.Is(err, tt.want) {
				t.Fatalf("Frame = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecoderErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		body []byte
		read func(d *Decoder)
		want error
	}{
		{"truncated uint", []byte{1, 2}, func(d *Decoder) { d.Uint() }, ErrTruncated},
		{"string without NUL", []byte{2, 0, 0, 0, 'a', 'b', 0, 0}, func(d *Decoder) { _ = d.String() }, ErrStringNoNUL},
		{"string with inner NUL", []byte{3, 0, 0, 0, 'a', 0, 0, 0}, func(d *Decoder) { _ = d.String() }, ErrStringNUL},
		{"null string", []byte{0, 0, 0, 0}, func(d *Decoder) { _ = d.String() }, ErrNullString},
		{"array past the end", []byte{9, 0, 0, 0, 1, 2, 3, 4}, func(d *Decoder) { d.Bytes() }, ErrTruncated},
		{"fd without descriptor", nil, func(d *Decoder) { d.FD() }, ErrMissingFD},
		{"trailing bytes", []byte{1, 0, 0, 0, 2, 0, 0, 0}, func(d *Decoder) { d.Uint() }, ErrTrailing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			d.Reset(tt.body, nil)
			tt.read(&d)
			if err := d.Finish(); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// FlushBlocking drains a full socket while the reader consumes it.
func TestFlushBlockingWaitsForTheReader(t *testing.T) {
	a, b := pair(t, Limits{MaxOutputBytes: 64 << 20})
	for i := 0; i < 20000; i++ {
		e := a.Begin(1, 0)
		e.Bytes(make([]byte, 200))
		if err := a.End(); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("Flush = %v, want ErrWouldBlock on a full socket", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	total := 0
	go func() {
		defer wg.Done()
		for total < 20000 {
			if err := b.Fill(); err != nil {
				t.Error(err)
				return
			}
			for {
				_, _, ok, _ := b.Next()
				if !ok {
					break
				}
				total++
			}
		}
	}()
	var mu sync.Mutex
	if err := a.FlushBlocking(&mu, func() {}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if total != 20000 {
		t.Fatalf("received %d messages", total)
	}
}
