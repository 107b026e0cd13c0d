package core

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/protocol/wire"
)

// Options configure a Display. A nil *Options means the defaults.
type Options struct {
	// Limits bound what each client may make the server hold.
	Limits wire.Limits
	// Log receives one line per abnormal client disconnection; nil is
	// silent.
	Log func(format string, args ...any)
	// ClientCreated runs (under the lock) for every new client before its
	// first request is dispatched.
	ClientCreated func(*Client)
}

// Display is a Wayland server: its globals, its clients, its sockets.
type Display struct {
	mu        sync.Mutex
	opts      Options
	globals   []*Global
	nextName  uint32
	clients   map[*Client]struct{}
	listeners []*net.UnixListener
	lockFiles []*os.File
	paths     []string
	serial    uint32
	closed    bool
	wg        sync.WaitGroup
}

// NewDisplay returns a Display with no globals and no sockets.
func NewDisplay(opts *Options) *Display {
	d := &Display{clients: map[*Client]struct{}{}}
	if opts != nil {
		d.opts = *opts
	}
	d.opts.Limits = d.opts.Limits.WithDefaults()
	return d
}

// Do runs f with the display lock held and then flushes output queued for
// clients. It is how code outside the request handlers (backends, timers)
// touches compositor state. Never call it from a handler or listener.
func (d *Display) Do(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
	d.flushLocked()
}

func (d *Display) flushLocked() {
	for c := range d.clients {
		c.flush()
	}
}

// Lock takes the display lock, for callers that need to hold it across
// several steps; prefer Do.
func (d *Display) Lock() { d.mu.Lock() }

// Unlock flushes queued events to clients and releases the lock.
func (d *Display) Unlock() { d.flushLocked(); d.mu.Unlock() }

// NextSerial returns a new event serial. Call it with the lock held.
func (d *Display) NextSerial() uint32 {
	d.serial++
	return d.serial
}

// Clients returns the connected clients. Call it with the lock held.
func (d *Display) Clients() []*Client {
	out := make([]*Client, 0, len(d.clients))
	for c := range d.clients {
		out = append(out, c)
	}
	return out
}

// Listen creates the listening socket name in $XDG_RUNTIME_DIR (name may
// also be an absolute path), guarded by a name.lock file as libwayland
// does, and serves it in the background. It returns the socket's path.
func (d *Display) Listen(name string) (string, error) {
	path := name
	if !filepath.IsAbs(name) {
		dir := os.Getenv("XDG_RUNTIME_DIR")
		if dir == "" {
			return "", fmt.Errorf("wayland: listen %q: XDG_RUNTIME_DIR is not set; set it to a private directory such as /run/user/$UID", name)
		}
		path = filepath.Join(dir, name)
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o660)
	if err != nil {
		return "", fmt.Errorf("wayland: listen %s: lock file: %w", path, err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		return "", fmt.Errorf("wayland: listen %s: another compositor holds %s.lock: %w", path, path, err)
	}
	os.Remove(path) // stale socket of a dead compositor (we hold the lock)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		lock.Close()
		return "", fmt.Errorf("wayland: listen %s: %w", path, err)
	}
	l.SetUnlinkOnClose(true)
	d.mu.Lock()
	d.listeners = append(d.listeners, l)
	d.lockFiles = append(d.lockFiles, lock)
	d.paths = append(d.paths, path+".lock")
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.serve(l)
	}()
	return path, nil
}

func (d *Display) serve(l *net.UnixListener) {
	for {
		conn, err := l.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if d.opts.Log != nil {
				d.opts.Log("wayland: accept: %v", err)
			}
			continue
		}
		if _, err := d.AddClient(conn); err != nil && d.opts.Log != nil {
			d.opts.Log("wayland: %v", err)
		}
	}
}

// AddClient serves an already connected socket (from socketpair, or a
// WAYLAND_SOCKET hand-over). The Display takes ownership of conn.
func (d *Display) AddClient(conn *net.UnixConn) (*Client, error) {
	wc, err := wire.NewConn(conn, d.opts.Limits)
	if err != nil {
		return nil, err
	}
	c := &Client{d: d, conn: wc, free: make([]*Resource, 0, 16), maxObjects: d.opts.Limits.MaxObjects, wake: make(chan struct{}, 1), writerEnd: make(chan struct{})}
	c.pid, c.uid, c.gid, _ = wc.PeerCredentials()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		wc.Close()
		return nil, errors.New("wayland: display closed")
	}
	c.objects = make([]*Resource, 1, 16)
	c.displayRes, _ = c.newResource(1, DisplayInterface, 1)
	c.displayRes.handler = c
	d.clients[c] = struct{}{}
	if d.opts.ClientCreated != nil {
		d.opts.ClientCreated(c)
	}
	d.wg.Add(1)
	d.mu.Unlock()
	go c.writer()
	go c.reader()
	return c, nil
}

// Close stops listening, disconnects every client and waits for their
// goroutines to finish.
func (d *Display) Close() error {
	d.mu.Lock()
	d.closed = true
	for _, l := range d.listeners {
		l.Close()
	}
	for _, f := range d.lockFiles {
		f.Close()
	}
	for _, p := range d.paths {
		os.Remove(p)
	}
	d.listeners, d.lockFiles, d.paths = nil, nil, nil
	for c := range d.clients {
		c.kill(nil)
	}
	d.mu.Unlock()
	d.wg.Wait()
	return nil
}
