package scanout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultCachePath is where a kiosk keeps its plan between boots.
const DefaultCachePath = "/var/cache/scanout/plan.json"

// maxCacheSize bounds what LoadCache reads.
const maxCacheSize = 8 << 20

// CacheKey identifies the conditions a plan was made under. Any difference
// makes a cached plan stale.
type CacheKey struct {
	Kernel string `json:"kernel"`
	// Drivers lists "node=driver@version" for every display device (and
	// "+render" nodes), sorted.
	Drivers []string `json:"drivers"`
	// Planes is a hash over every plane's id, type and IN_FORMATS.
	Planes string `json:"planes"`
	// Hints is a hash over the hints every source gave (configuration,
	// sysfs links, knowledge, IOMMU): changing the configuration or the
	// links invalidates the plan too.
	Hints string `json:"hints"`
}

// Equal reports whether two keys are the same.
func (k CacheKey) Equal(o CacheKey) bool {
	return k.Kernel == o.Kernel && slices.Equal(k.Drivers, o.Drivers) && k.Planes == o.Planes && k.Hints == o.Hints
}

// Diff says how o differs from k, for the report ("" when equal).
func (k CacheKey) Diff(o CacheKey) string {
	var d []string
	if k.Kernel != o.Kernel {
		d = append(d, fmt.Sprintf("kernel %s -> %s", k.Kernel, o.Kernel))
	}
	if !slices.Equal(k.Drivers, o.Drivers) {
		d = append(d, fmt.Sprintf("drivers %v -> %v", k.Drivers, o.Drivers))
	}
	if k.Planes != o.Planes {
		d = append(d, "planes' IN_FORMATS changed")
	}
	if k.Hints != o.Hints {
		d = append(d, "hints changed (configuration, heap links, IOMMU)")
	}
	return strings.Join(d, "; ")
}

// MakeKey computes the cache key of devs with the hint reports the sources
// gave for them (reports[i] for devs[i]). kernel "" reads the running
// kernel's release.
func MakeKey(devs []*Device, reports [][]SourceReport, kernel string) CacheKey {
	if kernel == "" {
		kernel = KernelRelease()
	}
	k := CacheKey{Kernel: kernel}
	ph := sha256.New()
	hh := sha256.New()
	for i, d := range devs {
		k.Drivers = append(k.Drivers, fmt.Sprintf("%s=%s@%s", d.Node, d.Driver, d.DriverVersion))
		if d.Render != "" {
			k.Drivers = append(k.Drivers, fmt.Sprintf("%s+render=%s(split=%v)", d.Node, d.Render, d.Split))
		}
		fmt.Fprintf(ph, "%s\x00%s\x00", d.Node, d.PlanesHash())
		if i < len(reports) {
			for _, r := range reports[i] {
				fmt.Fprintf(hh, "%s\x00", r.Source)
				for _, h := range r.Hints {
					fmt.Fprintf(hh, "%s\x00", h.String())
				}
			}
		}
	}
	slices.Sort(k.Drivers)
	k.Planes = hex.EncodeToString(ph.Sum(nil)[:16])
	k.Hints = hex.EncodeToString(hh.Sum(nil)[:16])
	return k
}

// KeyFor computes the key for devs with sources, without probing (what a
// warm start does before LoadCache).
func KeyFor(devs []*Device, sources []HintSource, kernel string) CacheKey {
	var reports [][]SourceReport
	for _, d := range devs {
		var rs []SourceReport
		for _, s := range sources {
			rs = append(rs, s.Hints(d))
		}
		reports = append(reports, rs)
	}
	return MakeKey(devs, reports, kernel)
}

// ErrCacheMiss is returned (wrapped, with the reason) by LoadCache when there
// is no usable plan.
var ErrCacheMiss = errors.New("no usable cached scanout plan")

// SaveCache writes plan to path atomically (temporary file + rename),
// creating the directory. Incomplete plans are refused: a plan cut short
// by its budget would hide routes from every later boot.
func SaveCache(path string, plan *Plan) error {
	if path == "" {
		path = DefaultCachePath
	}
	if !plan.Complete {
		return fmt.Errorf("save scanout plan %s: plan is incomplete (%s); not cached", path, plan.Budget)
	}
	// Planes that reuse an earlier plane's verdicts are stored without
	// them (LoadCache restores them): the cache stays small to parse.
	stored := *plan
	stored.Devices = make([]DevicePlan, len(plan.Devices))
	for i, d := range plan.Devices {
		d.Planes = append([]PlanePlan(nil), d.Planes...)
		for j := range d.Planes {
			if d.Planes[j].SameAs != 0 {
				d.Planes[j].Formats = nil
			}
		}
		stored.Devices[i] = d
	}
	b, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("save scanout plan %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save scanout plan: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plan-*.json")
	if err != nil {
		return fmt.Errorf("save scanout plan: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save scanout plan %s: %w", path, werr)
	}
	return nil
}

// LoadCache reads the plan at path and returns it if it was made under key.
// Otherwise it returns an error wrapping ErrCacheMiss that says why (no
// file, unreadable, other version, key differs and how).
func LoadCache(path string, key CacheKey) (*Plan, error) {
	if path == "" {
		path = DefaultCachePath
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrCacheMiss, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCacheMiss, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCacheSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrCacheMiss, path, err)
	}
	if len(b) > maxCacheSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrCacheMiss, path, maxCacheSize)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w: %s is corrupt: %v", ErrCacheMiss, path, err)
	}
	if p.Version != PlanVersion {
		return nil, fmt.Errorf("%w: %s has plan version %d, want %d", ErrCacheMiss, path, p.Version, PlanVersion)
	}
	if !p.Key.Equal(key) {
		return nil, fmt.Errorf("%w: %s is stale: %s", ErrCacheMiss, path, p.Key.Diff(key))
	}
	for i := range p.Devices {
		d := &p.Devices[i]
		for j := range d.Planes {
			if id := d.Planes[j].SameAs; id != 0 {
				src := d.Plane(id)
				if src == nil || src.SameAs != 0 {
					return nil, fmt.Errorf("%w: %s is corrupt: plane %d refers to plane %d", ErrCacheMiss, path, d.Planes[j].ID, id)
				}
				d.Planes[j].Formats = slices.Clone(src.Formats)
			}
		}
	}
	p.FromCache = true
	return &p, nil
}
