//go:build mips || mipsle || mips64 || mips64le || ppc64 || ppc64le

package uapi

// arch/mips and arch/powerpc uapi ioctl.h: three direction bits and a
// 13-bit size field.
const (
	iocNone     = 1
	iocRead     = 2
	iocWrite    = 4
	iocSizeBits = 13
)
