package scanout

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/go-scanout/scanout/allocator"
)

// Budget bounds negotiation. Zero fields mean the defaults.
type Budget struct {
	// MaxProbes is the largest number of probes for the whole call
	// (default 512; negative: unlimited).
	MaxProbes int
	// MaxTime is the wall-clock limit for probing (default 20s; negative:
	// unlimited).
	MaxTime time.Duration
}

// Options configure Negotiate. The zero value is usable.
type Options struct {
	// Sources are the hint sources, in the order they are reported. Nil
	// means DefaultSources(nil).
	Sources []HintSource
	Budget  Budget
	// ProbeAll probes every route for every format instead of stopping at
	// the first that works (for reports and tests).
	ProbeAll bool
	// TrustHints does not probe routes whose hint score is negative (hints
	// say they cannot work) unless no other route is left.
	TrustHints bool
	// RenderFormats, when set, limits negotiation to what the renderer can
	// produce; other formats are reported as unrendered.
	RenderFormats *allocator.FormatSet
	// NoShare probes every plane itself; by default a plane with the same
	// type and IN_FORMATS as an earlier plane reuses its verdicts.
	NoShare bool
	// KernelRelease for the cache key; "" reads the running kernel's.
	KernelRelease string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// DefaultSources returns the built-in hint sources: configuration (cfg, if
// not nil), sysfs heap links, driver knowledge and IOMMU presence, reading
// sysfs under sysfsRoot ("" means /sys).
func DefaultSources(cfg *Config, sysfsRoot string) []HintSource {
	var out []HintSource
	if cfg != nil {
		out = append(out, cfg)
	}
	links := SysfsLinks{}
	if sysfsRoot != "" {
		links.Roots = []string{sysfsRoot, DefaultHeapLinkOverlay}
	}
	out = append(out, links, Knowledge{}, IOMMU{Root: sysfsRoot})
	return out
}

// classScore is the built-in order before hints: scattered system memory
// is plentiful, CMA is scarce and kept for devices that need it, dumb
// buffers are meant for CPU rendering, GBM needs cgo and a GPU.
func classScore(r Route) int {
	switch r.Kind {
	case KindHeap:
		switch r.Class {
		case ClassSystem:
			if r.Heap == "system" {
				return 50
			}
			return 45
		case ClassContiguous:
			return 30
		default:
			return 25
		}
	case KindUdmabuf:
		return 40
	case KindDumb:
		return 20
	case KindGBM:
		return 10
	}
	return 0
}

// rank orders routes for one device and plane type.
func rank(routes []Route, hints []Hint, t PlaneType, trust bool) []RankedRoute {
	type scored struct {
		RankedRoute
		route    Route
		forced   int // position among force hints, -1 if none
		hintOnly int // sum of hint weights
	}
	var anyForce bool
	for _, h := range hints {
		if h.Effect == Force && h.appliesTo(t) {
			anyForce = true
		}
	}
	var list []scored
	for _, r := range routes {
		s := scored{RankedRoute: RankedRoute{Route: r.String(), Class: r.Class, Score: classScore(r)}, route: r, forced: -1}
		for _, h := range hints {
			if !h.appliesTo(t) || !h.Matches(r) {
				continue
			}
			s.Hints = append(s.Hints, h.String())
			switch h.Effect {
			case Prefer:
				s.Score += h.Weight
				s.hintOnly += h.Weight
			case Avoid:
				s.Score -= h.Weight
				s.hintOnly -= h.Weight
			case Forbid:
				if s.Excluded == "" {
					s.Excluded = "forbidden by " + h.Reason
				}
			case Force:
				if s.forced < 0 || h.Weight < s.forced {
					s.forced = h.Weight
				}
			}
		}
		if anyForce && s.forced < 0 && s.Excluded == "" {
			s.Excluded = "not among the forced routes"
		}
		list = append(list, s)
	}
	if trust {
		usable := 0
		for _, s := range list {
			if s.Excluded == "" && s.hintOnly >= 0 {
				usable++
			}
		}
		if usable > 0 {
			for i := range list {
				if list[i].Excluded == "" && list[i].hintOnly < 0 {
					list[i].Excluded = "hints rule it out (TrustHints)"
				}
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if (a.Excluded == "") != (b.Excluded == "") {
			return a.Excluded == ""
		}
		if a.forced != b.forced {
			if a.forced < 0 || b.forced < 0 {
				return a.forced >= 0
			}
			return a.forced < b.forced
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Route < b.Route
	})
	out := make([]RankedRoute, len(list))
	for i, s := range list {
		out[i] = s.RankedRoute
	}
	return out
}

// formatOrder puts the formats a compositor most likely wants first.
var formatOrder = []allocator.Format{
	allocator.XRGB8888, allocator.ARGB8888, allocator.XBGR8888, allocator.ABGR8888,
	allocator.RGB565, allocator.XRGB2101010, allocator.ARGB2101010,
}

func orderedPairs(set allocator.FormatSet) [][2]uint64 {
	var pairs [][2]uint64
	for f, m := range set.All() {
		pairs = append(pairs, [2]uint64{uint64(f), uint64(m)})
	}
	pos := func(f allocator.Format) int {
		if i := slices.Index(formatOrder, f); i >= 0 {
			return i
		}
		return len(formatOrder)
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		pi, pj := pos(allocator.Format(pairs[i][0])), pos(allocator.Format(pairs[j][0]))
		if pi != pj {
			return pi < pj
		}
		if pairs[i][0] != pairs[j][0] {
			return pairs[i][0] < pairs[j][0]
		}
		// Modifiers other than LINEAR first: tiled layouts save bandwidth
		// when the plane takes them.
		li, lj := allocator.Modifier(pairs[i][1]) == allocator.ModifierLinear, allocator.Modifier(pairs[j][1]) == allocator.ModifierLinear
		if li != lj {
			return lj
		}
		return pairs[i][1] < pairs[j][1]
	})
	return pairs
}

// Negotiate plans scanout for the display devices: it gathers hints, ranks
// routes, probes through p within the budget, and returns the plan. It
// returns an error only for invalid input; probe failures are verdicts.
func Negotiate(ctx context.Context, devs []*Device, p Prober, opt Options) (*Plan, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	if p == nil {
		return nil, fmt.Errorf("scanout negotiate: nil Prober")
	}
	sources := opt.Sources
	if sources == nil {
		sources = DefaultSources(nil, "")
	}
	maxProbes := opt.Budget.MaxProbes
	if maxProbes == 0 {
		maxProbes = 512
	}
	maxTime := opt.Budget.MaxTime
	if maxTime == 0 {
		maxTime = 20 * time.Second
	}
	start := now()
	plan := &Plan{Version: PlanVersion, Created: start.UTC(), Complete: true}
	var allHints [][]SourceReport
	for _, d := range devs {
		if d == nil {
			return nil, fmt.Errorf("scanout negotiate: nil Device")
		}
		var reports []SourceReport
		for _, s := range sources {
			reports = append(reports, s.Hints(d))
		}
		allHints = append(allHints, reports)
	}
	plan.Key = MakeKey(devs, allHints, opt.KernelRelease)

	budgetLeft := func() (bool, string) {
		if maxProbes >= 0 && plan.Probes >= maxProbes {
			return false, fmt.Sprintf("probe budget of %d probes used up", maxProbes)
		}
		if maxTime >= 0 && now().Sub(start) >= maxTime {
			return false, fmt.Sprintf("time budget of %s used up", maxTime)
		}
		return true, ""
	}

	for di, d := range devs {
		reports := allHints[di]
		var hints []Hint
		for _, r := range reports {
			hints = append(hints, r.Hints...)
		}
		routes, notes := p.Routes(d)
		dp := DevicePlan{Node: d.Node, SysName: d.SysName, Driver: d.Driver, DriverVersion: d.DriverVersion,
			Render: d.Render, Split: d.Split, Sources: reports, Notes: notes}
		dp.Routes = rank(routes, hints, "", opt.TrustHints)
		if len(routes) == 0 {
			dp.Notes = append(dp.Notes, "no allocation route is available on this system")
		}
		// Route-wide failures, remembered for the rest of the device.
		dead := map[string]Verdict{}
		type shareKey struct {
			t    PlaneType
			hash string
		}
		shared := map[shareKey]int{} // -> index into dp.Planes
		for pi := range d.Planes {
			pl := &d.Planes[pi]
			pp := PlanePlan{ID: pl.ID, Type: pl.Type, CRTCs: pl.CRTCs}
			ranked := rank(routes, hints, pl.Type, opt.TrustHints)
			if !sameRanking(ranked, dp.Routes) {
				pp.Routes = ranked
			}
			key := shareKey{pl.Type, formatsHash(pl.Formats) + rankingKey(ranked)}
			if j, ok := shared[key]; ok && !opt.NoShare {
				src := dp.Planes[j]
				pp.SameAs = src.ID
				pp.Formats = slices.Clone(src.Formats)
				dp.Planes = append(dp.Planes, pp)
				continue
			}
			for _, pair := range orderedPairs(pl.Formats) {
				f, m := allocator.Format(pair[0]), allocator.Modifier(pair[1])
				fp := FormatPlan{Format: f, Modifier: m}
				if opt.RenderFormats != nil && !opt.RenderFormats.Has(f, m) {
					fp.Verdicts = []Verdict{{Result: ResultUnrendered, Detail: "the renderer cannot produce " + f.String() + "/" + m.String()}}
					pp.Formats = append(pp.Formats, fp)
					continue
				}
				for _, rr := range ranked {
					v := Verdict{Route: rr.Route}
					switch {
					case rr.Excluded != "":
						v.Result, v.Detail = ResultExcluded, rr.Excluded
					case fp.Route != "" && !opt.ProbeAll:
						v.Result, v.Detail = ResultNotNeeded, fp.Route+" won first"
					case dead[rr.Route].Result != "":
						dv := dead[rr.Route]
						v.Result, v.Stage, v.Errno = ResultSkipped, dv.Stage, dv.Errno
						v.Detail = dv.Detail
					case ctx.Err() != nil:
						v.Result, v.Detail = ResultCanceled, ctx.Err().Error()
						plan.Complete = false
					default:
						if ok, why := budgetLeft(); !ok {
							v.Result, v.Detail = ResultNoBudget, why
							plan.Complete = false
							plan.Budget = why
							break
						}
						r, err := ParseRoute(rr.Route)
						if err != nil {
							v.Result, v.Detail = ResultUnknown, err.Error()
							break
						}
						r.Class = rr.Class
						plan.Probes++
						o := p.Probe(ctx, ProbeRequest{Device: d, Plane: pl, Format: f, Modifier: m, Route: r})
						if o.OK {
							v.Result, v.Stage = ResultAccepted, StageDone
							if fp.Route == "" {
								fp.Route = rr.Route
							}
						} else {
							v.Result, v.Stage, v.Errno, v.Detail = ResultRefused, o.Stage, o.Errno, o.Detail
							if o.Stage.routeWide() || (o.Stage == StageAlloc && o.Errno == "ENOMEM") {
								dead[rr.Route] = Verdict{Result: ResultRefused, Stage: o.Stage, Errno: o.Errno,
									Detail: fmt.Sprintf("this route failed for the whole device with %s/%s on plane %d", f, m, pl.ID)}
							}
						}
					}
					fp.Verdicts = append(fp.Verdicts, v)
				}
				pp.Formats = append(pp.Formats, fp)
			}
			shared[key] = len(dp.Planes)
			dp.Planes = append(dp.Planes, pp)
		}
		plan.Devices = append(plan.Devices, dp)
	}
	plan.Elapsed = Duration(now().Sub(start))
	return plan, nil
}

func sameRanking(a, b []RankedRoute) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Route != b[i].Route || a[i].Score != b[i].Score || a[i].Excluded != b[i].Excluded {
			return false
		}
	}
	return true
}

func rankingKey(rs []RankedRoute) string {
	s := ""
	for _, r := range rs {
		s += r.Route + "|" + r.Excluded + ";"
	}
	return s
}

func formatsHash(set allocator.FormatSet) string {
	return (&Device{Planes: []Plane{{Formats: set}}}).PlanesHash()
}
