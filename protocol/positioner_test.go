package protocol

import (
	"testing"

	"github.com/go-scanout/scanout/protocol/xdg"
)

// TestPositionerConstraintAdjustment follows xdg_positioner's rules:
// anchor point, gravity, offset, then per axis flip, slide, resize, each
// only when allowed and only while the popup is still constrained.
func TestPositionerConstraintAdjustment(t *testing.T) {
	bounds := Rect{0, 0, 200, 100}
	base := positioner{w: 40, h: 30, anchor: Rect{150, 65, 20, 10}, anchorSet: true,
		anchorEdge: xdg.PositionerAnchorBottomRight, gravity: xdg.PositionerGravityBottomRight}
	tests := []struct {
		name   string
		adjust uint32
		offX   int32
		bounds bool
		want   Rect
	}{
		{name: "unconstrained: anchor point 170,75, growing right and down", want: Rect{170, 75, 40, 30}},
		{name: "no adjustment allowed: stays off the output", bounds: true, want: Rect{170, 75, 40, 30}},
		{name: "flip x: grows left from the anchor's left edge", bounds: true, adjust: adjustFlipX, want: Rect{110, 75, 40, 30}},
		{name: "flip x negates the offset", bounds: true, adjust: adjustFlipX, offX: 5, want: Rect{105, 75, 40, 30}},
		{name: "slide x: moved back to the right edge", bounds: true, adjust: adjustSlideX, want: Rect{160, 75, 40, 30}},
		{name: "resize x: cut at the edge", bounds: true, adjust: adjustResizeX, want: Rect{170, 75, 30, 30}},
		{name: "flip y: above the anchor rectangle", bounds: true, adjust: adjustFlipY, want: Rect{170, 35, 40, 30}},
		{name: "flip both", bounds: true, adjust: adjustFlipX | adjustFlipY, want: Rect{110, 35, 40, 30}},
		{name: "slide both", bounds: true, adjust: adjustSlideX | adjustSlideY, want: Rect{160, 70, 40, 30}},
		{name: "flip preferred over slide", bounds: true, adjust: adjustFlipY | adjustSlideY | adjustSlideX, want: Rect{160, 35, 40, 30}},
	}
	for _, tt := range tests {
		p := base
		p.constraint, p.offX = tt.adjust, tt.offX
		if got := p.place(bounds, tt.bounds); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	// a flip that does not fit either is not taken
	p := base
	p.w, p.constraint = 180, adjustFlipX
	if got := p.place(bounds, true); got.X != 170 {
		t.Errorf("a flip that still does not fit was taken: %+v", got)
	}
}
