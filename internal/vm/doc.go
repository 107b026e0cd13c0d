// Package vm boots scanout's test kernel under QEMU and runs one command
// inside it.
//
// The guest's root filesystem is the host's, shared read-only over
// virtio-9p, so the host's Go toolchain, cgo binaries, Mesa and Debian's
// tools all work in the guest. The working directory's module root (the
// checkout) and a few result directories are shared read-write at the same
// paths. A small Go program (cmd/vminit) runs as PID 1: it mounts proc, sysfs,
// debugfs, devpts and tmpfs on /tmp, /run and /dev/shm (HOME is /run/home;
// /root stays the host's, read-only, with its Go module cache), mounts the
// shares, runs the command with its arguments, working directory and
// environment, writes its exit status to a shared file and reboots, which
// ends QEMU (-no-reboot). The command's stdout and stderr are files in a
// shared directory that the host side streams while the guest runs; the
// kernel console is kept and shown when the guest dies.
//
// The root share is mounted with cache=loose: with cache=none, Go binaries
// never get past their first page faults (verified on this 6.12 kernel), and
// the root is read-only for the life of the guest anyway. The read-write
// shares use cache=mmap, so what the guest writes reaches the host at once.
//
// KVM is used only where it really works (not on the software hypervisor
// detected through /sys/module/kvm_pvm); otherwise TCG with one thread per
// virtual CPU. When KVM was chosen automatically but the guest dies or hangs
// before init (30 s), the run is repeated under TCG.
//
// Entry points: scripts/vm runs a command, scripts/vmtest runs go test with
// this runner as -exec.
package vm
