package scanout

import (
	"fmt"
	"io"
	"strings"
)

// Report is the JSON-able negotiation report: the plan with names instead
// of codes, and the sharing and feedback decisions derived from it.
type Report struct {
	Kernel   string         `json:"kernel"`
	Probes   int            `json:"probes"`
	Elapsed  string         `json:"elapsed"`
	Complete bool           `json:"complete"`
	Budget   string         `json:"budget,omitempty"`
	Cached   bool           `json:"from_cache"`
	Devices  []DeviceReport `json:"devices"`
}

// DeviceReport is one device in a Report.
type DeviceReport struct {
	Device  string         `json:"device"`
	Driver  string         `json:"driver"`
	Sources []SourceReport `json:"hint_sources"`
	Routes  []RankedRoute  `json:"routes"`
	Notes   []string       `json:"notes,omitempty"`
	Sharing *Sharing       `json:"sharing,omitempty"`
	Planes  []PlaneReport  `json:"planes"`
}

// PlaneReport is one plane in a Report.
type PlaneReport struct {
	ID      uint32         `json:"id"`
	Type    PlaneType      `json:"type"`
	SameAs  uint32         `json:"same_as,omitempty"`
	Routes  []RankedRoute  `json:"routes,omitempty"`
	Formats []FormatReport `json:"formats,omitempty"`
}

// FormatReport is one (format, modifier) in a Report.
type FormatReport struct {
	Format   string          `json:"format"`
	Modifier string          `json:"modifier"`
	Route    string          `json:"route,omitempty"`
	Verdicts []VerdictReport `json:"verdicts"`
}

// VerdictReport is one route's verdict in a Report.
type VerdictReport struct {
	Route  string `json:"route,omitempty"`
	Result string `json:"result"`
	Why    string `json:"why"`
}

// BuildReport turns a plan into a report. devs (optional) are used for the
// sharing decision of split render/display devices.
func BuildReport(p *Plan) *Report {
	r := &Report{Kernel: p.Key.Kernel, Probes: p.Probes, Elapsed: fmt.Sprint(durationOf(p.Elapsed)),
		Complete: p.Complete, Budget: p.Budget, Cached: p.FromCache}
	for i := range p.Devices {
		d := &p.Devices[i]
		dr := DeviceReport{Device: d.Node, Driver: d.Driver, Sources: d.Sources, Routes: d.Routes, Notes: d.Notes}
		if d.Split {
			s := d.Sharing()
			dr.Sharing = &s
		}
		for _, pp := range d.Planes {
			pr := PlaneReport{ID: pp.ID, Type: pp.Type, SameAs: pp.SameAs, Routes: pp.Routes}
			if pp.SameAs == 0 {
				for _, f := range pp.Formats {
					fr := FormatReport{Format: f.Format.String(), Modifier: f.Modifier.String(), Route: f.Route}
					for _, v := range f.Verdicts {
						fr.Verdicts = append(fr.Verdicts, VerdictReport{Route: v.Route, Result: v.Result, Why: v.Why()})
					}
					pr.Formats = append(pr.Formats, fr)
				}
			}
			dr.Planes = append(dr.Planes, pr)
		}
		r.Devices = append(r.Devices, dr)
	}
	return r
}

// WriteText renders the report for people. With verbose false, verdicts of
// routes that were not probed because an earlier one won or because the
// ranking excluded them (shown once in the ranking) are left out.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	var b strings.Builder
	src := "probed"
	if r.Cached {
		src = "from cache"
	}
	fmt.Fprintf(&b, "Scanout negotiation (%s; kernel %s; %d probes in %s", src, r.Kernel, r.Probes, r.Elapsed)
	if !r.Complete {
		fmt.Fprintf(&b, "; INCOMPLETE: %s", r.Budget)
	}
	b.WriteString(")\n")
	for _, d := range r.Devices {
		fmt.Fprintf(&b, "\n%s (%s)\n", d.Device, d.Driver)
		b.WriteString("  hint sources:\n")
		for _, s := range d.Sources {
			state := "silent"
			if s.Spoke {
				state = "spoke"
			}
			fmt.Fprintf(&b, "    %-16s %s\n", s.Source, state)
			for _, f := range s.Findings {
				fmt.Fprintf(&b, "      - %s\n", f)
			}
		}
		b.WriteString("  route ranking:\n")
		writeRanking(&b, d.Routes, "    ")
		for _, n := range d.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
		if d.Sharing != nil {
			fmt.Fprintf(&b, "  split render/display: render %s, display %s\n", d.Sharing.Render, d.Sharing.Display)
			fmt.Fprintf(&b, "    shared memory: %s; allocated by: %s\n", orNone(d.Sharing.Route), d.Sharing.Allocator)
			fmt.Fprintf(&b, "    why: %s\n", d.Sharing.Reason)
		}
		for _, p := range d.Planes {
			fmt.Fprintf(&b, "  plane %d (%s)", p.ID, p.Type)
			if p.SameAs != 0 {
				fmt.Fprintf(&b, ": same type and IN_FORMATS as plane %d, same verdicts\n", p.SameAs)
				continue
			}
			b.WriteString("\n")
			if p.Routes != nil {
				b.WriteString("    ranking for this plane type:\n")
				writeRanking(&b, p.Routes, "      ")
			}
			for _, f := range p.Formats {
				var also []string
				for _, v := range f.Verdicts {
					if v.Result == ResultAccepted && v.Route != f.Route {
						also = append(also, v.Route)
					}
				}
				line := winner(f)
				if len(also) > 0 && !verbose {
					line += " (also accepted: " + strings.Join(also, ", ") + ")"
				}
				fmt.Fprintf(&b, "    %s/%s: %s\n", f.Format, f.Modifier, line)
				for _, v := range f.Verdicts {
					if !verbose && (v.Result == ResultNotNeeded || v.Result == ResultExcluded || v.Result == ResultAccepted) {
						continue
					}
					name := v.Route
					if name == "" {
						name = "-"
					}
					fmt.Fprintf(&b, "      %-22s %s\n", name, v.Why)
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func winner(f FormatReport) string {
	if f.Route != "" {
		return "-> " + f.Route
	}
	for _, v := range f.Verdicts {
		if v.Result == ResultNoBudget || v.Result == ResultCanceled {
			return "undecided"
		}
		if v.Result == ResultUnrendered {
			return "not rendered"
		}
	}
	return "NO ROUTE WORKS"
}

func writeRanking(b *strings.Builder, rs []RankedRoute, indent string) {
	for i, r := range rs {
		if r.Excluded != "" {
			fmt.Fprintf(b, "%s-  %-22s excluded: %s\n", indent, r.Route, r.Excluded)
		} else {
			fmt.Fprintf(b, "%s%d. %-22s score %d (%s)\n", indent, i+1, r.Route, r.Score, r.Class)
		}
		for _, h := range r.Hints {
			fmt.Fprintf(b, "%s     %s\n", indent, h)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
