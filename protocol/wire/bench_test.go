package wire

import "testing"

// BenchmarkSendReceive is one message through a socket pair: encode,
// sendmsg, recvmsg on the poller, frame, decode.
func BenchmarkSendReceive(b *testing.B) {
	t := &testing.T{}
	a, c := pair(t, Limits{})
	b.Cleanup(func() { a.Close(); c.Close() })
	var d Decoder
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e := a.Begin(3, 2)
		e.Uint(uint32(i))
		e.Int(-1)
		if err := a.End(); err != nil {
			b.Fatal(err)
		}
		if err := a.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := c.Fill(); err != nil {
			b.Fatal(err)
		}
		_, body, ok, err := c.Next()
		if !ok || err != nil {
			b.Fatal("no message", err)
		}
		d.Reset(body, nil)
		if d.Uint() != uint32(i) || d.Int() != -1 || d.Finish() != nil {
			b.Fatal("decode")
		}
	}
}
