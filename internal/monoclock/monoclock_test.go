package monoclock

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

func kernelNow(t *testing.T) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

// Now must agree with the kernel's CLOCK_MONOTONIC: it lies between two
// kernel readings taken around it (with a small slack for the start-up
// bracket's rounding).
func TestAgreesWithKernel(t *testing.T) {
	const slack = 50 * time.Microsecond
	for i := 0; i < 1000; i++ {
		k1 := kernelNow(t)
		n := Now()
		k2 := kernelNow(t)
		if n < k1-slack || n > k2+slack {
			t.Fatalf("Now() = %v, kernel read %v before and %v after", n, k1, k2)
		}
	}
}

func TestMonotonicAndAllocationFree(t *testing.T) {
	prev := Now()
	if a := testing.AllocsPerRun(1000, func() {
		n := Now()
		if n < prev {
			t.Fatalf("went backwards: %v after %v", n, prev)
		}
		prev = n
	}); a != 0 {
		t.Fatalf("Now allocates %v times", a)
	}
}

func BenchmarkNow(b *testing.B) {
	for b.Loop() {
		_ = Now()
	}
}

func BenchmarkClockGettimeSyscall(b *testing.B) {
	var ts unix.Timespec
	for b.Loop() {
		_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	}
}

func TestTimerNeverFiresEarly(t *testing.T) {
	tm, err := NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	for i := 0; i < 20; i++ {
		at := Now() + time.Duration(i%4)*time.Millisecond
		if err := tm.ArmAt(at); err != nil {
			t.Fatal(err)
		}
		if err := tm.Wait(); err != nil {
			t.Fatal(err)
		}
		if now := kernelNow(t); now < at {
			t.Fatalf("Wait returned at %v, before the deadline %v", now, at)
		}
	}
}

func TestTimerCloseUnblocksWait(t *testing.T) {
	tm, err := NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.ArmAt(Now() + time.Hour); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tm.Wait() }()
	time.Sleep(10 * time.Millisecond)
	tm.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Wait after Close returned nil")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Wait")
	}
}

func TestTimerAllocatesNothing(t *testing.T) {
	tm, err := NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if a := testing.AllocsPerRun(100, func() {
		if err := tm.ArmAt(Now()); err != nil {
			t.Fatal(err)
		}
		if err := tm.Wait(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("ArmAt+Wait allocate %v times", a)
	}
}
