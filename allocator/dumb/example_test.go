package dumb_test

import (
	"fmt"
	"log"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dumb"
)

// Allocate a dumb buffer on the display device and draw into it.
func ExampleOpen() {
	a, err := dumb.Open("/dev/dri/card0") // find the display's card node with kms.Discover
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	b, err := a.Allocate(allocator.Request{Width: 1920, Height: 1080, Format: allocator.XRGB8888,
		Usage: allocator.UsageScanout | allocator.UsageCPUWrite})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	b.Access(allocator.AccessWrite, func(mem []byte) error {
		for i := range mem {
			mem[i] = 0xff
		}
		return nil
	})
	fmt.Println(b, b.Planes[0].Stride)
}
