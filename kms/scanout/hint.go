package scanout

import (
	"fmt"
	"strings"
)

// Effect is what a hint does to the routes it selects.
type Effect int

// The effects. Prefer and Avoid only reorder the routes the planner probes;
// Force and Forbid (from configuration) are absolute.
const (
	// Prefer moves the selected routes earlier by Weight.
	Prefer Effect = iota + 1
	// Avoid moves the selected routes later by Weight; they are still
	// probed if nothing ranked higher works (unless Options.TrustHints).
	Avoid
	// Force restricts the device to the selected routes, tried in the
	// order of the Force hints (lower Weight first).
	Force
	// Forbid removes the selected routes.
	Forbid
)

func (e Effect) String() string {
	switch e {
	case Prefer:
		return "prefer"
	case Avoid:
		return "avoid"
	case Force:
		return "force"
	case Forbid:
		return "forbid"
	}
	return fmt.Sprintf("Effect(%d)", int(e))
}

// Hint is one statement of a hint source about some routes of one device.
type Hint struct {
	Source string   // the HintSource's Name
	Select Selector // the routes it speaks about
	// Except exempts routes the selector would otherwise match.
	Except []Selector
	Effect Effect
	// Weight is the size of a Prefer or Avoid, or the position of a Force.
	Weight int
	// Planes limits the hint to these plane types; empty means all planes.
	Planes []PlaneType
	// Reason says why, in words a user can check.
	Reason string
}

// Matches reports whether the hint speaks about route r.
func (h Hint) Matches(r Route) bool {
	if !h.Select.Match(r) {
		return false
	}
	for _, e := range h.Except {
		if e.Match(r) {
			return false
		}
	}
	return true
}

func (h Hint) appliesTo(t PlaneType) bool {
	if len(h.Planes) == 0 {
		return true
	}
	for _, p := range h.Planes {
		if p == t {
			return true
		}
	}
	return false
}

func (h Hint) String() string {
	s := fmt.Sprintf("%s: %s %s", h.Source, h.Effect, h.Select)
	if len(h.Except) > 0 {
		var ex []string
		for _, e := range h.Except {
			ex = append(ex, string(e))
		}
		s += " except " + strings.Join(ex, ",")
	}
	if h.Effect == Prefer || h.Effect == Avoid {
		s += fmt.Sprintf(" (%d)", h.Weight)
	}
	if len(h.Planes) > 0 {
		var ps []string
		for _, p := range h.Planes {
			ps = append(ps, string(p))
		}
		s += " on " + strings.Join(ps, ",")
	}
	if h.Reason != "" {
		s += ": " + h.Reason
	}
	return s
}

// SourceReport is what one hint source found for one device: whether it
// spoke at all, what it saw (including broken input it tolerated), and the
// hints it gives.
type SourceReport struct {
	Source   string   `json:"source"`
	Spoke    bool     `json:"spoke"`
	Findings []string `json:"findings,omitempty"`
	Hints    []Hint   `json:"-"`
}

// HintSource is one pluggable source of hints. Hints must not fail: a source
// that cannot read its input says so in the report's findings and gives no
// hints.
type HintSource interface {
	Name() string
	Hints(d *Device) SourceReport
}

// Weights used by the built-in sources, so their relative strength is
// visible in one place: configuration beats sysfs links (the kernel's own
// statement) beats driver knowledge beats IOMMU presence beats the built-in
// class order.
const (
	WeightSysfsLink   = 1000 // plus the link's priority
	WeightSysfsUnlink = 200  // heaps a device with links did not link
	WeightKnowledge   = 500
	WeightIOMMU       = 100
	WeightConfig      = 5000
)
