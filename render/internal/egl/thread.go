//go:build gl && cgo

package egl

import (
	"runtime"
	"sync"
)

// Thread is one goroutine locked to its OS thread for its whole life: the
// thread an EGL context is current on. Every GL and EGL call of a renderer
// goes through Do.
type Thread struct {
	mu    sync.Mutex
	calls chan func()
	done  chan struct{}
	quit  chan struct{}
	once  sync.Once
}

// NewThread starts the thread.
func NewThread() *Thread {
	t := &Thread{calls: make(chan func()), done: make(chan struct{}), quit: make(chan struct{})}
	go t.loop()
	return t
}

func (t *Thread) loop() {
	runtime.LockOSThread()
	// Never unlocked: a thread that had a context current is dropped
	// with the goroutine rather than reused by other goroutines.
	for {
		select {
		case fn := <-t.calls:
			fn()
			t.done <- struct{}{}
		case <-t.quit:
			return
		}
	}
}

// Do runs fn on the thread and waits for it. Calls from several
// goroutines are serialised. fn must not call Do.
func (t *Thread) Do(fn func()) {
	t.mu.Lock()
	t.calls <- fn
	<-t.done
	t.mu.Unlock()
}

// Stop ends the thread (its OS thread exits). Idempotent; Do must not be
// called afterwards.
func (t *Thread) Stop() {
	t.once.Do(func() {
		t.mu.Lock()
		close(t.quit)
		t.mu.Unlock()
	})
}
