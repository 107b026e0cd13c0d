// Package protocol is the server side of the Wayland protocol: the wire
// layer, code generated from the vendored protocol XML files, and the
// standard globals with their double-buffered state.
package protocol

//go:generate go run ./internal/gen -xml xml -out .
