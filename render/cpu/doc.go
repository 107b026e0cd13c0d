// Package cpu is the CPU blit engine: fill, copy, alpha blending, format
// conversion, scaling and output transforms over images in memory, clipped to
// damage rectangles. It is the fallback when GL is missing or refuses a
// buffer, and what headless runs use.
package cpu
