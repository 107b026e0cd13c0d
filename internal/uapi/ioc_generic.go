//go:build !(mips || mipsle || mips64 || mips64le || ppc64 || ppc64le)

package uapi

// asm-generic/ioctl.h values: x86, arm, arm64, riscv64, s390x, loong64.
const (
	iocNone     = 0
	iocWrite    = 1
	iocRead     = 2
	iocSizeBits = 14
)
