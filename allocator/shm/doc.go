// Package shm allocates CPU-only buffers from memfd shared memory: the
// memory behind wl_shm pools, CPU rendering targets and readback copies.
//
// A memfd is created with MFD_CLOEXEC|MFD_ALLOW_SEALING, sized, and sealed
// against shrinking (F_SEAL_SHRINK), so a process it is shared with cannot
// truncate it under a mapping and crash the compositor with SIGBUS. Buffers
// are laid out with allocator.ShmAlignment (64-byte strides) unless
// configured. No device can import this memory: Caps say CPU only.
package shm
