// Command vmrun runs one command inside scanout's test VM and exits with
// its exit status. scripts/vm and scripts/vmtest call it; see those scripts
// and package github.com/go-scanout/scanout/internal/vm.
//
//	vmrun -kernel bzImage -init vminit [-gpu] [-append ARGS] [-share DIR]... -- CMD [ARGS...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-scanout/scanout/internal/vm"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var c vm.Config
	var shares multi
	var appendArgs string
	var console, quiet bool
	flag.StringVar(&c.Kernel, "kernel", "", "path to the guest bzImage")
	flag.StringVar(&c.Init, "init", "", "path to the static vminit binary")
	flag.BoolVar(&c.GPU, "gpu", false, "add a virtio-gpu device")
	flag.StringVar(&appendArgs, "append", os.Getenv("SCANOUT_VM_APPEND"), "extra kernel command line arguments")
	flag.Var(&shares, "share", "extra host directory shared read-write at the same path (repeatable)")
	flag.StringVar(&c.GoCache, "gocache", "", "guest GOCACHE directory on the host (shared read-write)")
	flag.StringVar(&c.WorkDir, "workdir", "", "directory for per-run transfer directories")
	flag.DurationVar(&c.Timeout, "timeout", 20*time.Minute, "kill the VM after this long")
	flag.IntVar(&c.MemoryMB, "memory", 3072, "guest memory in MiB")
	flag.IntVar(&c.CPUs, "cpus", 2, "virtual CPUs")
	flag.BoolVar(&console, "console", os.Getenv("SCANOUT_VM_CONSOLE") == "1", "stream the kernel console to stderr")
	flag.BoolVar(&quiet, "quiet", os.Getenv("SCANOUT_VM_QUIET") == "1", "do not print the boot summary line")
	flag.Parse()
	c.Args = flag.Args()
	c.Shares = shares
	if appendArgs != "" {
		c.Append = strings.Fields(appendArgs)
	}
	if console {
		c.Console = os.Stderr
	}
	if !quiet {
		c.Log = os.Stderr
	}
	if len(c.Args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: vmrun -kernel K -init I [flags] -- CMD [ARGS...]")
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	res, err := vm.Run(ctx, c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vmrun: %v\n", err)
		os.Exit(125)
	}
	os.Exit(res.ExitCode)
}
