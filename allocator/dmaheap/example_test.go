package dmaheap_test

import (
	"fmt"
	"log"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/dmaheap"
	"github.com/go-scanout/scanout/allocator/udmabuf"
)

// List the heaps, whether they are contiguous and whether this process may
// open them.
func ExampleList() {
	infos, err := dmaheap.List(nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, i := range infos {
		fmt.Printf("%-20s contiguous=%v cached=%v\n", i.Name, i.Kind.Contiguous, i.Kind.Cached)
		if i.Access != nil {
			fmt.Println("  ", i.Access) // says which udev rule fixes it
		}
	}
}

// A scanout buffer for a display engine without an IOMMU: contiguous
// memory first, and the record of what was refused.
func ExampleEnumerate() {
	heaps, err := dmaheap.Enumerate(nil)
	if err != nil {
		log.Fatal(err)
	}
	p := &allocator.Policy{}
	for _, h := range heaps {
		p.Allocators = append(p.Allocators, h)
	}
	if u, err := udmabuf.Open(nil); err == nil {
		p.Allocators = append(p.Allocators, u)
	}
	defer p.Close()
	res, err := p.Allocate(allocator.Request{Width: 1920, Height: 1080, Format: allocator.XRGB8888,
		Usage: allocator.UsageScanout | allocator.UsageCPUWrite, Name: "primary"}, allocator.Hints{})
	if err != nil {
		log.Fatal(err) // lists every candidate and why it refused
	}
	defer res.Buffer.Close()
	fmt.Print(res.Explain())
}
