// Package allocator is the vocabulary every other scanout package speaks:
// DRM fourcc formats and modifiers, format sets, buffer descriptions, usage
// bits, the Allocator interface with its capabilities, the selection policy
// and sentinel errors. It imports no other scanout package.
package allocator
