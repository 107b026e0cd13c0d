// Package headless is the backend without a display: virtual outputs, a
// frame clock and frame capture.
package headless
