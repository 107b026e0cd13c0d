// Package fd owns file descriptors for the rest of scanout.
//
// An *FD wraps one kernel file descriptor together with a human-readable name
// (usually the device path, such as "/dev/dri/card1", or a description such as
// "dma-buf from /dev/dma_heap/system") that every error message built on it
// repeats.
//
// Ownership: whoever holds an *FD owns the descriptor and must call Close,
// which is idempotent and safe to call from several goroutines. Dup returns a
// new, independently owned *FD; Disown hands the raw descriptor to the caller,
// after which Close does nothing. The descriptor is kept open for the duration
// of every Control callback, so a concurrent Close never closes it underneath
// an ioctl in flight.
//
// Descriptors that are waited on (DRM devices, sync_files, sockets) are
// registered with Go's runtime poller by SetNonblock: Read then blocks a
// goroutine, not a thread, and Close unblocks it. Control and Read do not
// allocate, so they can sit on a compositor's frame path.
//
// Tests enable tracing with Trace; afterwards every FD records the stack that
// created it, and Live reports those still open, which is how the leak check
// in internal/testenv names the place where a leaked descriptor was opened.
package fd
