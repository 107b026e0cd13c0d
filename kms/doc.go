// Package kms is a complete KMS client in pure Go: device discovery,
// capabilities, resources, planes with their formats and modifiers,
// properties, framebuffers, PRIME import and export, atomic requests with
// page-flip events, the legacy path, and writeback connectors.
package kms
