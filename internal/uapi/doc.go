// Package uapi is scanout's only door to the kernel's ioctl interfaces.
//
// Every kernel structure scanout passes to an ioctl is declared here once,
// with structs.HostLayout and explicit padding, and every ioctl has one small
// typed function. Ioctl numbers are computed with IOC, IOR, IOW and IOWR,
// whose direction and size bits are defined per architecture (ioc_*.go), never
// copied as x86 constants. Nothing outside this package needs "unsafe" or a
// raw ioctl number.
//
// All ioctls go through one chokepoint, Ioctl, which retries EINTR and EAGAIN
// and returns *Error naming the ioctl, the device and the errno;
// errors.Is(err, unix.EACCES) works on it.
//
// The ABI is checked against the C headers by the cgo test in
// internal/uapi/abicheck (build tag abicheck): sizes and field offsets of
// every struct and the value of every ioctl number.
package uapi
