// Package cbench holds C counterparts of the allocators' hot paths — the
// same system calls and ioctls, in the same order, written in C — so the
// benchmarks can report how far the Go code is from raw C
// (b.ReportMetric(go_ns/c_ns, "x_c")). It needs cgo; without cgo
// Available is false and the benchmarks report no ratio.
package cbench
