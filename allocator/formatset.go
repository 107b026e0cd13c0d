package allocator

import (
	"iter"
	"slices"
	"strings"
)

// FormatSet maps formats to the set of modifiers supported for each, as a
// KMS plane's IN_FORMATS or a renderer's import list does. The zero value
// is an empty set ready to use. Iteration is sorted by format code, then
// modifier. A FormatSet is not safe for concurrent modification.
type FormatSet struct {
	m map[Format][]Modifier // each slice sorted, no duplicates
}

// NewFormatSet returns a set holding every listed format with the given
// modifiers.
func NewFormatSet(formats []Format, mods ...Modifier) FormatSet {
	var s FormatSet
	for _, f := range formats {
		s.Add(f, mods...)
	}
	return s
}

// Add adds format f with the given modifiers; with no modifiers, f is
// added with an empty modifier set (which Has never matches but HasFormat
// does).
func (s *FormatSet) Add(f Format, mods ...Modifier) {
	if s.m == nil {
		s.m = map[Format][]Modifier{}
	}
	cur := s.m[f]
	for _, m := range mods {
		i, found := slices.BinarySearch(cur, m)
		if !found {
			cur = slices.Insert(cur, i, m)
		}
	}
	if cur == nil {
		cur = []Modifier{}
	}
	s.m[f] = cur
}

// Has reports whether format f with modifier m is in the set.
func (s FormatSet) Has(f Format, m Modifier) bool {
	_, found := slices.BinarySearch(s.m[f], m)
	return found
}

// HasFormat reports whether f is in the set with any modifier.
func (s FormatSet) HasFormat(f Format) bool {
	_, ok := s.m[f]
	return ok
}

// Modifiers returns f's modifiers, sorted; the slice is a copy.
func (s FormatSet) Modifiers(f Format) []Modifier { return slices.Clone(s.m[f]) }

// Formats returns the formats in the set, sorted by code.
func (s FormatSet) Formats() []Format {
	out := make([]Format, 0, len(s.m))
	for f := range s.m {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Len returns the number of formats.
func (s FormatSet) Len() int { return len(s.m) }

// All iterates over every (format, modifier) pair, sorted.
func (s FormatSet) All() iter.Seq2[Format, Modifier] {
	return func(yield func(Format, Modifier) bool) {
		for _, f := range s.Formats() {
			for _, m := range s.m[f] {
				if !yield(f, m) {
					return
				}
			}
		}
	}
}

// Clone returns an independent copy.
func (s FormatSet) Clone() FormatSet {
	var c FormatSet
	for f, mods := range s.m {
		if c.m == nil {
			c.m = make(map[Format][]Modifier, len(s.m))
		}
		c.m[f] = slices.Clone(mods)
	}
	return c
}

// Intersect returns the pairs present in both sets. Formats whose
// modifier sets do not overlap are left out.
func (s FormatSet) Intersect(o FormatSet) FormatSet {
	var out FormatSet
	for f, a := range s.m {
		b, ok := o.m[f]
		if !ok {
			continue
		}
		var common []Modifier
		i, j := 0, 0
		for i < len(a) && j < len(b) {
			switch {
			case a[i] < b[j]:
				i++
			case a[i] > b[j]:
				j++
			default:
				common = append(common, a[i])
				i++
				j++
			}
		}
		if len(common) > 0 {
			out.Add(f, common...)
		}
	}
	return out
}

// Union returns the pairs present in either set.
func (s FormatSet) Union(o FormatSet) FormatSet {
	out := s.Clone()
	for f, mods := range o.m {
		out.Add(f, mods...)
	}
	return out
}

// Equal reports whether both sets hold the same pairs.
func (s FormatSet) Equal(o FormatSet) bool {
	if len(s.m) != len(o.m) {
		return false
	}
	for f, a := range s.m {
		b, ok := o.m[f]
		if !ok || !slices.Equal(a, b) {
			return false
		}
	}
	return true
}

// String lists the set as "XRGB8888:{LINEAR,I915_X_TILED} NV12:{LINEAR}".
func (s FormatSet) String() string {
	var b strings.Builder
	for i, f := range s.Formats() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.String())
		b.WriteString(":{")
		for j, m := range s.m[f] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m.String())
		}
		b.WriteByte('}')
	}
	return b.String()
}

// LinearFormats returns every known format with ModifierLinear: what the
// allocators that lay memory out themselves (DMA heaps, dumb buffers,
// udmabuf, shm) can produce.
func LinearFormats() FormatSet { return NewFormatSet(Formats(), ModifierLinear) }
