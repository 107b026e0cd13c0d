package scanout

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// HeapLinkDir is the name of the directory, inside a DRM device's sysfs
// directory (/sys/class/drm/cardN/), that holds the heap links. See
// docs/scanout-negotiation.md for the whole layout.
const HeapLinkDir = "scanout_heaps"

// DefaultHeapLinkOverlay is where a udev rule or a boot script can publish
// the same layout when the kernel does not: <overlay>/class/drm/cardN/scanout_heaps/.
const DefaultHeapLinkOverlay = "/run/scanout/heap-links"

// Limits that keep a hostile or corrupt tree from costing much.
const (
	maxHeapLinks     = 64
	maxAttributeSize = 4096
)

// HeapLink is one entry of a device's scanout_heaps directory.
type HeapLink struct {
	Heap     string      `json:"heap"`               // heap name (the link target's base name)
	Priority int         `json:"priority"`           // higher is tried first; default 0
	Memory   MemoryClass `json:"memory,omitempty"`   // from the "memory" attribute, if present
	Planes   []PlaneType `json:"planes,omitempty"`   // from the "planes" attribute; empty: all
	Dangling bool        `json:"dangling,omitempty"` // the link's target does not exist
	Entry    string      `json:"entry"`              // entry name in scanout_heaps
}

// ReadHeapLinks reads dir (a scanout_heaps directory) and returns its valid
// entries sorted by descending priority, plus a finding for every entry it
// skipped or found odd. A missing dir gives no links and no error; other
// read errors of dir itself are returned.
func ReadHeapLinks(dir string) ([]HeapLink, []string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read heap links %s: %w", dir, err)
	}
	var links []HeapLink
	var findings []string
	if len(ents) > maxHeapLinks {
		findings = append(findings, fmt.Sprintf("%s: %d entries, reading only the first %d", dir, len(ents), maxHeapLinks))
		ents = ents[:maxHeapLinks]
	}
	seen := map[string]string{}
	for _, e := range ents {
		l, notes, ok := readHeapLink(dir, e.Name())
		findings = append(findings, notes...)
		if !ok {
			continue
		}
		if prev, dup := seen[l.Heap]; dup {
			findings = append(findings, fmt.Sprintf("%s: entry %q names heap %q again (already from %q); ignored", dir, e.Name(), l.Heap, prev))
			continue
		}
		seen[l.Heap] = e.Name()
		links = append(links, l)
	}
	sort.SliceStable(links, func(i, j int) bool {
		if links[i].Priority != links[j].Priority {
			return links[i].Priority > links[j].Priority
		}
		return links[i].Heap < links[j].Heap
	})
	return links, findings, nil
}

// readHeapLink reads one entry: either a bare symlink to the heap's sysfs
// directory, or a directory holding a "heap" symlink and attribute files.
func readHeapLink(dir, name string) (HeapLink, []string, bool) {
	p := filepath.Join(dir, name)
	where := fmt.Sprintf("%s/%s", filepath.Base(dir), name)
	fi, err := os.Lstat(p)
	if err != nil {
		return HeapLink{}, []string{fmt.Sprintf("%s: %v; ignored", where, err)}, false
	}
	l := HeapLink{Entry: name}
	var notes []string
	linkPath := p
	if fi.Mode().IsDir() {
		linkPath = filepath.Join(p, "heap")
	} else if fi.Mode()&fs.ModeSymlink == 0 {
		return HeapLink{}, []string{fmt.Sprintf("%s: neither a symlink to a heap nor a directory; ignored", where)}, false
	}
	target, err := os.Readlink(linkPath)
	if err != nil {
		if fi.Mode().IsDir() {
			return HeapLink{}, []string{fmt.Sprintf("%s: no heap link inside (%v); ignored", where, unwrapPathErr(err))}, false
		}
		return HeapLink{}, []string{fmt.Sprintf("%s: %v; ignored", where, unwrapPathErr(err))}, false
	}
	l.Heap = filepath.Base(filepath.Clean(target))
	if err := checkHeapName(l.Heap); err != nil {
		return HeapLink{}, []string{fmt.Sprintf("%s: link target %q: %v; ignored", where, target, err)}, false
	}
	if _, err := os.Stat(linkPath); err != nil {
		l.Dangling = true
		notes = append(notes, fmt.Sprintf("%s: link to heap %q is broken (target %s missing): heap not registered on this kernel", where, l.Heap, target))
	}
	if fi.Mode().IsDir() {
		if b, ok, err := readAttr(filepath.Join(p, "priority")); err != nil {
			notes = append(notes, fmt.Sprintf("%s/priority: %v; using 0", where, err))
		} else if ok {
			prio, err := ParsePriority(b)
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s/priority: %v; using 0", where, err))
			}
			l.Priority = prio
		}
		if b, ok, err := readAttr(filepath.Join(p, "memory")); err != nil {
			notes = append(notes, fmt.Sprintf("%s/memory: %v; ignored", where, err))
		} else if ok {
			m, err := ParseMemoryAttr(b)
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s/memory: %v; ignored", where, err))
			}
			l.Memory = m
		}
		if b, ok, err := readAttr(filepath.Join(p, "planes")); err != nil {
			notes = append(notes, fmt.Sprintf("%s/planes: %v; ignored", where, err))
		} else if ok {
			ps, err := ParsePlanesAttr(b)
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s/planes: %v; applying to all planes", where, err))
			}
			l.Planes = ps
		}
	}
	return l, notes, true
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readAttr reads a small sysfs attribute; ok is false when it does not exist.
func readAttr(p string) ([]byte, bool, error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, unwrapPathErr(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAttributeSize+1))
	if err != nil {
		return nil, false, unwrapPathErr(err)
	}
	if len(b) > maxAttributeSize {
		return nil, false, fmt.Errorf("longer than %d bytes", maxAttributeSize)
	}
	return b, true, nil
}

// ParsePriority parses a priority attribute: a decimal integer in
// [-1000, 1000], surrounding white space allowed.
func ParsePriority(b []byte) (int, error) {
	s := strings.TrimSpace(string(b))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("priority %q is not a decimal integer", clip(s))
	}
	if n < -1000 || n > 1000 {
		return 0, fmt.Errorf("priority %d out of range [-1000, 1000]", n)
	}
	return n, nil
}

// ParseMemoryAttr parses a memory attribute: one memory class name.
func ParseMemoryAttr(b []byte) (MemoryClass, error) {
	s := strings.TrimSpace(string(b))
	switch m := MemoryClass(s); m {
	case ClassContiguous, ClassSystem:
		return m, nil
	}
	return "", fmt.Errorf("memory %q unknown (want contiguous or system)", clip(s))
}

// ParsePlanesAttr parses a planes attribute: plane types separated by white
// space or commas. Unknown words are an error; the known ones are returned.
func ParsePlanesAttr(b []byte) ([]PlaneType, error) {
	var out []PlaneType
	var bad []string
	for _, w := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		switch t := PlaneType(strings.ToLower(w)); t {
		case PlanePrimary, PlaneOverlay, PlaneCursor:
			out = append(out, t)
		default:
			bad = append(bad, clip(w))
		}
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("unknown plane types %q (want primary, overlay, cursor)", bad)
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// SysfsLinks is the hint source that reads heap links: for a device named
// cardN, <root>/class/drm/cardN/scanout_heaps/ under each root in order
// (the kernel's sysfs, then an overlay a udev rule may fill). The first root
// that has the directory speaks; the others are reported as shadowed.
type SysfsLinks struct {
	// Roots to read, in order. Nil means {"/sys", DefaultHeapLinkOverlay}.
	Roots []string
}

// Name implements HintSource.
func (s SysfsLinks) Name() string { return "sysfs-links" }

// Hints implements HintSource. A linked heap is preferred by
// WeightSysfsLink plus its priority; heaps the device did not link are
// avoided, since a device that publishes links names every heap it can use.
func (s SysfsLinks) Hints(d *Device) SourceReport {
	r := SourceReport{Source: s.Name()}
	roots := s.Roots
	if roots == nil {
		roots = []string{"/sys", DefaultHeapLinkOverlay}
	}
	if d.SysName == "" {
		r.Findings = append(r.Findings, "device has no sysfs name; not looked up")
		return r
	}
	for _, root := range roots {
		dir := filepath.Join(root, "class", "drm", d.SysName, HeapLinkDir)
		links, findings, err := ReadHeapLinks(dir)
		r.Findings = append(r.Findings, findings...)
		if err != nil {
			r.Findings = append(r.Findings, err.Error())
			continue
		}
		if links == nil {
			if _, err := os.Stat(dir); err == nil {
				r.Findings = append(r.Findings, dir+": present but holds no usable link")
			}
			continue
		}
		r.Spoke = true
		var names []string
		var linked []Selector
		for _, l := range links {
			linked = append(linked, Selector("heap:"+l.Heap))
			names = append(names, fmt.Sprintf("%s (priority %d)", l.Heap, l.Priority))
			reason := fmt.Sprintf("%s links heap %q with priority %d", dir, l.Heap, l.Priority)
			if l.Dangling {
				reason += " (link broken)"
			}
			r.Hints = append(r.Hints, Hint{Source: s.Name(), Select: Selector("heap:" + l.Heap), Effect: Prefer,
				Weight: WeightSysfsLink + l.Priority, Planes: l.Planes, Reason: reason})
		}
		r.Findings = append(r.Findings, fmt.Sprintf("%s: %s", dir, strings.Join(names, ", ")))
		r.Hints = append(r.Hints, Hint{Source: s.Name(), Select: "heap:*", Effect: Avoid, Weight: WeightSysfsUnlink,
			Except: linked, Reason: "not linked from " + dir})
		for _, later := range roots[indexOf(roots, root)+1:] {
			if _, err := os.Stat(filepath.Join(later, "class", "drm", d.SysName, HeapLinkDir)); err == nil {
				r.Findings = append(r.Findings, fmt.Sprintf("%s shadowed by %s", later, root))
			}
		}
		return r
	}
	if !r.Spoke && len(r.Findings) == 0 {
		r.Findings = append(r.Findings, "no "+HeapLinkDir+" directory for "+d.SysName)
	}
	return r
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}
