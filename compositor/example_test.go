package compositor_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/backend/headless"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/compositor/democlient"
	"github.com/go-scanout/scanout/protocol"
	"github.com/go-scanout/scanout/render"
)

// A whole compositor in a few lines: the core, a headless backend, a
// client, and the frame that shows it.
func Example() {
	dir, _ := os.MkdirTemp("", "compositor-example-")
	defer os.RemoveAll(dir)
	os.Setenv("XDG_RUNTIME_DIR", dir)

	c, err := compositor.New(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	hb, _ := headless.New(c, &headless.Options{
		Outputs:       []headless.OutputConfig{{Width: 320, Height: 240}}, // on demand
		Deterministic: true,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go hb.Run(ctx)
	c.Listen("wayland-example")
	go democlient.Run(ctx, democlient.Options{Socket: "wayland-example", Frames: 3, Hold: true})

	img, err := hb.Outputs()[0].CaptureWhen(ctx, func() bool {
		t := c.Toplevel() // the full-screen toplevel
		return t != nil && t.Commits() >= 4
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("screenshot", img.Bounds().Dx(), "x", img.Bounds().Dy())
	fmt.Println("top-left pixel", img.RGBAAt(0, 0)) // the client's white colour bar
	// Output:
	// screenshot 320 x 240
	// top-left pixel {255 255 255 255}
}

// A backend's frame, without a backend: render the damage of an output
// into any target with any Renderer, then report it presented.
func ExampleOutput_Render() {
	c, _ := compositor.New(&compositor.Options{Background: render.Color{R: 0, G: 0, B: 0.5, A: 1}})
	defer c.Close()
	target := render.NewImage(allocator.XRGB8888, 64, 64)
	r := render.NewCPU()
	c.Lock()
	out := c.AddOutput(compositor.OutputConfig{Name: "EXAMPLE-1", Width: 64, Height: 64})
	res, err := out.Render(r, &render.Target{Key: 1, Image: target}, 0) // age 0: repaint everything
	out.Presented(protocol.Presentation{Time: protocol.MonotonicNow()}, false)
	c.Unlock()
	fmt.Println(res.Drawn, res.Damage, err)
	fmt.Printf("pixel % x\n", target.Pix[:4]) // B G R X
	// Output:
	// true [(0,0)-(64,64)] <nil>
	// pixel 80 00 00 ff
}
