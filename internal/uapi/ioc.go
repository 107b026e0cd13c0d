package uapi

// Ioctl request encoding, as in the kernel's include/uapi/asm-generic/ioctl.h:
//
//	bits: | dir (iocDirBits) | size (iocSizeBits) | type (8) | nr (8) |
//
// The direction values and the width of the size field differ per
// architecture; they are defined in ioc_generic.go and ioc_dir3.go.
const (
	iocNRBits   = 8
	iocTypeBits = 8

	iocNRShift   = 0
	iocTypeShift = iocNRShift + iocNRBits
	iocSizeShift = iocTypeShift + iocTypeBits
	iocDirShift  = iocSizeShift + iocSizeBits
)

// IOC encodes an ioctl request number from its direction, type, number and
// argument size, exactly like the kernel's _IOC macro.
func IOC(dir, typ, nr, size uintptr) uintptr {
	if size >= 1<<iocSizeBits {
		panic("uapi: ioctl argument too large for this architecture's size field")
	}
	return dir<<iocDirShift | typ<<iocTypeShift | nr<<iocNRShift | size<<iocSizeShift
}

// IO encodes a request without an argument (_IO).
func IO(typ, nr uintptr) uintptr { return IOC(iocNone, typ, nr, 0) }

// IOR encodes a request the kernel writes back to user space (_IOR).
func IOR(typ, nr, size uintptr) uintptr { return IOC(iocRead, typ, nr, size) }

// IOW encodes a request the kernel only reads (_IOW).
func IOW(typ, nr, size uintptr) uintptr { return IOC(iocWrite, typ, nr, size) }

// IOWR encodes a request in both directions (_IOWR).
func IOWR(typ, nr, size uintptr) uintptr { return IOC(iocRead|iocWrite, typ, nr, size) }
