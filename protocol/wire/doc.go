// Package wire is the Wayland wire format: message framing, argument
// codecs (int, uint, fixed, string, object, new_id, array, fd), file
// descriptor passing with SCM_RIGHTS in both directions, buffering, and the
// per-connection limits that protect a server from its clients.
//
// A message is a header of two 32-bit words in host byte order (the
// sender's object id; the message size in bytes in the upper 16 bits and
// the opcode in the lower 16) followed by 32-bit aligned arguments. File
// descriptors travel out of band, in the ancillary data of the socket, in
// the order of the fd arguments of the messages.
//
// A Conn owns one connected Unix socket. Its reads wait on Go's runtime
// poller; Flush never blocks (it reports ErrWouldBlock, and the owner then
// lets a goroutine wait in FlushBlocking). A Conn is not safe for concurrent use:
// the server serialises every call for one client.
//
// Decoding and encoding allocate nothing in steady state: a Decoder reads
// arguments in place from the Conn's input buffer (strings and arrays
// alias it and are valid only until the next Fill), and an Encoder appends
// to the Conn's output buffer.
package wire
