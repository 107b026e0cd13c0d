package cbench

import (
	"testing"
	"time"
)

// Report runs the C counterpart c for b.N iterations after the Go loop has
// run, and reports go_ns/c_ns as "x_c" and the C time as "c_ns/op". goTime
// is the Go loop's duration (b.Elapsed()).
func Report(b *testing.B, goTime time.Duration, c func(n int) (time.Duration, error)) {
	b.Helper()
	if !Available {
		return
	}
	b.StopTimer()
	ct, err := c(b.N)
	if err != nil {
		b.Fatalf("C counterpart: %v", err)
	}
	if ct <= 0 {
		return
	}
	b.ReportMetric(float64(ct.Nanoseconds())/float64(b.N), "c_ns/op")
	b.ReportMetric(float64(goTime)/float64(ct), "x_c")
}
