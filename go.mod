module github.com/go-scanout/scanout

go 1.26.0

require (
	github.com/go-gl/gl v0.0.0-20231021071112-07e5d0ea2e71
	github.com/neurlang/wayland v0.4.3
	golang.org/x/sys v0.49.0
)

require github.com/yalue/native_endian v1.0.2 // indirect
