package render_test

import (
	"fmt"
	"image"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/render"
)

// A frame: bind a target, clear it, draw a client's shm buffer rotated and
// half transparent, finish, read a pixel back.
func ExampleNew() {
	r, sel, err := render.New(&render.Options{Force: "cpu"})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	fmt.Println(sel)

	target := render.NewImage(allocator.XRGB8888, 64, 64)
	client := render.NewImage(allocator.ARGB8888, 32, 16)
	for i := 0; i < len(client.Pix); i += 4 {
		copy(client.Pix[i:], []byte{0, 0, 0xff, 0xff}) // opaque red (B, G, R, A)
	}
	if err := r.Begin(&render.Target{Key: 1, Image: target}, nil); err != nil {
		panic(err)
	}
	r.Clear(render.Color{B: 1, A: 1})
	r.Draw(&render.Source{Key: 2, Image: client}, &render.Quad{
		Dst:       image.Rect(0, 0, 16, 32), // 32x16 rotated by 90 degrees
		Transform: render.Rotate90,
		Opacity:   0.5,
	})
	sync, err := r.Finish()
	if err != nil {
		panic(err)
	}
	sync.Wait(0)

	px := render.NewImage(allocator.ARGB8888, 1, 1)
	r.ReadPixels(image.Rect(8, 8, 9, 9), px)
	fmt.Printf("B G R A = % x\n", px.Pix)
	// Output:
	// cpu: forced by Options.Force=cpu
	// B G R A = 7f 00 80 ff
}
