package testenv

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-scanout/scanout/internal/fd"
)

// Options tune Main.
type Options struct {
	// AllowFD reports descriptors that may stay open (for example what
	// Mesa's EGL keeps for the life of the process). It receives the
	// readlink target of /proc/self/fd/N.
	AllowFD func(target string) bool
}

// Main runs the tests of a package and fails the binary if descriptors
// opened while they ran are still open afterwards. Use it as
//
//	func TestMain(m *testing.M) { testenv.Main(m, nil) }
func Main(m *testing.M, opts *Options) {
	if opts == nil {
		opts = &Options{}
	}
	fd.Trace()
	// Initialise the runtime poller now, so its epoll and eventfd
	// descriptors are part of the baseline rather than reported as leaks.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	before := openFDs()
	code := m.Run()
	if code == 0 {
		var leaks []string
		// Give goroutines that are closing things a moment.
		for i := 0; i < 20; i++ {
			leaks = findLeaks(before, opts)
			if len(leaks) == 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: %d file descriptor(s) leaked by the tests:\n%s", len(leaks), strings.Join(leaks, ""))
			code = 1
		}
	}
	os.Exit(code)
}

func findLeaks(before map[int]string, opts *Options) []string {
	traced := map[int]fd.Leak{}
	for _, l := range fd.Live() {
		traced[l.Num] = l
	}
	now := openFDs()
	var nums []int
	for n, target := range now {
		if b, ok := before[n]; ok && b == target {
			continue
		}
		if opts.AllowFD != nil && opts.AllowFD(target) {
			continue
		}
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var out []string
	for _, n := range nums {
		s := fmt.Sprintf("  fd %d -> %s\n", n, now[n])
		if l, ok := traced[n]; ok {
			s += fmt.Sprintf("    opened as %q at:\n%s\n", l.Name, indent(l.Stack))
		} else {
			s += "    (not opened through internal/fd; no stack recorded)\n"
		}
		out = append(out, s)
	}
	return out
}

func openFDs() map[int]string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	m := map[int]string{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		t, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // the descriptor ReadDir itself used
		}
		m[n] = t
	}
	return m
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = "      " + l
	}
	return strings.Join(lines, "\n")
}
