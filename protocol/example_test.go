package protocol_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-scanout/scanout/protocol"
)

// A headless kiosk server: one output, a frame completed whenever the
// backend has shown one.
func ExampleNewServer() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	srv, err := protocol.NewServer(&protocol.Options{
		Hooks: protocol.Hooks{
			SurfaceCommitted: func(s *protocol.Surface) {
				// a backend would render s.Buffer() here
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	var out *protocol.Output
	srv.Do(func() {
		out = srv.AddOutput(protocol.OutputConfig{Name: "HEADLESS-1", Width: 1920, Height: 1080})
	})
	path, err := srv.Listen(filepath.Join(dir, "wayland-1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("listening on", filepath.Base(path))

	// when a frame's content is decided (rendered, or put on planes):
	srv.Do(func() { srv.Latch(out) })
	// after its vblank (page flip event, or a timer when headless):
	now := protocol.MonotonicNow()
	srv.Do(func() {
		srv.FrameDone(out, now)
		srv.Presented(out, protocol.Presentation{Time: now, Flags: protocol.PresentVSync})
	})
	// Output: listening on wayland-1
}
