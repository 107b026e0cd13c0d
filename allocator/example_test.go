package allocator_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/allocator/shm"
)

// Formats print by name and parse from a name, a fourcc code or a number.
func ExampleParseFormat() {
	f, err := allocator.ParseFormat("XR24")
	if err != nil {
		log.Fatal(err)
	}
	fi, _ := f.Info()
	fmt.Println(f, f.FourCC(), fi.Planes, fi.BytesPerPixel(0))
	fmt.Println(allocator.ARGB8888.Opaque(), allocator.NV12.HasAlpha())
	// Output:
	// XRGB8888 XR24 1 4
	// XRGB8888 false
}

// Modifiers print the way drm_info names them.
func ExampleModifier_String() {
	fmt.Println(allocator.ModifierLinear)
	fmt.Println(allocator.ModifierBroadcomSAND128ColHeight(96))
	fmt.Println(allocator.ModifierARMAFBC(allocator.AFBCBlock16x16 | allocator.AFBCSparse | allocator.AFBCYTR))
	fmt.Println(allocator.Modifier(0x0200000000001234))
	// Output:
	// LINEAR
	// BROADCOM_SAND128(col_height=96)
	// ARM_AFBC(16x16,YTR,SPARSE)
	// AMD(0x00000000001234)
}

// Strides, offsets and the size of a linear NV12 buffer.
func ExampleComputeLayout() {
	l, err := allocator.ComputeLayout(1920, 1080, allocator.NV12, allocator.DefaultAlignment)
	if err != nil {
		log.Fatal(err)
	}
	for i, p := range l.Planes {
		fmt.Printf("plane %d: offset %d stride %d rows %d\n", i, p.Offset, p.Stride, p.Rows)
	}
	fmt.Println("size", l.Size)
	_, err = allocator.ComputeLayout(0, 1080, allocator.NV12, allocator.DefaultAlignment)
	fmt.Println(errors.Is(err, allocator.ErrInvalidRequest), err)
	// Output:
	// plane 0: offset 0 stride 2048 rows 1080
	// plane 1: offset 2211840 stride 2048 rows 540
	// size 3317760
	// true invalid buffer request: width: 0: must be at least 1
}

// What a plane and a renderer both accept.
func ExampleFormatSet_Intersect() {
	var plane, renderer allocator.FormatSet
	plane.Add(allocator.XRGB8888, allocator.ModifierLinear, allocator.ModifierBroadcomUIF)
	plane.Add(allocator.NV12, allocator.ModifierBroadcomSAND128)
	renderer.Add(allocator.XRGB8888, allocator.ModifierBroadcomUIF, allocator.ModifierLinear)
	renderer.Add(allocator.ARGB8888, allocator.ModifierLinear)
	fmt.Println(plane.Intersect(renderer))
	// Output: XRGB8888:{LINEAR,BROADCOM_UIF}
}

// A policy picks an allocator per request and says why the others lost.
// Here only shm is configured, so a scanout request is refused with the
// record, and a CPU-only request succeeds.
func ExamplePolicy_Allocate() {
	p := &allocator.Policy{Allocators: []allocator.Allocator{shm.New(nil)}}
	defer p.Close()
	_, err := p.Allocate(allocator.Request{Width: 640, Height: 480, Format: allocator.XRGB8888, Usage: allocator.UsageScanout}, allocator.Hints{})
	fmt.Println(err)

	res, err := p.Allocate(allocator.Request{Width: 640, Height: 480, Format: allocator.ARGB8888, Usage: allocator.UsageCPUWrite}, allocator.Hints{})
	if err != nil {
		log.Fatal(err)
	}
	defer res.Buffer.Close()
	// CPU access goes through Access, which brackets dma-bufs with
	// DMA_BUF_IOCTL_SYNC.
	err = res.Buffer.Access(allocator.AccessWrite, func(mem []byte) error {
		clear(mem)
		return nil
	})
	fmt.Println(res.Route, res.Buffer.Planes[0].Stride, err)
	// Output:
	// no allocator could provide 640x480 XRGB8888 Scanout
	//   shm: usage not supported by this allocator: usage: cannot provide Scanout (provides CPURead|CPUWrite|Linear)
	// shm 2560 <nil>
}
