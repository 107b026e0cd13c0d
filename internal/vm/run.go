package vm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config describes one run of a command in the VM.
type Config struct {
	Kernel string   // path to bzImage (scripts/kernel/build prints it)
	Init   string   // path to the static vminit binary
	Args   []string // the command and its arguments
	Dir    string   // working directory; its module root is shared read-write
	Env    []string // environment for the command; nil means os.Environ()

	GPU    bool     // add a virtio-gpu device (a second display device)
	Append []string // extra kernel command line arguments
	Shares []string // extra host directories shared read-write at the same path

	WorkDir  string        // where per-run directories are made; default os.TempDir()
	GoCache  string        // guest GOCACHE (shared read-write); empty: a tmpfs one
	Accel    string        // "kvm", "tcg" or "" to detect
	MemoryMB int           // guest memory; default 3072
	CPUs     int           // virtual CPUs; default 2
	Timeout  time.Duration // default 20 minutes

	Stdout, Stderr io.Writer // the command's output; default os.Stdout/os.Stderr
	Console        io.Writer // if set, receives the kernel console as it comes
	Log            io.Writer // runner's own messages (boot summary); nil: none
}

// Result is what a run produced.
type Result struct {
	ExitCode      int           // the command's exit status
	KernelRelease string        // uname -r of the guest
	Accel         string        // the accelerator used
	Elapsed       time.Duration // from QEMU start to its exit
	Console       string        // the tail of the kernel console
}

// ErrGuestDied reports a guest that ended without the command's exit status
// (kernel panic, init failure, timeout).
var ErrGuestDied = errors.New("vm: guest ended without reporting an exit status")

// Run boots the VM, runs the command and returns its exit status.
func Run(ctx context.Context, c Config) (*Result, error) {
	if len(c.Args) == 0 {
		return nil, errors.New("vm: no command")
	}
	for _, p := range []struct{ what, path string }{{"kernel", c.Kernel}, {"init", c.Init}} {
		if _, err := os.Stat(p.path); err != nil {
			return nil, fmt.Errorf("vm: %s image: %w", p.what, err)
		}
	}
	if _, err := exec.LookPath(qemuBinary); err != nil {
		return nil, fmt.Errorf("vm: %s not found (apt-get install qemu-system-x86): %w", qemuBinary, err)
	}
	if c.Dir == "" {
		c.Dir, _ = os.Getwd()
	}
	if c.Env == nil {
		c.Env = os.Environ()
	}
	if c.MemoryMB == 0 {
		c.MemoryMB = 3072
	}
	if c.CPUs == 0 {
		c.CPUs = 2
	}
	if c.Timeout == 0 {
		c.Timeout = 20 * time.Minute
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Accel == "" {
		c.Accel = DetectAccel()
		if c.Accel == "kvm" {
			res, err := run(ctx, c)
			// Some hosts expose a /dev/kvm that cannot run a stock guest
			// (QEMU aborts, or the guest dies before init): fall back to
			// TCG when the guest never reached init.
			if err != nil && errors.Is(err, ErrGuestDied) && res != nil && res.KernelRelease == "" && ctx.Err() == nil {
				if c.Log != nil {
					fmt.Fprintf(c.Log, "scanout-vm: KVM guest died before init; retrying with TCG\n")
				}
				c.Accel = "tcg"
				return run(ctx, c)
			}
			return res, err
		}
	}
	return run(ctx, c)
}

const qemuBinary = "qemu-system-x86_64"

// kvmBootDeadline bounds how long a KVM guest may take to reach init before
// Run gives up on KVM (a stock guest boots in about a second there).
const kvmBootDeadline = 30 * time.Second

func run(ctx context.Context, c Config) (*Result, error) {
	qemu, err := exec.LookPath(qemuBinary)
	if err != nil {
		return nil, err
	}

	removeStale(c.WorkDir)
	xfer, err := os.MkdirTemp(c.WorkDir, "scanout-vm-")
	if err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}
	defer os.RemoveAll(xfer)

	shares := []string{xfer, moduleRoot(c.Dir)}
	if c.GoCache != "" {
		if err := os.MkdirAll(c.GoCache, 0o755); err != nil {
			return nil, fmt.Errorf("vm: guest go cache: %w", err)
		}
		shares = append(shares, c.GoCache)
	}
	shares = append(shares, c.Shares...)
	shares = dedupeShares(shares)

	spec := Spec{
		Args:   c.Args,
		Dir:    c.Dir,
		Env:    guestEnv(c.Env, c.GoCache, xfer, c.GPU),
		Stdout: filepath.Join(xfer, "stdout"),
		Stderr: filepath.Join(xfer, "stderr"),
		Exit:   filepath.Join(xfer, "exit"),
	}
	for i, s := range shares {
		spec.Shares = append(spec.Shares, Share{Tag: fmt.Sprintf("share%d", i), Path: s})
	}
	for _, f := range []string{spec.Stdout, spec.Stderr} {
		if err := os.WriteFile(f, nil, 0o666); err != nil {
			return nil, fmt.Errorf("vm: %w", err)
		}
	}
	specPath := filepath.Join(xfer, "spec.json")
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(specPath, b, 0o644); err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}

	args := qemuArgs(c, spec, specPath)
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, args...)
	cmd.Stdin = nil
	cons := &tailBuffer{max: 256 << 10, also: c.Console}
	cmd.Stdout = cons
	cmd.Stderr = cons
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vm: starting %s: %w", qemu, err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); follow(spec.Stdout, c.Stdout, stop) }()
	go func() { defer wg.Done(); follow(spec.Stderr, c.Stderr, stop) }()
	if c.Accel == "kvm" {
		// A KVM that cannot run this guest may hang rather than fail; give
		// init a deadline so Run can fall back to TCG.
		go func() {
			deadline := time.Now().Add(kvmBootDeadline)
			for time.Now().Before(deadline) {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := os.Stat(filepath.Join(xfer, "uname")); err == nil {
					return
				}
			}
			cmd.Process.Kill()
		}()
	}
	qerr := cmd.Wait()
	close(stop)
	wg.Wait()

	res := &Result{Accel: c.Accel, Elapsed: time.Since(start), Console: cons.String()}
	if rel, err := os.ReadFile(filepath.Join(xfer, "uname")); err == nil {
		res.KernelRelease = strings.TrimSpace(string(rel))
	}
	if c.Log != nil {
		fmt.Fprintf(c.Log, "scanout-vm: guest kernel %s, accel %s, %d CPUs, %s: %.1fs\n",
			res.KernelRelease, res.Accel, c.CPUs, strings.Join(c.Args[:1], " "), res.Elapsed.Seconds())
	}
	exitText, err := os.ReadFile(spec.Exit)
	if err != nil {
		why := "no exit status"
		if ctx.Err() != nil {
			why = fmt.Sprintf("timed out after %s", c.Timeout)
		} else if qerr != nil {
			why = qerr.Error()
		}
		return res, fmt.Errorf("%w (%s); kernel console:\n%s", ErrGuestDied, why, res.Console)
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(exitText)))
	if err != nil {
		return res, fmt.Errorf("vm: bad exit status %q", exitText)
	}
	res.ExitCode = code
	return res, nil
}

// removeStale deletes transfer directories of runs that were killed before
// they could clean up: anything older than every possible live run (the
// longest timeout is well under a day).
func removeStale(dir string) {
	if dir == "" {
		dir = os.TempDir()
	}
	old, _ := filepath.Glob(filepath.Join(dir, "scanout-vm-*"))
	for _, p := range old {
		if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > 24*time.Hour {
			os.RemoveAll(p)
		}
	}
}

// DetectAccel returns "kvm" when /dev/kvm is usable by a stock guest, else
// "tcg". The software hypervisor some of these machines expose as /dev/kvm
// (kvm_pvm) cannot run a stock kernel. SCANOUT_VM_ACCEL overrides.
func DetectAccel() string {
	if a := os.Getenv("SCANOUT_VM_ACCEL"); a != "" {
		return a
	}
	if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil {
		return "tcg"
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return "tcg"
	}
	f.Close()
	return "kvm"
}

func qemuArgs(c Config, spec Spec, specPath string) []string {
	cmdline := []string{
		"console=ttyS0", "quiet", "panic=-1", "cma=64M",
		// Under TCG on a loaded host the IO-APIC timer check can fail and
		// panic the guest; the check proves nothing about a virtual timer.
		"no_timer_check",
		"vkms.enable_writeback=1", "vkms.enable_overlay=1", "vkms.enable_cursor=1",
		"root=/dev/root", "rootfstype=9p",
		"rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose", "ro",
		"init=" + c.Init, SpecParam + "=" + specPath,
	}
	cmdline = append(cmdline, c.Append...)
	a := []string{
		"-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio",
		"-m", strconv.Itoa(c.MemoryMB), "-smp", strconv.Itoa(c.CPUs),
		"-kernel", c.Kernel, "-append", strings.Join(cmdline, " "),
		"-fsdev", "local,id=rootfs,path=/,security_model=none,readonly=on,multidevs=remap",
		"-device", "virtio-9p-pci,fsdev=rootfs,mount_tag=/dev/root",
	}
	if c.Accel == "kvm" {
		a = append(a, "-accel", "kvm", "-cpu", "host")
	} else {
		a = append(a, "-accel", "tcg,thread=multi", "-cpu", "max")
	}
	for _, s := range spec.Shares {
		a = append(a,
			"-fsdev", fmt.Sprintf("local,id=%s,path=%s,security_model=none,multidevs=remap", s.Tag, s.Path),
			"-device", fmt.Sprintf("virtio-9p-pci,fsdev=%s,mount_tag=%s", s.Tag, s.Tag))
	}
	if c.GPU {
		a = append(a, "-device", "virtio-gpu-pci")
	}
	return a
}

func guestEnv(env []string, gocache, xfer string, gpu bool) []string {
	drop := map[string]bool{
		"HOME": true, "TMPDIR": true, "XDG_RUNTIME_DIR": true, "GOCACHE": true,
		"GOTMPDIR": true, "GOPROXY": true, "GOTOOLCHAIN": true, "SCANOUT_IN_VM": true,
		"SCANOUT_VM_GPU":  true,
		"WAYLAND_DISPLAY": true, "DISPLAY": true, "GOFLAGS": false,
	}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	if gocache == "" {
		gocache = "/run/home/.cache/go-build"
	}
	// HOME moves to a tmpfs; keep Go finding the host's module cache.
	var gopath, modcache string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOPATH="); ok {
			gopath = v
		}
		if v, ok := strings.CutPrefix(kv, "GOMODCACHE="); ok {
			modcache = v
		}
	}
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
		out = append(out, "GOPATH="+gopath)
	}
	if modcache == "" {
		out = append(out, "GOMODCACHE="+filepath.Join(strings.Split(gopath, ":")[0], "pkg", "mod"))
	}
	g := "0"
	if gpu {
		g = "1"
	}
	return append(out, "SCANOUT_VM_GPU="+g,
		"HOME=/run/home", "TMPDIR=/tmp", "XDG_RUNTIME_DIR=/run/user/0",
		"GOCACHE="+gocache, "GOPROXY=off", "GOTOOLCHAIN=local",
		"SCANOUT_IN_VM=1", "SCANOUT_VM_XFER="+xfer)
}

// moduleRoot returns the directory holding go.mod above dir, or dir.
func moduleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			return dir
		}
		d = p
	}
}

// dedupeShares drops shares contained in another share.
func dedupeShares(in []string) []string {
	var out []string
	for i, p := range in {
		p = filepath.Clean(p)
		inner := false
		for j, q := range in {
			q = filepath.Clean(q)
			if i != j && (strings.HasPrefix(p, q+"/") || (p == q && j < i)) {
				inner = true
			}
		}
		if !inner {
			out = append(out, p)
		}
	}
	return out
}

// follow copies what is appended to path to w until stop is closed, then
// drains what is left.
func follow(path string, w io.Writer, stop <-chan struct{}) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	drain := func() {
		for {
			n, _ := f.Read(buf)
			if n <= 0 {
				return
			}
			w.Write(buf[:n])
		}
	}
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			drain()
			return
		case <-t.C:
			drain()
		}
	}
}

// tailBuffer keeps the last max bytes written and forwards to also.
type tailBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	max  int
	also io.Writer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.also != nil {
		t.also.Write(p)
	}
	t.buf.Write(p)
	if t.buf.Len() > t.max {
		b := t.buf.Bytes()[t.buf.Len()-t.max:]
		nb := append([]byte(nil), b...)
		t.buf.Reset()
		t.buf.Write(nb)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
