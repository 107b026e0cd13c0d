// Package core is the Wayland server core: the display with its listening
// socket, clients and their object maps, resources with destroy listeners,
// the registry of globals with version negotiation, delete_id, protocol
// errors, and the event loop.
//
// # Concurrency model
//
// Compositor state is single-threaded by a lock: every request handler,
// every destroy listener, and every bind callback runs with the Display's
// lock held, one at a time. Code outside (a backend completing a frame, a
// timer) enters with Display.Do, which takes the same lock; handlers must
// not call Do. Each client has one goroutine that waits on Go's runtime
// poller for input and then dispatches everything it read under the lock,
// and one goroutine that is woken only when the client's socket is full
// and waits for it to drain. Output is written without blocking; a client
// that stops reading is disconnected once its queued output exceeds
// wire.Limits.MaxOutputBytes.
//
// # Objects
//
// Interfaces are described by *Interface values, normally generated from
// protocol XML (see protocol/internal/gen). A Resource is one object of a
// client; its handler (set with SetHandler) receives the requests through
// the interface's generated dispatcher. Requests newer than the object's
// version are protocol errors; generated event senders refuse events newer
// than the object's version.
package core
