// Command vminit is PID 1 of scanout's test VM. See package
// github.com/go-scanout/scanout/internal/vm.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/vm"
)

func main() {
	code := run()
	unix.Sync()
	// -no-reboot turns a reboot into QEMU's exit.
	unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
	// Not reached unless reboot failed.
	fmt.Fprintf(os.Stderr, "vminit: reboot failed; exit status %d\n", code)
	for {
		unix.Pause()
	}
}

func console(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "vminit: "+format+"\n", args...)
}

func run() int {
	// The spec is a file of the host's tree, possibly under /tmp or /run
	// (wherever the cache lives): read it before tmpfs hides those.
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil && err != unix.EBUSY {
		console("mount proc: %v", err)
		return 125
	}
	spec, err := readSpec()
	if err != nil {
		console("%v", err)
		return 125
	}
	if err := mountBase(); err != nil {
		console("%v", err)
		return 125
	}
	code := 125
	defer func() {
		if err := os.WriteFile(spec.Exit, []byte(strconv.Itoa(code)+"\n"), 0o644); err != nil {
			console("writing exit status: %v", err)
		}
	}()
	for _, s := range spec.Shares {
		if err := os.MkdirAll(s.Path, 0o755); err != nil && !os.IsExist(err) {
			// The root is read-only: the path must exist on the host.
			console("share %s: %v", s.Path, err)
		}
		opts := "trans=virtio,version=9p2000.L,msize=512000,cache=mmap"
		if err := unix.Mount(s.Tag, s.Path, "9p", 0, opts); err != nil {
			console("mount 9p share %s at %s: %v", s.Tag, s.Path, err)
			return code
		}
	}
	if u, err := unameRelease(); err == nil {
		os.WriteFile(filepath.Join(filepath.Dir(spec.Exit), "uname"), []byte(u+"\n"), 0o644)
	}
	stdout, err := os.OpenFile(spec.Stdout, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		console("%v", err)
		return code
	}
	stderr, err := os.OpenFile(spec.Stderr, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		console("%v", err)
		return code
	}
	code = execute(spec, stdout, stderr)
	stdout.Close()
	stderr.Close()
	return code
}

func execute(spec *vm.Spec, stdout, stderr *os.File) int {
	path := spec.Args[0]
	if !strings.Contains(path, "/") {
		for _, kv := range spec.Env {
			if p, ok := strings.CutPrefix(kv, "PATH="); ok {
				os.Setenv("PATH", p)
			}
		}
		lp, err := exec.LookPath(path)
		if err != nil {
			fmt.Fprintf(stderr, "vm: %v\n", err)
			return 127
		}
		path = lp
	}
	cmd := &exec.Cmd{
		Path: path, Args: spec.Args, Dir: spec.Dir, Env: spec.Env,
		Stdin: nil, Stdout: stdout, Stderr: stderr,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			fmt.Fprintf(stderr, "vm: %s killed by signal %v\n", spec.Args[0], ws.Signal())
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	default:
		fmt.Fprintf(stderr, "vm: %v\n", err)
		return 126
	}
}

func mountBase() error {
	type m struct {
		src, dst, fstype, opts string
		flags                  uintptr
	}
	mounts := []m{
		{"sysfs", "/sys", "sysfs", "", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC},
		{"debugfs", "/sys/kernel/debug", "debugfs", "", 0},
		{"tmpfs", "/tmp", "tmpfs", "mode=1777", 0},
		{"tmpfs", "/run", "tmpfs", "mode=0755", 0},
	}
	for _, x := range mounts {
		if err := unix.Mount(x.src, x.dst, x.fstype, x.flags, x.opts); err != nil && err != unix.EBUSY {
			return fmt.Errorf("mount %s on %s: %w", x.fstype, x.dst, err)
		}
	}
	// devtmpfs is mounted by the kernel (CONFIG_DEVTMPFS_MOUNT); it is
	// writable, so the mount points below can be created.
	// HOME is /run/home, not a tmpfs over /root: the host's /root holds
	// the Go module cache, the scanout cache and this very spec.
	for _, d := range []string{"/dev/pts", "/dev/shm", "/run/user/0", "/run/home"} {
		os.MkdirAll(d, 0o755)
	}
	os.Chmod("/run/user/0", 0o700)
	if err := unix.Mount("devpts", "/dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mount devpts: %w", err)
	}
	os.Remove("/dev/ptmx")
	os.Symlink("pts/ptmx", "/dev/ptmx")
	if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	return nil
}

func readSpec() (*vm.Spec, error) {
	cmdline, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return nil, err
	}
	var path string
	for _, f := range strings.Fields(string(cmdline)) {
		if v, ok := strings.CutPrefix(f, vm.SpecParam+"="); ok {
			path = v
		}
	}
	if path == "" {
		return nil, fmt.Errorf("no %s= on the kernel command line", vm.SpecParam)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	var s vm.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parsing spec %s: %w", path, err)
	}
	if len(s.Args) == 0 {
		return nil, fmt.Errorf("spec %s: no command", path)
	}
	return &s, nil
}

func unameRelease() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", err
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}
