package scanout

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-scanout/scanout/allocator"
)

// PlanVersion is the layout version of Plan; a cache holding another
// version is ignored.
const PlanVersion = 1

// Plan is the result of negotiation: per display device and plane, which
// (format, modifier, route) combinations work, in order, and why. It is
// JSON-serialisable; the cache stores it as is.
type Plan struct {
	Version  int          `json:"version"`
	Key      CacheKey     `json:"key"`
	Created  time.Time    `json:"created"`
	Devices  []DevicePlan `json:"devices"`
	Probes   int          `json:"probes"`
	Elapsed  Duration     `json:"elapsed"`
	Complete bool         `json:"complete"` // false when the budget ran out
	// Budget says what stopped probing early, if anything.
	Budget string `json:"budget,omitempty"`
	// FromCache is set by LoadCache, never stored.
	FromCache bool `json:"-"`
}

// Duration is a time.Duration that marshals as a readable string.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// DevicePlan is the plan for one display device.
type DevicePlan struct {
	Node          string         `json:"node"`
	SysName       string         `json:"sysname,omitempty"`
	Driver        string         `json:"driver"`
	DriverVersion string         `json:"driver_version,omitempty"`
	Render        string         `json:"render,omitempty"`
	Split         bool           `json:"split,omitempty"`
	Sources       []SourceReport `json:"sources"`
	// Routes is the device-wide ranking (hints limited to some plane
	// types are shown on the planes).
	Routes []RankedRoute `json:"routes"`
	Notes  []string      `json:"notes,omitempty"`
	Planes []PlanePlan   `json:"planes"`
}

// RankedRoute is a route with its rank score and the hints behind it.
type RankedRoute struct {
	Route string      `json:"route"`
	Class MemoryClass `json:"class"`
	Score int         `json:"score"`
	// Excluded says why the route will not be probed at all ("" if it
	// will be).
	Excluded string   `json:"excluded,omitempty"`
	Hints    []string `json:"hints,omitempty"`
}

// PlanePlan is the plan for one plane.
type PlanePlan struct {
	ID    uint32    `json:"id"`
	Type  PlaneType `json:"type"`
	CRTCs uint32    `json:"crtcs"`
	// SameAs is the id of an earlier plane with the same type and
	// IN_FORMATS whose verdicts this plane reuses (0: probed itself).
	SameAs  uint32        `json:"same_as,omitempty"`
	Routes  []RankedRoute `json:"routes,omitempty"` // set when it differs from the device ranking
	Formats []FormatPlan  `json:"formats"`
}

// FormatPlan is the negotiation for one (format, modifier) of a plane.
type FormatPlan struct {
	Format   allocator.Format   `json:"format"`
	Modifier allocator.Modifier `json:"modifier"`
	// Route is the winning route, "" when none worked (or none was
	// probed).
	Route    string    `json:"route,omitempty"`
	Verdicts []Verdict `json:"verdicts"`
}

// Result kinds of a Verdict.
const (
	ResultAccepted   = "accepted"   // probe succeeded
	ResultRefused    = "refused"    // probe failed
	ResultSkipped    = "skipped"    // not probed: the route already failed for the whole device
	ResultNotNeeded  = "not-needed" // not probed: an earlier route won
	ResultExcluded   = "excluded"   // not probed: configuration or trusted hints removed it
	ResultNoBudget   = "no-budget"  // not probed: the budget ran out
	ResultUnrendered = "unrendered" // not probed: the renderer cannot produce the format
	ResultUnknown    = "unknown"    // not probed, reason in Detail
	ResultCanceled   = "canceled"   // the context was cancelled
)

// Verdict is what negotiation concluded about one route for one (plane,
// format, modifier).
type Verdict struct {
	Route  string `json:"route"`
	Result string `json:"result"`
	Stage  Stage  `json:"stage,omitempty"`
	Errno  string `json:"errno,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Why returns a one-line reason for the verdict.
func (v Verdict) Why() string {
	switch v.Result {
	case ResultAccepted:
		return "accepted (allocate, import, ADDFB2, TEST_ONLY all passed)"
	case ResultRefused, ResultSkipped:
		s := "refused at " + string(v.Stage)
		if v.Result == ResultSkipped {
			s = "skipped, refused at " + string(v.Stage)
		}
		if v.Errno != "" {
			s += " with " + v.Errno
		}
		if v.Detail != "" {
			s += ": " + v.Detail
		}
		return s
	}
	if v.Detail != "" {
		return v.Result + ": " + v.Detail
	}
	return v.Result
}

// Choice is one usable (format, modifier, route) of a plane.
type Choice struct {
	Format   allocator.Format
	Modifier allocator.Modifier
	Route    Route
}

// Device returns the plan of the device whose node or sysfs name is name.
func (p *Plan) Device(name string) *DevicePlan {
	for i := range p.Devices {
		d := &p.Devices[i]
		if d.Node == name || d.SysName == name || d.Driver == name {
			return d
		}
	}
	return nil
}

// Plane returns the plan of plane id.
func (d *DevicePlan) Plane(id uint32) *PlanePlan {
	for i := range d.Planes {
		if d.Planes[i].ID == id {
			return &d.Planes[i]
		}
	}
	return nil
}

// Primary returns the first primary plane's plan, or nil.
func (d *DevicePlan) Primary() *PlanePlan {
	for i := range d.Planes {
		if d.Planes[i].Type == PlanePrimary {
			return &d.Planes[i]
		}
	}
	return nil
}

// Choices returns the plane's working combinations in preference order:
// formats in the order negotiation tried them, each with its winning route.
func (pp *PlanePlan) Choices() []Choice {
	var out []Choice
	for _, f := range pp.Formats {
		if f.Route == "" {
			continue
		}
		r, err := ParseRoute(f.Route)
		if err != nil {
			continue
		}
		out = append(out, Choice{Format: f.Format, Modifier: f.Modifier, Route: r})
	}
	return out
}

// Routes returns, for format and modifier, every route that was accepted,
// the winner first. The second result is false when the plane has no such
// (format, modifier).
func (pp *PlanePlan) RoutesFor(f allocator.Format, m allocator.Modifier) ([]Route, bool) {
	for _, fp := range pp.Formats {
		if fp.Format != f || fp.Modifier != m {
			continue
		}
		var out []Route
		for _, v := range fp.Verdicts {
			if v.Result == ResultAccepted {
				if r, err := ParseRoute(v.Route); err == nil {
					out = append(out, r)
				}
			}
		}
		return out, true
	}
	return nil, false
}

// Lookup returns the format plan of (f, m).
func (pp *PlanePlan) Lookup(f allocator.Format, m allocator.Modifier) *FormatPlan {
	for i := range pp.Formats {
		if pp.Formats[i].Format == f && pp.Formats[i].Modifier == m {
			return &pp.Formats[i]
		}
	}
	return nil
}

func (fp *FormatPlan) String() string {
	return fmt.Sprintf("%s/%s", fp.Format, fp.Modifier)
}

func hintLines(hs []Hint) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.String())
	}
	return out
}

func planeTypes(ps []PlaneType) string {
	var s []string
	for _, p := range ps {
		s = append(s, string(p))
	}
	return strings.Join(s, ",")
}

func durationOf(d Duration) time.Duration { return time.Duration(d) }

// ForCRTC returns the plans of the planes that can be used on the CRTC with
// index crtc (bit crtc of possible_crtcs): the plan of one output.
func (d *DevicePlan) ForCRTC(crtc int) []*PlanePlan {
	var out []*PlanePlan
	for i := range d.Planes {
		if crtc >= 0 && crtc < 32 && d.Planes[i].CRTCs&(1<<crtc) != 0 {
			out = append(out, &d.Planes[i])
		}
	}
	return out
}
