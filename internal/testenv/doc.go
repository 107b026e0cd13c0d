// Package testenv holds the helpers every scanout test that touches the
// kernel uses.
//
// Device policy: a test that needs a device (a DRM driver, a DMA heap,
// /dev/udmabuf) calls one of the Require functions. On a developer's plain
// host the test is skipped. Inside the test VM (scripts/vm, scripts/vmtest)
// or when CI=true it fails instead, so that a missing device can never hide a
// regression. scripts/test runs a host pass first with
// SCANOUT_VM_PASS_FOLLOWS=1 set, declaring that the VM pass which follows
// runs the same tests with the devices present; only then may a host pass in
// CI skip.
//
// Leak check: a package's TestMain calls Main, which fails the test binary
// when descriptors opened during the tests are still open at exit, printing
// what each one is and, for descriptors created through internal/fd, the
// stack that opened it.
package testenv
