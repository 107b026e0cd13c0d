//go:build cgo && abicheck

package abicheck

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-scanout/scanout/internal/uapi"
)

// norm maps both C snake_case and Go CamelCase names to one key:
// "version_major" and "VersionMajor" both become "versionmajor".
func norm(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

func TestStructLayout(t *testing.T) {
	covered := map[string]map[string]bool{}
	for _, f := range Fields() {
		typ, ok := GoTypes()[f.Struct]
		if !ok {
			t.Errorf("struct %s: checked in C but no Go type registered", f.Struct)
			continue
		}
		if f.Field == "" {
			if typ.Size() != f.Size {
				t.Errorf("struct %s: Go %s has size %d, C has %d", f.Struct, typ, typ.Size(), f.Size)
			}
			continue
		}
		var gf reflect.StructField
		found := false
		for i := range typ.NumField() {
			sf := typ.Field(i)
			if sf.Name != "_" && norm(sf.Name) == norm(f.Field) {
				gf, found = sf, true
				break
			}
		}
		if !found {
			t.Errorf("struct %s: C field %s has no Go field in %s", f.Struct, f.Field, typ)
			continue
		}
		if covered[f.Struct] == nil {
			covered[f.Struct] = map[string]bool{}
		}
		covered[f.Struct][gf.Name] = true
		if gf.Offset != f.Off || gf.Type.Size() != f.Size {
			t.Errorf("struct %s field %s: Go offset %d size %d, C offset %d size %d",
				f.Struct, f.Field, gf.Offset, gf.Type.Size(), f.Off, f.Size)
		}
	}
	for cname, typ := range GoTypes() {
		for i := range typ.NumField() {
			sf := typ.Field(i)
			if sf.Name == "_" || strings.HasPrefix(sf.Name, "Pad") {
				continue
			}
			if !covered[cname][sf.Name] {
				t.Errorf("struct %s: Go field %s.%s is not checked against C", cname, typ.Name(), sf.Name)
			}
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d structs, %d size and offset facts match the C headers", len(GoTypes()), len(Fields()))
}

func TestIoctlNumbers(t *testing.T) {
	reqs := uapi.Requests()
	if len(reqs) == 0 {
		t.Fatal("uapi registers no ioctl")
	}
	for _, r := range reqs {
		c, ok := Ioctls()[r.Name]
		if !ok {
			t.Errorf("%s: registered in uapi but not checked against the C headers", r.Name)
			continue
		}
		if uint64(r.Num) != c {
			t.Errorf("%s: Go %#x, C %#x", r.Name, r.Num, c)
		}
	}
	t.Logf("%d ioctl numbers match the C headers", len(reqs))
}
