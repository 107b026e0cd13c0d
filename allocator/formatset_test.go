package allocator

import (
	"slices"
	"testing"
)

func set(pairs ...any) FormatSet {
	var s FormatSet
	for i := 0; i < len(pairs); i += 2 {
		s.Add(pairs[i].(Format), pairs[i+1].([]Modifier)...)
	}
	return s
}

func TestFormatSetIntersectKeepsCommonPairs(t *testing.T) {
	plane := set(XRGB8888, []Modifier{ModifierLinear, ModifierIntelXTiled}, ARGB8888, []Modifier{ModifierLinear}, NV12, []Modifier{ModifierIntelYTiled})
	renderer := set(XRGB8888, []Modifier{ModifierIntelXTiled, ModifierIntelYTiled}, NV12, []Modifier{ModifierLinear}, RGB565, []Modifier{ModifierLinear})
	got := plane.Intersect(renderer)
	want := set(XRGB8888, []Modifier{ModifierIntelXTiled})
	if !got.Equal(want) {
		t.Errorf("Intersect = %v, want %v", got, want)
	}
	if !plane.Intersect(renderer).Equal(renderer.Intersect(plane)) {
		t.Error("Intersect is not symmetric")
	}
}

func TestFormatSetUnionAndQueries(t *testing.T) {
	a := set(XRGB8888, []Modifier{ModifierIntelXTiled})
	b := set(XRGB8888, []Modifier{ModifierLinear, ModifierIntelXTiled}, NV12, []Modifier{ModifierLinear})
	u := a.Union(b)
	if got, want := u.String(), "NV12:{LINEAR} XRGB8888:{LINEAR,I915_X_TILED}"; got != want {
		t.Errorf("Union = %q, want %q", got, want)
	}
	if !u.Has(NV12, ModifierLinear) || u.Has(NV12, ModifierIntelXTiled) || !u.HasFormat(XRGB8888) || u.HasFormat(ARGB8888) {
		t.Error("Has/HasFormat wrong")
	}
	if a.Len() != 1 {
		t.Error("Union modified its receiver")
	}
	var pairs []string
	for f, m := range u.All() {
		pairs = append(pairs, f.String()+"/"+m.String())
	}
	if want := []string{"NV12/LINEAR", "XRGB8888/LINEAR", "XRGB8888/I915_X_TILED"}; !slices.Equal(pairs, want) {
		t.Errorf("All() = %v, want %v (sorted by code, then modifier)", pairs, want)
	}
	mods := u.Modifiers(XRGB8888)
	mods[0] = 99
	if !u.Has(XRGB8888, ModifierLinear) {
		t.Error("Modifiers returned the internal slice")
	}
}

func TestFormatSetZeroValueAndDuplicates(t *testing.T) {
	var s FormatSet
	if s.Has(XRGB8888, ModifierLinear) || s.Len() != 0 || len(s.Formats()) != 0 {
		t.Error("zero value not empty")
	}
	s.Add(XRGB8888, ModifierLinear, ModifierLinear, ModifierInvalid)
	if got := s.Modifiers(XRGB8888); !slices.Equal(got, []Modifier{ModifierLinear, ModifierInvalid}) {
		t.Errorf("Modifiers = %v", got)
	}
	if !LinearFormats().Has(NV12, ModifierLinear) || LinearFormats().Len() != len(Formats()) {
		t.Error("LinearFormats incomplete")
	}
}
