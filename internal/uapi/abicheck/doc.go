// Package abicheck compares scanout's Go declarations of kernel structures
// and ioctl numbers (package uapi) with the C headers from linux-libc-dev and
// libdrm-dev, through cgo. It is built only with the abicheck build tag:
//
//	go test -tags abicheck ./internal/uapi/abicheck
//
// Each *_cgo.go file lists, for one header family, the C sizes and field
// offsets (macros ABI_SIZE and ABI_FIELD from abicheck.h), the ioctl numbers
// (ABI_IOCTL), and the Go types they correspond to. The test fails on any
// difference, on a Go field without a C counterpart, and on an ioctl that
// package uapi registers but no file here checks.
package abicheck
