package fd

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func pipe(t *testing.T) (*FD, *FD) {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	r, err := New(p[0], "pipe-r")
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(p[1], "pipe-w")
	if err != nil {
		t.Fatal(err)
	}
	return r, w
}

func TestCloseIsIdempotent(t *testing.T) {
	r, w := pipe(t)
	defer w.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := r.Control(func(int) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Control after Close: %v, want ErrClosed", err)
	}
	var nilFD *FD
	if nilFD.Close() != nil || !nilFD.Closed() {
		t.Fatal("nil FD must be closed")
	}
}

func TestDupIsIndependent(t *testing.T) {
	r, w := pipe(t)
	defer r.Close()
	w2, err := w.Dup()
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := w2.Control(func(n int) error { _, err := unix.Write(n, []byte("x")); return err }); err != nil {
		t.Fatalf("write through dup after closing the original: %v", err)
	}
	w2.Close()
}

func TestDisownHandsOverTheDescriptor(t *testing.T) {
	r, w := pipe(t)
	defer r.Close()
	n, err := w.Disown()
	if err != nil {
		t.Fatal(err)
	}
	if !w.Closed() || w.Close() != nil {
		t.Fatal("FD still open after Disown")
	}
	if _, err := unix.Write(n, []byte("x")); err != nil {
		t.Fatalf("disowned descriptor unusable: %v", err)
	}
	unix.Close(n)
	if _, err := w.Disown(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Disown: %v", err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	r, w := pipe(t)
	defer w.Close()
	if err := r.SetNonblock(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- r.Read(func(n int) bool {
			var b [1]byte
			_, err := unix.Read(n, b[:])
			return err != unix.EAGAIN
		})
	}()
	time.Sleep(50 * time.Millisecond)
	r.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Read after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
}

func TestReadWaitsOnPoller(t *testing.T) {
	r, w := pipe(t)
	defer r.Close()
	defer w.Close()
	r.SetNonblock()
	go func() {
		time.Sleep(30 * time.Millisecond)
		w.Control(func(n int) error { _, err := unix.Write(n, []byte("ok")); return err })
	}()
	var got []byte
	err := r.Read(func(n int) bool {
		b := make([]byte, 8)
		k, err := unix.Read(n, b)
		if err == unix.EAGAIN {
			return false
		}
		got = b[:k]
		return true
	})
	if err != nil || string(got) != "ok" {
		t.Fatalf("Read: %q, %v", got, err)
	}
}

func TestOpenAddsCloexecAndNamesPath(t *testing.T) {
	d, err := Open("/dev/null", unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var flags int
	d.Control(func(n int) error { flags, err = unix.FcntlInt(uintptr(n), unix.F_GETFD, 0); return err })
	if flags&unix.FD_CLOEXEC == 0 {
		t.Error("descriptor lacks FD_CLOEXEC")
	}
	_, err = Open("/nonexistent/dev", unix.O_RDWR)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "/nonexistent/dev") {
		t.Fatalf("Open error %v does not name the path or unwrap to ENOENT", err)
	}
}

func TestTraceReportsLiveFDs(t *testing.T) {
	Trace()
	r, w := pipe(t)
	found := 0
	for _, l := range Live() {
		if (l.Name == "pipe-r" || l.Name == "pipe-w") && strings.Contains(l.Stack, "TestTraceReportsLiveFDs") {
			found++
		}
	}
	r.Close()
	w.Close()
	if found != 2 {
		t.Fatalf("Live reported %d of the 2 open pipe ends with their stacks", found)
	}
	for _, l := range Live() {
		if l.Name == "pipe-r" || l.Name == "pipe-w" {
			t.Fatal("closed FD still reported live")
		}
	}
}

// TestReadDoesNotAllocate guards the frame loop, which waits for page-flip
// events through Read every frame.
func TestReadDoesNotAllocate(t *testing.T) {
	r, w := pipe(t)
	defer r.Close()
	defer w.Close()
	if err := r.SetNonblock(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	fn := func(n int) bool { _, err := unix.Read(n, buf); return err != unix.EAGAIN }
	one := []byte{1}
	allocs := testing.AllocsPerRun(50, func() {
		w.Control(func(n int) error { _, err := unix.Write(n, one); return err })
		if err := r.Read(fn); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Read allocated %.1f objects per call, want 0", allocs)
	}
}
