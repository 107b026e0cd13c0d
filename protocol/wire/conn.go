package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/uapi"
)

// Conn is one end of a Wayland connection over a Unix stream socket. It
// owns the socket and every descriptor it has received and not handed out,
// or queued and not sent. See the package documentation for concurrency.
type Conn struct {
	sock   *net.UnixConn
	raw    syscall.RawConn
	limits Limits

	in         []byte
	start, end int
	inFDs      fdRing
	oob        []byte

	enc     Encoder
	out     []byte // bytes queued for sending (the encoder appends here)
	outFDs  []int  // duplicated descriptors queued for sending
	fdStart []int  // byte offset in out of the message of each outFD
	soob    []byte

	// state for the prebuilt poller callbacks (no closure per call)
	readFn, writeFn func(uintptr) bool
	rn, roobn       int
	rerr            error
	wn              int
	werr            error
	closed          bool
}

// NewConn takes ownership of sock.
func NewConn(sock *net.UnixConn, limits Limits) (*Conn, error) {
	raw, err := sock.SyscallConn()
	if err != nil {
		sock.Close()
		return nil, &Error{Op: "new connection", Err: err}
	}
	l := limits.WithDefaults()
	c := &Conn{
		sock:   sock,
		raw:    raw,
		limits: l,
		in:     make([]byte, 4*l.MaxMessageSize),
		oob:    make([]byte, unix.CmsgSpace(253*4)),
		soob:   make([]byte, unix.CmsgSpace(MaxFDsPerSend*4)),
		out:    make([]byte, 0, 4096),
	}
	c.inFDs.max = l.MaxPendingFDs
	c.readFn = c.doRead
	c.writeFn = c.doWrite
	return c, nil
}

// Limits returns the connection's limits with defaults applied.
func (c *Conn) Limits() Limits { return c.limits }

// PeerCredentials returns the pid, uid and gid of the peer (SO_PEERCRED).
func (c *Conn) PeerCredentials() (pid int32, uid, gid uint32, err error) {
	var cred *unix.Ucred
	cerr := c.raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if cerr != nil {
		return 0, 0, 0, cerr
	}
	if err != nil {
		return 0, 0, 0, &Error{Op: "getsockopt SO_PEERCRED", Err: err}
	}
	return cred.Pid, cred.Uid, cred.Gid, nil
}

// TakeFD implements FDSource over the received descriptors.
func (c *Conn) TakeFD() int { return c.inFDs.pop() }

// PendingFDs returns how many received descriptors no message consumed.
func (c *Conn) PendingFDs() int { return c.inFDs.n }

func (c *Conn) doRead(fd uintptr) bool {
	c.rn, c.roobn, c.rerr = 0, 0, nil
	for {
		n, oobn, flags, err := uapi.Recvmsg(int(fd), c.in[c.end:], c.oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return false
		}
		c.rn, c.roobn, c.rerr = n, oobn, err
		if err == nil && flags&unix.MSG_CTRUNC != 0 {
			c.rerr = ErrTooManyFDs
		}
		return true
	}
}

// Fill waits on the runtime poller until the peer sends something, then
// reads as much as fits into the input buffer along with any descriptors.
// It returns ErrClosed when the peer hung up.
func (c *Conn) Fill() error {
	if c.closed {
		return ErrClosed
	}
	if c.start > 0 {
		n := copy(c.in, c.in[c.start:c.end])
		c.start, c.end = 0, n
	}
	if c.end == len(c.in) {
		return &Error{Op: "recvmsg", Err: ErrMessageTooLarge}
	}
	if err := c.raw.Read(c.readFn); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return ErrClosed
		}
		return &Error{Op: "recvmsg", Err: err}
	}
	// Descriptors first: they arrived even if the read also failed.
	ferr := c.takeRights(c.oob[:c.roobn])
	if c.rerr != nil {
		if errors.Is(c.rerr, unix.ECONNRESET) {
			return ErrClosed
		}
		return &Error{Op: "recvmsg", Err: c.rerr}
	}
	if ferr != nil {
		return &Error{Op: "recvmsg", Err: ferr}
	}
	if c.rn == 0 {
		return ErrClosed
	}
	c.end += c.rn
	return nil
}

// takeRights parses SCM_RIGHTS control messages without allocating. On
// overflow the surplus descriptors are closed and ErrTooManyFDs returned.
func (c *Conn) takeRights(oob []byte) error {
	var err error
	hdr := unix.SizeofCmsghdr
	for len(oob) >= hdr {
		var l int
		if hdr == 16 {
			l = int(binary.NativeEndian.Uint64(oob))
		} else {
			l = int(binary.NativeEndian.Uint32(oob))
		}
		off := hdr - 8
		level := int32(binary.NativeEndian.Uint32(oob[off:]))
		typ := int32(binary.NativeEndian.Uint32(oob[off+4:]))
		if l < hdr || l > len(oob) {
			return errors.New("malformed control message")
		}
		if level == unix.SOL_SOCKET && typ == unix.SCM_RIGHTS {
			data := oob[unix.CmsgLen(0):l]
			for len(data) >= 4 {
				n := int(int32(binary.NativeEndian.Uint32(data)))
				data = data[4:]
				if !c.inFDs.push(n) {
					unix.Close(n)
					err = ErrTooManyFDs
				}
			}
		}
		sp := unix.CmsgSpace(l - unix.CmsgLen(0))
		if sp > len(oob) {
			break
		}
		oob = oob[sp:]
	}
	return err
}

// Next returns the next complete message in the input buffer. ok is false
// when more bytes must be read with Fill first. body aliases the buffer and
// is valid until the next Fill.
func (c *Conn) Next() (h Header, body []byte, ok bool, err error) {
	h, body, n, err := Frame(c.in[c.start:c.end], c.limits.MaxMessageSize)
	if err != nil || n == 0 {
		return h, nil, false, err
	}
	c.start += n
	return h, body, true, nil
}

// Frame splits the first message off b. n is the message's size, 0 when b
// does not yet hold a whole message. A header announcing a size that is
// not a multiple of 4, smaller than the header or larger than maxSize is
// an error.
func Frame(b []byte, maxSize int) (h Header, body []byte, n int, err error) {
	if len(b) < HeaderSize {
		return Header{}, nil, 0, nil
	}
	h = ParseHeader(b)
	if h.Size < HeaderSize || h.Size%4 != 0 {
		return h, nil, 0, &Error{Op: "decode", Obj: h.Sender, Err: fmt.Errorf("%w (size %d)", ErrBadSize, h.Size)}
	}
	if int(h.Size) > maxSize {
		return h, nil, 0, &Error{Op: "decode", Obj: h.Sender, Err: fmt.Errorf("%w (%d > %d bytes)", ErrMessageTooLarge, h.Size, maxSize)}
	}
	if len(b) < int(h.Size) {
		return h, nil, 0, nil
	}
	return h, b[HeaderSize:h.Size:h.Size], int(h.Size), nil
}

// Buffered returns the number of received bytes not yet returned by Next.
func (c *Conn) Buffered() int { return c.end - c.start }

// Begin starts encoding a message from sender. Finish it with End before
// beginning another.
func (c *Conn) Begin(sender uint32, opcode uint16) *Encoder {
	c.enc.buf = c.out
	c.enc.fds = c.enc.fds[:0]
	c.enc.Begin(sender, opcode)
	return &c.enc
}

// End completes the message begun with Begin and queues it. Descriptors
// added with Encoder.FD are duplicated here. It fails when the message is
// too large or the peer has not read ErrOutputFull bytes; the message is
// then dropped.
func (c *Conn) End() error {
	start := c.enc.start
	msg := c.enc.End()
	if len(msg) > 65532 {
		c.enc.buf = c.enc.buf[:start]
		c.out = c.enc.buf
		return &Error{Op: "encode", Obj: ParseHeader(msg).Sender, Err: ErrMessageTooLarge}
	}
	c.out = c.enc.buf
	for _, n := range c.enc.fds {
		d, err := unix.FcntlInt(uintptr(n), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			// The message is in the stream already; without its descriptor
			// the stream is corrupt, so the connection must end.
			return &Error{Op: "encode", Obj: ParseHeader(msg).Sender, Err: fmt.Errorf("dup fd %d: %w", n, err)}
		}
		c.outFDs = append(c.outFDs, d)
		c.fdStart = append(c.fdStart, start)
	}
	if len(c.out) > c.limits.MaxOutputBytes {
		return &Error{Op: "encode", Err: fmt.Errorf("%w (%d bytes queued)", ErrOutputFull, len(c.out))}
	}
	return nil
}

// Queued returns the number of bytes waiting to be sent.
func (c *Conn) Queued() int { return len(c.out) }

func (c *Conn) doWrite(fd uintptr) bool {
	nfd := len(c.outFDs)
	if nfd > MaxFDsPerSend {
		nfd = MaxFDsPerSend
	}
	data := c.out
	if nfd < len(c.outFDs) && c.fdStart[nfd] > 0 {
		data = data[:c.fdStart[nfd]]
	}
	var oob []byte
	if nfd > 0 {
		oob = c.soob[:unix.CmsgSpace(nfd*4)]
		clear(oob)
		hdr := unix.SizeofCmsghdr
		l := unix.CmsgLen(nfd * 4)
		if hdr == 16 {
			binary.NativeEndian.PutUint64(oob, uint64(l))
		} else {
			binary.NativeEndian.PutUint32(oob, uint32(l))
		}
		binary.NativeEndian.PutUint32(oob[hdr-8:], unix.SOL_SOCKET)
		binary.NativeEndian.PutUint32(oob[hdr-4:], unix.SCM_RIGHTS)
		for i := 0; i < nfd; i++ {
			binary.NativeEndian.PutUint32(oob[unix.CmsgLen(0)+4*i:], uint32(c.outFDs[i]))
		}
	}
	for {
		n, err := uapi.Sendmsg(int(fd), data, oob, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		c.wn, c.werr = n, err
		if err == nil && nfd > 0 {
			for i := 0; i < nfd; i++ {
				unix.Close(c.outFDs[i])
			}
			c.outFDs = append(c.outFDs[:0], c.outFDs[nfd:]...)
			c.fdStart = append(c.fdStart[:0], c.fdStart[nfd:]...)
		}
		if err == nil {
			for i := range c.fdStart {
				c.fdStart[i] -= n
				if c.fdStart[i] < 0 {
					c.fdStart[i] = 0
				}
			}
		}
		return true
	}
}

// Flush sends queued output without blocking. It returns ErrWouldBlock
// when the socket is full and output remains; wait with WaitWritable.
func (c *Conn) Flush() error {
	for len(c.out) > 0 || len(c.outFDs) > 0 {
		if c.closed {
			return ErrClosed
		}
		if err := c.raw.Write(c.writeFn); err != nil {
			return &Error{Op: "sendmsg", Err: err}
		}
		if c.werr == unix.EAGAIN {
			return ErrWouldBlock
		}
		if c.werr != nil {
			if c.werr == unix.EPIPE || c.werr == unix.ECONNRESET {
				return ErrClosed
			}
			return &Error{Op: "sendmsg", Err: c.werr}
		}
		c.out = c.out[:copy(c.out, c.out[c.wn:])]
	}
	return nil
}

// Shutdown shuts the socket down in both directions, so that a goroutine
// blocked in Fill returns ErrClosed. Safe to call concurrently.
func (c *Conn) Shutdown() {
	c.raw.Control(func(fd uintptr) { unix.Shutdown(int(fd), unix.SHUT_RDWR) })
}

// Close closes the socket and every descriptor still held.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	for {
		n := c.inFDs.pop()
		if n < 0 {
			break
		}
		unix.Close(n)
	}
	for _, n := range c.outFDs {
		unix.Close(n)
	}
	c.outFDs = nil
	return c.sock.Close()
}

// fdRing is a bounded FIFO of received descriptors.
type fdRing struct {
	buf     []int
	head, n int
	max     int
}

func (r *fdRing) push(fd int) bool {
	if r.n >= r.max {
		return false
	}
	if r.n == len(r.buf) {
		nb := make([]int, max(8, 2*len(r.buf)))
		for i := 0; i < r.n; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = fd
	r.n++
	return true
}

func (r *fdRing) pop() int {
	if r.n == 0 {
		return -1
	}
	fd := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return fd
}

// FlushBlocking sends the queued output, waiting on the poller while the
// socket is full. Each attempt runs with mu held (the owner's lock that
// serialises all other Conn use); done runs, also under mu, once the queue
// is empty. Other goroutines must not call Flush meanwhile.
func (c *Conn) FlushBlocking(mu interface {
	Lock()
	Unlock()
}, done func()) error {
	var ferr error
	err := c.raw.Write(func(fd uintptr) bool {
		mu.Lock()
		defer mu.Unlock()
		for len(c.out) > 0 || len(c.outFDs) > 0 {
			if c.closed {
				ferr = ErrClosed
				return true
			}
			c.doWrite(fd)
			if c.werr == unix.EAGAIN {
				return false
			}
			if c.werr != nil {
				ferr = &Error{Op: "sendmsg", Err: c.werr}
				return true
			}
			c.out = c.out[:copy(c.out, c.out[c.wn:])]
		}
		done()
		return true
	})
	if err != nil {
		return &Error{Op: "sendmsg", Err: err}
	}
	return ferr
}
