package replay

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms/scanout"
)

// Oracle is a Prober that answers from recorded outcomes instead of
// touching hardware, so plans for boards nobody here owns can be computed
// and tested. Its text form, one statement per line ('#' comments):
//
//	routes <route>...                      routes available (all devices)
//	routes driver=<name> <route>...        routes available for one driver
//	accept <selector> [key=value]...
//	refuse <selector> [key=value]... [-- detail]
//
// Keys: driver=, plane=<primary|overlay|cursor>, format=<name or fourcc>,
// modifier=<name or number>, stage=<open|alloc|import|addfb|test>,
// errno=<ENAME>. The first accept/refuse line that matches a probe answers
// it; a probe nothing matches is refused with "no recorded outcome".
type Oracle struct {
	routes   map[string][]scanout.Route // driver ("" = all) -> routes
	rules    []oracleRule
	mu       sync.Mutex
	requests []scanout.ProbeRequest
}

type oracleRule struct {
	line     int
	sel      scanout.Selector
	driver   string
	plane    scanout.PlaneType
	format   *allocator.Format
	modifier *allocator.Modifier
	outcome  scanout.Outcome
}

// ParseOracle parses an oracle's text form.
func ParseOracle(text string) (*Oracle, error) {
	if len(text) > maxDumpSize {
		return nil, &ParseError{Kind: "oracle", Msg: "too large"}
	}
	o := &Oracle{routes: map[string][]scanout.Route{}}
	for i, line := range strings.Split(text, "\n") {
		ln := i + 1
		detail := ""
		if j := strings.Index(line, " -- "); j >= 0 {
			line, detail = line[:j], strings.TrimSpace(line[j+4:])
		}
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(msg string, args ...any) error {
			return &ParseError{Kind: "oracle", Line: ln, Msg: fmt.Sprintf(msg, args...)}
		}
		switch f[0] {
		case "routes":
			driver := ""
			rest := f[1:]
			if len(rest) > 0 && strings.HasPrefix(rest[0], "driver=") {
				driver, rest = strings.TrimPrefix(rest[0], "driver="), rest[1:]
			}
			for _, w := range rest {
				r, err := scanout.ParseRoute(w)
				if err != nil {
					return nil, bad("%v", err)
				}
				o.routes[driver] = append(o.routes[driver], r)
			}
		case "accept", "refuse":
			if len(f) < 2 {
				return nil, bad("%s needs a route selector", f[0])
			}
			sel, err := scanout.ParseSelector(f[1])
			if err != nil {
				return nil, bad("%v", err)
			}
			r := oracleRule{line: ln, sel: sel}
			if f[0] == "accept" {
				r.outcome = scanout.Outcome{OK: true, Stage: scanout.StageDone}
			} else {
				r.outcome = scanout.Outcome{Stage: scanout.StageTest, Detail: detail}
			}
			for _, kv := range f[2:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, bad("%q is not key=value", clip(kv))
				}
				switch k {
				case "driver":
					r.driver = v
				case "plane":
					switch t := scanout.PlaneType(v); t {
					case scanout.PlanePrimary, scanout.PlaneOverlay, scanout.PlaneCursor:
						r.plane = t
					default:
						return nil, bad("plane %q unknown", clip(v))
					}
				case "format":
					fm, err := ParseFourCC(v)
					if err != nil {
						return nil, bad("%v", err)
					}
					r.format = &fm
				case "modifier":
					m, err := allocator.ParseModifier(v)
					if err != nil {
						return nil, bad("%v", err)
					}
					r.modifier = &m
				case "stage":
					switch st := scanout.Stage(v); st {
					case scanout.StageSetup, scanout.StageOpen, scanout.StageAlloc, scanout.StageImport, scanout.StageRender, scanout.StageAddFB, scanout.StageTest:
						r.outcome.Stage = st
					default:
						return nil, bad("stage %q unknown", clip(v))
					}
				case "errno":
					if !strings.HasPrefix(v, "E") || len(v) > 16 {
						return nil, bad("errno %q is not an errno name", clip(v))
					}
					r.outcome.Errno = v
				default:
					return nil, bad("key %q unknown (want driver, plane, format, modifier, stage, errno)", clip(k))
				}
			}
			if r.outcome.OK && (r.outcome.Errno != "" || detail != "") {
				return nil, bad("accept takes no errno or detail")
			}
			o.rules = append(o.rules, r)
		default:
			return nil, bad("unknown statement %q (want routes, accept, refuse)", clip(f[0]))
		}
	}
	return o, nil
}

// Routes implements scanout.Prober.
func (o *Oracle) Routes(d *scanout.Device) ([]scanout.Route, []string) {
	if rs, ok := o.routes[d.Driver]; ok {
		return rs, []string{"routes from the oracle's recording for " + d.Driver}
	}
	return o.routes[""], []string{"routes from the oracle's recording"}
}

// Probe implements scanout.Prober.
func (o *Oracle) Probe(ctx context.Context, req scanout.ProbeRequest) scanout.Outcome {
	o.mu.Lock()
	o.requests = append(o.requests, req)
	o.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return scanout.Failed(scanout.StageOpen, err)
	}
	for _, r := range o.rules {
		if !r.sel.Match(req.Route) ||
			r.driver != "" && r.driver != req.Device.Driver ||
			r.plane != "" && r.plane != req.Plane.Type ||
			r.format != nil && *r.format != req.Format ||
			r.modifier != nil && *r.modifier != req.Modifier {
			continue
		}
		out := r.outcome
		if !out.OK && out.Detail == "" {
			out.Detail = fmt.Sprintf("recorded refusal (oracle line %d)", r.line)
		}
		return out
	}
	return scanout.Outcome{Stage: scanout.StageTest, Detail: "no recorded outcome"}
}

// Probes returns the requests the oracle answered, in order.
func (o *Oracle) Probes() []scanout.ProbeRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]scanout.ProbeRequest(nil), o.requests...)
}

// Recorder wraps a Prober and writes every probe and its outcome in the
// oracle's text form, so a run on real hardware (or in the VM) can be
// replayed later by ParseOracle.
type Recorder struct {
	P scanout.Prober
	W io.Writer

	mu     sync.Mutex
	routed map[string]bool
}

// Routes implements scanout.Prober and records the routes line.
func (r *Recorder) Routes(d *scanout.Device) ([]scanout.Route, []string) {
	rs, notes := r.P.Routes(d)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routed == nil {
		r.routed = map[string]bool{}
	}
	if !r.routed[d.Driver] {
		r.routed[d.Driver] = true
		var names []string
		for _, x := range rs {
			names = append(names, x.String())
		}
		fmt.Fprintf(r.W, "routes driver=%s %s\n", d.Driver, strings.Join(names, " "))
	}
	return rs, notes
}

// Probe implements scanout.Prober and records the outcome.
func (r *Recorder) Probe(ctx context.Context, req scanout.ProbeRequest) scanout.Outcome {
	out := r.P.Probe(ctx, req)
	line := fmt.Sprintf("%s driver=%s plane=%s format=%s modifier=0x%x",
		req.Route, req.Device.Driver, req.Plane.Type, req.Format.FourCC(), uint64(req.Modifier))
	r.mu.Lock()
	defer r.mu.Unlock()
	if out.OK {
		fmt.Fprintf(r.W, "accept %s\n", line)
	} else {
		errno := ""
		if out.Errno != "" {
			errno = " errno=" + out.Errno
		}
		detail := strings.ReplaceAll(out.Detail, "\n", " ")
		fmt.Fprintf(r.W, "refuse %s stage=%s%s -- %s\n", line, out.Stage, errno, detail)
	}
	return out
}
