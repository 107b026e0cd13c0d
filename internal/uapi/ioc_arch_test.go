package uapi

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestIOCBuildsForEveryLinuxArch cross-compiles this package for the
// architectures whose ioctl encoding differs, so a file-name or build-tag
// slip (a file named *_ppc.go silently builds only for GOARCH=ppc) cannot
// pass unnoticed on x86.
func TestIOCBuildsForEveryLinuxArch(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles; slow")
	}
	if os.Getenv("SCANOUT_IN_VM") == "1" {
		// A host check: compiling nine toolchains' worth of code under
		// emulation proves nothing more and takes many minutes.
		t.Skip("cross-compilation is checked on the host")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	for _, arch := range []string{"arm64", "arm", "386", "riscv64", "ppc64le", "mips64le", "mipsle", "s390x", "loong64"} {
		cmd := exec.Command(goTool, "build", "-o", "/dev/null", ".")
		cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOARCH=%s: %v\n%s", arch, err, strings.TrimSpace(string(out)))
		}
	}
}
