package scanout

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// DefaultConfigPath is the configuration file read by default.
const DefaultConfigPath = "/etc/scanout/routes.conf"

// EnvRoutes is the environment variable holding extra rules, separated by
// ';' or newlines, read after the file: its force rules replace the file's.
const EnvRoutes = "SCANOUT_ROUTES"

// Limits for configuration input.
const (
	maxConfigSize  = 64 << 10
	maxConfigRules = 1024
)

// Rule is one configuration statement:
//
//	<device> <verb> <selector>... [planes=<type>,...]
//
// device is "*", driver=<name>, node=<path>, name=<cardN> or
// path=<by-path id>; verb is force, forbid, prefer or avoid; selectors are
// routes (heap:reserved, udmabuf, dumb, gbm), heap:* or class:<class>.
type Rule struct {
	Device  DeviceMatch
	Verb    Effect
	Selects []Selector
	Planes  []PlaneType
	Origin  string // "file:line" or "$SCANOUT_ROUTES #n"
}

// DeviceMatch selects devices in configuration rules.
type DeviceMatch struct {
	Key   string // "*", "driver", "node", "name", "path"
	Value string
}

func (m DeviceMatch) String() string {
	if m.Key == "*" {
		return "*"
	}
	return m.Key + "=" + m.Value
}

// Match reports whether d is selected.
func (m DeviceMatch) Match(d *Device) bool {
	switch m.Key {
	case "*":
		return true
	case "driver":
		return d.Driver == m.Value
	case "node":
		return d.Node == m.Value
	case "name":
		return d.SysName == m.Value
	case "path":
		return d.BusPath == m.Value
	}
	return false
}

// ConfigError is a syntax error in configuration, with its origin.
type ConfigError struct {
	Origin string
	Msg    string
}

func (e *ConfigError) Error() string { return e.Origin + ": " + e.Msg }

// ParseRules parses configuration text. origin names it in errors
// ("/etc/scanout/routes.conf" gives "/etc/scanout/routes.conf:3"). Lines are
// separated by newlines, or also by ';' when semicolons is true (the
// environment variable form). '#' starts a comment.
func ParseRules(text, origin string, semicolons bool) ([]Rule, error) {
	if len(text) > maxConfigSize {
		return nil, &ConfigError{Origin: origin, Msg: fmt.Sprintf("longer than %d bytes", maxConfigSize)}
	}
	var lines []string
	if semicolons {
		lines = strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '\n' })
	} else {
		lines = strings.Split(text, "\n")
	}
	var rules []Rule
	for i, line := range lines {
		where := fmt.Sprintf("%s:%d", origin, i+1)
		if semicolons {
			where = fmt.Sprintf("%s #%d", origin, i+1)
		}
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(rules) == maxConfigRules {
			return nil, &ConfigError{Origin: where, Msg: fmt.Sprintf("more than %d rules", maxConfigRules)}
		}
		r, err := parseRule(f)
		if err != nil {
			return nil, &ConfigError{Origin: where, Msg: err.Error()}
		}
		r.Origin = where
		rules = append(rules, r)
	}
	return rules, nil
}

func parseRule(f []string) (Rule, error) {
	var r Rule
	if len(f) < 3 {
		return r, fmt.Errorf("want <device> <verb> <route>..., got %q", clip(strings.Join(f, " ")))
	}
	if f[0] == "*" {
		r.Device = DeviceMatch{Key: "*"}
	} else {
		k, v, ok := strings.Cut(f[0], "=")
		switch {
		case !ok || v == "":
			return r, fmt.Errorf("device %q: want *, driver=<name>, node=<path>, name=<cardN> or path=<by-path id>", clip(f[0]))
		case k == "driver" || k == "node" || k == "name" || k == "path":
			r.Device = DeviceMatch{Key: k, Value: v}
		default:
			return r, fmt.Errorf("device %q: unknown key %q (want driver, node, name or path)", clip(f[0]), clip(k))
		}
	}
	switch f[1] {
	case "force":
		r.Verb = Force
	case "forbid":
		r.Verb = Forbid
	case "prefer":
		r.Verb = Prefer
	case "avoid":
		r.Verb = Avoid
	default:
		return r, fmt.Errorf("verb %q: want force, forbid, prefer or avoid", clip(f[1]))
	}
	for _, w := range f[2:] {
		if ps, ok := strings.CutPrefix(w, "planes="); ok {
			planes, err := ParsePlanesAttr([]byte(ps))
			if err != nil {
				return r, err
			}
			r.Planes = append(r.Planes, planes...)
			continue
		}
		s, err := ParseSelector(w)
		if err != nil {
			return r, err
		}
		r.Selects = append(r.Selects, s)
	}
	if len(r.Selects) == 0 {
		return r, errors.New("no route given")
	}
	return r, nil
}

// Config is the hint source for configuration: rules from a file and from
// the environment. Build it with LoadConfig, or fill Rules directly.
type Config struct {
	// File rules come first, Env rules after; a device with force rules in
	// Env ignores the file's force rules.
	File, Env []Rule
	// Notes says what was read (or not found).
	Notes []string
}

// LoadConfig reads the rules from path ("" means DefaultConfigPath; a
// missing file is not an error) and from the environment variable EnvRoutes
// as returned by getenv (nil means os.Getenv).
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	if path == "" {
		path = DefaultConfigPath
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Notes = append(c.Notes, path+": not present")
	case err != nil:
		return nil, fmt.Errorf("read scanout configuration %s: %w", path, unwrapPathErr(err))
	default:
		b, err := io.ReadAll(bufio.NewReader(io.LimitReader(f, maxConfigSize+1)))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read scanout configuration %s: %w", path, err)
		}
		c.File, err = ParseRules(string(b), path, false)
		if err != nil {
			return nil, fmt.Errorf("scanout configuration: %w", err)
		}
		c.Notes = append(c.Notes, fmt.Sprintf("%s: %d rules", path, len(c.File)))
	}
	if v := getenv(EnvRoutes); v != "" {
		c.Env, err = ParseRules(v, "$"+EnvRoutes, true)
		if err != nil {
			return nil, fmt.Errorf("scanout configuration: %w", err)
		}
		c.Notes = append(c.Notes, fmt.Sprintf("$%s: %d rules", EnvRoutes, len(c.Env)))
	}
	return c, nil
}

// Name implements HintSource.
func (c *Config) Name() string { return "config" }

// Hints implements HintSource.
func (c *Config) Hints(d *Device) SourceReport {
	r := SourceReport{Source: c.Name()}
	if c == nil {
		return r
	}
	envForces := false
	for _, rule := range c.Env {
		if rule.Verb == Force && rule.Device.Match(d) {
			envForces = true
		}
	}
	order := 0
	for i, rule := range append(append([]Rule(nil), c.File...), c.Env...) {
		if !rule.Device.Match(d) {
			continue
		}
		if rule.Verb == Force && envForces && i < len(c.File) {
			r.Findings = append(r.Findings, rule.Origin+": force overridden by $"+EnvRoutes)
			continue
		}
		r.Spoke = true
		r.Findings = append(r.Findings, fmt.Sprintf("%s: %s %s %s", rule.Origin, rule.Device, rule.Verb, joinSelectors(rule.Selects)))
		for _, s := range rule.Selects {
			h := Hint{Source: c.Name(), Select: s, Effect: rule.Verb, Planes: rule.Planes,
				Reason: fmt.Sprintf("%s: %s %s", rule.Origin, rule.Verb, s)}
			switch rule.Verb {
			case Force:
				h.Weight = order
				order++
			case Prefer, Avoid:
				h.Weight = WeightConfig
			}
			r.Hints = append(r.Hints, h)
		}
	}
	if !r.Spoke {
		r.Findings = append(r.Findings, c.Notes...)
		r.Findings = append(r.Findings, "no rule matches this device")
	}
	return r
}

func joinSelectors(ss []Selector) string {
	var out []string
	for _, s := range ss {
		out = append(out, string(s))
	}
	return strings.Join(out, " ")
}
