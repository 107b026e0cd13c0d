// Package render defines the Renderer interface that the GL path
// (render/gl) and the CPU path (render/cpu) implement, and the selection
// between them.
package render
