package scanout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseRules(f *testing.F) {
	f.Add("driver=vc4 force heap:linux,cma dumb planes=primary\n* forbid class:system # c", false)
	f.Add("driver=vkms force heap:reserved; node=/dev/dri/card1 avoid udmabuf", true)
	f.Fuzz(func(t *testing.T, text string, semi bool) {
		rules, err := ParseRules(text, "fuzz", semi)
		if err != nil {
			return
		}
		for _, r := range rules {
			if len(r.Selects) == 0 || r.Verb < Prefer || r.Verb > Forbid {
				t.Fatalf("accepted an invalid rule %+v", r)
			}
			for _, s := range r.Selects {
				if _, err := ParseSelector(string(s)); err != nil {
					t.Fatalf("rule holds invalid selector %q", s)
				}
			}
		}
		c := &Config{File: rules}
		c.Hints(&Device{Driver: "vc4", Node: "/dev/dri/card1", SysName: "card1"})
	})
}

func FuzzSysfsAttributes(f *testing.F) {
	f.Add([]byte("100\n"), []byte("contiguous\n"), []byte("primary, cursor"))
	f.Add([]byte("-5"), []byte("system"), []byte(""))
	f.Fuzz(func(t *testing.T, prio, mem, planes []byte) {
		if n, err := ParsePriority(prio); err == nil && (n < -1000 || n > 1000) {
			t.Fatalf("priority %d out of range accepted", n)
		}
		if m, err := ParseMemoryAttr(mem); err == nil && m != ClassContiguous && m != ClassSystem {
			t.Fatalf("memory %q accepted", m)
		}
		ps, _ := ParsePlanesAttr(planes)
		for _, p := range ps {
			if p != PlanePrimary && p != PlaneOverlay && p != PlaneCursor {
				t.Fatalf("plane type %q accepted", p)
			}
		}
	})
}

// FuzzHeapLinkTree builds a scanout_heaps directory from fuzz input (one
// entry per line: name, link target, attribute contents) and reads it: the
// reader must never fail on an entry, only report it.
func FuzzHeapLinkTree(f *testing.F) {
	f.Add("cma|../../../../devices/virtual/dma_heap/linux,cma|100|contiguous|primary\nsys|/nonexistent/system|x||")
	f.Add("a||||\n.|..|1|2|3")
	f.Fuzz(func(t *testing.T, spec string) {
		root := t.TempDir()
		dir := filepath.Join(root, "class", "drm", "card0", HeapLinkDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.SplitN(spec, "\n", 16) {
			parts := strings.SplitN(line, "|", 5)
			for len(parts) < 5 {
				parts = append(parts, "")
			}
			name := filepath.Base(parts[0])
			if name == "." || name == ".." || name == "/" || strings.ContainsRune(name, 0) || len(name) > 200 {
				name = "e" + string(rune('a'+i))
			}
			p := filepath.Join(dir, name)
			if i%2 == 0 {
				os.Symlink(parts[1], p)
				continue
			}
			if os.Mkdir(p, 0o755) != nil {
				continue
			}
			if parts[1] != "" {
				os.Symlink(parts[1], filepath.Join(p, "heap"))
			}
			os.WriteFile(filepath.Join(p, "priority"), []byte(parts[2]), 0o644)
			os.WriteFile(filepath.Join(p, "memory"), []byte(parts[3]), 0o644)
			os.WriteFile(filepath.Join(p, "planes"), []byte(parts[4]), 0o644)
		}
		links, _, err := ReadHeapLinks(dir)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i, l := range links {
			if checkHeapName(l.Heap) != nil || seen[l.Heap] {
				t.Fatalf("bad or duplicate heap %q", l.Heap)
			}
			seen[l.Heap] = true
			if i > 0 && links[i-1].Priority < l.Priority {
				t.Fatal("not sorted by priority")
			}
		}
		r := SysfsLinks{Roots: []string{root}}.Hints(&Device{SysName: "card0"})
		if r.Spoke != (len(links) > 0) {
			t.Fatalf("spoke=%v with %d links", r.Spoke, len(links))
		}
	})
}
