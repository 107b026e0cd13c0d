package dmaheap

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/testenv"
)

func TestCMAExhaustionFallsBackToSystemHeap(t *testing.T) {
	sysPath := testenv.RequireHeap(t, "system")
	cmaPath := testenv.RequireHeap(t, testenv.CMAHeapNames...)
	cma, err := Open(filepath.Base(cmaPath), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cma.Close()
	sys, err := Open(filepath.Base(sysPath), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()

	// 1080p XRGB8888 buffers (8 MB each) until the 64 MiB pool is gone.
	req := allocator.Request{Width: 1920, Height: 1080, Format: allocator.XRGB8888, Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "cma-hog"}
	var hogs []*allocator.Buffer
	defer func() {
		for _, b := range hogs {
			b.Close()
		}
	}()
	var last error
	for range 64 {
		b, err := cma.Allocate(req)
		if err != nil {
			last = err
			break
		}
		hogs = append(hogs, b)
	}
	if !errors.Is(last, allocator.ErrNoMemory) || !errors.Is(last, unix.ENOMEM) {
		t.Fatalf("after %d buffers: err = %v, want ENOMEM", len(hogs), last)
	}
	if !strings.Contains(last.Error(), "DMA_HEAP_IOCTL_ALLOC") || !strings.Contains(last.Error(), "cma=<size>") {
		t.Errorf("ENOMEM error does not name the ioctl and the fix: %v", last)
	}
	t.Logf("CMA held %d buffers; then: %v", len(hogs), last)

	p := &allocator.Policy{Allocators: []allocator.Allocator{sys, cma}}
	res, err := p.Allocate(req, allocator.Hints{Prefer: []string{cma.Name()}, Reason: "test: prefer CMA"})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Buffer.Close()
	if res.Route != "dmaheap:system" {
		t.Errorf("route %s, want dmaheap:system", res.Route)
	}
	if len(res.Refused) != 1 || res.Refused[0].Route != cma.Name() || !errors.Is(res.Refused[0].Err, allocator.ErrNoMemory) {
		t.Errorf("record:\n%s", res.Explain())
	}
	t.Logf("record:\n%s", res.Explain())

	// With Contiguous required there is nowhere to fall back to.
	req.Usage |= allocator.UsageContiguous
	_, err = p.Allocate(req, allocator.Hints{})
	var nr *allocator.NoRouteError
	if !errors.As(err, &nr) || !errors.Is(err, allocator.ErrNoMemory) || !errors.Is(err, allocator.ErrUnsupportedUsage) {
		t.Errorf("contiguous request: err = %v", err)
	}
}

const childEnv = "SCANOUT_DMAHEAP_UNPRIVILEGED_CHILD"

// TestHelperUnprivileged runs only as the child of
// TestInaccessibleHeapExplainsUdevRule, as an unprivileged user.
func TestHelperUnprivileged(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("helper for TestInaccessibleHeapExplainsUdevRule")
	}
	h, err := Open("system", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p := &allocator.Policy{Allocators: []allocator.Allocator{h}}
	_, err = p.Allocate(allocator.Request{Width: 64, Height: 64, Format: allocator.XRGB8888, Usage: allocator.UsageScanout}, allocator.Hints{})
	fmt.Printf("ERROR<<%v>>\n", err)
	fmt.Printf("IS_PERMISSION=%v IS_EACCES=%v IS_NOROUTE=%v\n", errors.Is(err, allocator.ErrPermission), errors.Is(err, unix.EACCES), errors.Is(err, allocator.ErrNoRoute))
	infos, _ := List(nil)
	for _, i := range infos {
		fmt.Printf("LIST %s access=%v\n", i.Name, i.Access != nil)
	}
}

func TestInaccessibleHeapExplainsUdevRule(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		t.Skip("in the child")
	}
	testenv.RequireRoot(t)
	heap := testenv.RequireHeap(t, "system")
	var st unix.Stat_t
	if err := unix.Stat(heap, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o006 != 0 {
		t.Fatalf("%s is world-accessible (mode %04o): cannot test the refusal", heap, st.Mode&0o7777)
	}
	// Copy the test binary where the unprivileged user can run it.
	dir, err := os.MkdirTemp("", "dmaheap-perm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	exe, _ := os.Executable()
	bin := filepath.Join(dir, "dmaheap.test")
	if err := copyFile(exe, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperUnprivileged$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), childEnv+"=1", "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	s := string(out)
	t.Logf("unprivileged child:\n%s", s)
	for _, want := range []string{
		fmt.Sprintf("dmaheap:system: open heap node: open /dev/dma_heap/system: permission denied; fix: /dev/dma_heap/system exists (mode %04o, uid %d, gid %d) but uid 65534 cannot open it", st.Mode&0o7777, st.Uid, st.Gid),
		`SUBSYSTEM=="dma_heap", KERNEL=="system", GROUP="video", MODE="0660"`,
		"udevadm control --reload",
		"IS_PERMISSION=true IS_EACCES=true IS_NOROUTE=true",
		"LIST system access=true",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("child output lacks %q", want)
		}
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
