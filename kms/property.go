package kms

import (
	"fmt"
	"strings"

	"github.com/go-scanout/scanout/internal/uapi"
)

// PropertyKind is the type of a KMS property.
type PropertyKind int

// Property kinds.
const (
	PropRange       PropertyKind = iota + 1 // unsigned integer in [Min, Max]
	PropSignedRange                         // signed integer in [SignedMin, SignedMax]
	PropEnum                                // one of Enums
	PropBitmask                             // a set of Enums (values are bit numbers)
	PropBlob                                // a blob id
	PropObject                              // a KMS object id of type ObjectType
)

var kindNames = [...]string{"", "range", "signed range", "enum", "bitmask", "blob", "object"}

// String names the kind.
func (k PropertyKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k PropertyKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// EnumValue is one named value of an enum or bitmask property.
type EnumValue struct {
	Name  string `json:"name"`
	Value uint64 `json:"value"` // the value (enum) or the bit number (bitmask)
}

// Property is the metadata of a KMS property. Properties are shared by
// every object that has them; their values belong to the objects.
type Property struct {
	ID        uint32       `json:"id"`
	Name      string       `json:"name"`
	Kind      PropertyKind `json:"kind"`
	Immutable bool         `json:"immutable,omitempty"`
	Atomic    bool         `json:"atomic,omitempty"` // visible only to atomic clients

	Min, Max             uint64      `json:"-"`
	SignedMin, SignedMax int64       `json:"-"`
	Enums                []EnumValue `json:"enums,omitempty"`
	ObjectType           uint32      `json:"-"` // for PropObject: DRM_MODE_OBJECT_*
}

// EnumName returns the name of enum value v, or "" if it has none.
func (p *Property) EnumName(v uint64) string {
	for _, e := range p.Enums {
		if e.Value == v {
			return e.Name
		}
	}
	return ""
}

// EnumValueOf returns the value of the enum entry named name.
func (p *Property) EnumValueOf(name string) (uint64, bool) {
	for _, e := range p.Enums {
		if e.Name == name {
			return e.Value, true
		}
	}
	return 0, false
}

// BitNames returns the names of the bits of bitmask value v.
func (p *Property) BitNames(v uint64) []string {
	var out []string
	for _, e := range p.Enums {
		if e.Value < 64 && v&(1<<e.Value) != 0 {
			out = append(out, e.Name)
		}
	}
	return out
}

// Format renders value v of this property for people: enum names, bit
// names, signed numbers, "blob 42".
func (p *Property) Format(v uint64) string {
	switch p.Kind {
	case PropEnum:
		if n := p.EnumName(v); n != "" {
			return n
		}
	case PropBitmask:
		return "{" + strings.Join(p.BitNames(v), ", ") + "}"
	case PropSignedRange:
		return fmt.Sprint(int64(v))
	case PropBlob:
		if v == 0 {
			return "none"
		}
		return fmt.Sprintf("blob %d", v)
	case PropObject:
		if v == 0 {
			return "none"
		}
		return fmt.Sprintf("object %d", v)
	}
	return fmt.Sprint(v)
}

// Describe renders the property's type and range for people, e.g.
// "range [0, 65535]" or "enum {None, Pre-multiplied, Coverage}".
func (p *Property) Describe() string {
	var names []string
	for _, e := range p.Enums {
		names = append(names, e.Name)
	}
	s := ""
	switch p.Kind {
	case PropRange:
		s = fmt.Sprintf("range [%d, %d]", p.Min, p.Max)
	case PropSignedRange:
		s = fmt.Sprintf("signed range [%d, %d]", p.SignedMin, p.SignedMax)
	case PropEnum, PropBitmask:
		s = fmt.Sprintf("%s {%s}", p.Kind, strings.Join(names, ", "))
	case PropObject:
		s = "object " + objectTypeName(p.ObjectType)
	default:
		s = p.Kind.String()
	}
	if p.Immutable {
		s += ", immutable"
	}
	if p.Atomic {
		s += ", atomic"
	}
	return s
}

func objectTypeName(t uint32) string {
	switch t {
	case uapi.DRM_MODE_OBJECT_CRTC:
		return "CRTC"
	case uapi.DRM_MODE_OBJECT_CONNECTOR:
		return "connector"
	case uapi.DRM_MODE_OBJECT_ENCODER:
		return "encoder"
	case uapi.DRM_MODE_OBJECT_FB:
		return "FB"
	case uapi.DRM_MODE_OBJECT_BLOB:
		return "blob"
	case uapi.DRM_MODE_OBJECT_PLANE:
		return "plane"
	}
	return fmt.Sprintf("0x%x", t)
}

// PropertyValue is a property of one object and its current value.
type PropertyValue struct {
	*Property
	Value uint64
}

// Properties are the properties of one object, in the kernel's order.
type Properties []PropertyValue

// Get returns the property named name.
func (ps Properties) Get(name string) (PropertyValue, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return PropertyValue{}, false
}

// Value returns the current value of the property named name.
func (ps Properties) Value(name string) (uint64, bool) {
	p, ok := ps.Get(name)
	return p.Value, ok
}

// property returns the metadata of property id, from the cache or the
// kernel (count-then-fill, retried when the counts change).
func (d *Device) property(id uint32) (*Property, error) {
	d.mu.Lock()
	p, ok := d.props[id]
	d.mu.Unlock()
	if ok {
		return p, nil
	}
	var values []uint64
	var enums []uapi.DRMModePropertyEnum
	var g uapi.DRMModeGetProperty
	err := fill(func() (bool, error) {
		var err error
		g, err = uapi.ModeGetProperty(d.fd, id, values, enums)
		if err != nil {
			return false, err
		}
		if int(g.CountValues) > len(values) || int(g.CountEnumBlobs) > len(enums) {
			values = make([]uint64, g.CountValues)
			enums = make([]uapi.DRMModePropertyEnum, g.CountEnumBlobs)
			return false, nil
		}
		values, enums = values[:g.CountValues], enums[:g.CountEnumBlobs]
		return true, nil
	})
	if err != nil {
		return nil, uapi.WithObjects(err, "property %d", id)
	}
	p = decodeProperty(g, values, enums)
	d.mu.Lock()
	d.props[id] = p
	d.mu.Unlock()
	return p, nil
}

// decodeProperty turns the kernel's description into a Property. It is
// pure so it can be tested and fuzzed on recorded answers.
func decodeProperty(g uapi.DRMModeGetProperty, values []uint64, enums []uapi.DRMModePropertyEnum) *Property {
	p := &Property{
		ID:        g.PropID,
		Name:      cString(g.Name[:]),
		Immutable: g.Flags&uapi.DRM_MODE_PROP_IMMUTABLE != 0,
		Atomic:    g.Flags&uapi.DRM_MODE_PROP_ATOMIC != 0,
	}
	at := func(i int) uint64 {
		if i < len(values) {
			return values[i]
		}
		return 0
	}
	switch {
	case g.Flags&uapi.DRM_MODE_PROP_RANGE != 0:
		p.Kind, p.Min, p.Max = PropRange, at(0), at(1)
	case g.Flags&uapi.DRM_MODE_PROP_ENUM != 0:
		p.Kind = PropEnum
	case g.Flags&uapi.DRM_MODE_PROP_BITMASK != 0:
		p.Kind = PropBitmask
	case g.Flags&uapi.DRM_MODE_PROP_BLOB != 0:
		p.Kind = PropBlob
	case g.Flags&uapi.DRM_MODE_PROP_EXTENDED == uapi.DRM_MODE_PROP_OBJECT:
		p.Kind, p.ObjectType = PropObject, uint32(at(0))
	case g.Flags&uapi.DRM_MODE_PROP_EXTENDED == uapi.DRM_MODE_PROP_SIGNED_RANGE:
		p.Kind, p.SignedMin, p.SignedMax = PropSignedRange, int64(at(0)), int64(at(1))
	}
	if p.Kind == PropEnum || p.Kind == PropBitmask {
		for _, e := range enums {
			p.Enums = append(p.Enums, EnumValue{Name: cString(e.Name[:]), Value: e.Value})
		}
	}
	return p
}

// objectInfo caches the property ids of one object by name, for atomic
// requests.
type objectInfo struct {
	ids map[string]uint32
}

// ObjectProperties returns the properties of object id with their
// current values. Object types: any (the kernel looks the id up).
func (d *Device) ObjectProperties(id uint32) (Properties, error) {
	return d.objectProperties(id, uapi.DRM_MODE_OBJECT_ANY)
}

func (d *Device) objectProperties(id, typ uint32) (Properties, error) {
	var ids []uint32
	var vals []uint64
	err := fill(func() (bool, error) {
		n, err := uapi.ModeObjGetProperties(d.fd, id, typ, ids, vals)
		if err != nil {
			return false, err
		}
		if int(n) > len(ids) {
			ids, vals = make([]uint32, n), make([]uint64, n)
			return false, nil
		}
		ids, vals = ids[:n], vals[:n]
		return true, nil
	})
	if err != nil {
		return nil, uapi.WithObjects(err, "object %d", id)
	}
	ps := make(Properties, 0, len(ids))
	names := make(map[string]uint32, len(ids))
	for i, pid := range ids {
		p, err := d.property(pid)
		if err != nil {
			return nil, err
		}
		ps = append(ps, PropertyValue{Property: p, Value: vals[i]})
		names[p.Name] = pid
	}
	d.mu.Lock()
	d.objs[id] = &objectInfo{ids: names}
	d.mu.Unlock()
	return ps, nil
}

// PropertyID returns the id of the property named name on object obj,
// from the per-object cache (filled on first use).
func (d *Device) PropertyID(obj uint32, name string) (uint32, error) {
	d.mu.Lock()
	o, ok := d.objs[obj]
	d.mu.Unlock()
	if !ok {
		if _, err := d.ObjectProperties(obj); err != nil {
			return 0, err
		}
		d.mu.Lock()
		o = d.objs[obj]
		d.mu.Unlock()
	}
	id, ok := o.ids[name]
	if !ok {
		return 0, &NoPropertyError{Device: d.path, Object: obj, Name: name}
	}
	return id, nil
}

// NoPropertyError says an object lacks a property an atomic request named.
type NoPropertyError struct {
	Device string
	Object uint32
	Name   string
}

func (e *NoPropertyError) Error() string {
	return fmt.Sprintf("kms: %s: object %d has no property %q (the driver does not support it; check Plane.Props or drm_info)", e.Device, e.Object, e.Name)
}

// SetProperty sets one property of one object without an atomic commit
// (DRM_IOCTL_MODE_OBJ_SETPROPERTY, the legacy path).
func (d *Device) SetProperty(obj uint32, name string, value uint64) error {
	id, err := d.PropertyID(obj, name)
	if err != nil {
		return err
	}
	err = uapi.ModeObjSetProperty(d.fd, obj, uapi.DRM_MODE_OBJECT_ANY, id, value)
	return d.masterHint(uapi.WithObjects(err, "object %d property %s=%d", obj, name, value))
}

// Blob returns the contents of property blob id (count-then-fill).
func (d *Device) Blob(id uint32) ([]byte, error) {
	var data []byte
	err := fill(func() (bool, error) {
		n, err := uapi.ModeGetPropBlob(d.fd, id, data)
		if err != nil {
			return false, err
		}
		if int(n) > len(data) || data == nil {
			data = make([]byte, n)
			return n == 0, nil
		}
		data = data[:n]
		return true, nil
	})
	if err != nil {
		return nil, uapi.WithObjects(err, "blob %d", id)
	}
	return data, nil
}

// CreateBlob creates a property blob (a mode for MODE_ID, damage clips,
// a gamma table) and returns its id. Destroy it with DestroyBlob once no
// request uses it; closing the device destroys it too.
func (d *Device) CreateBlob(data []byte) (uint32, error) {
	id, err := uapi.ModeCreatePropBlob(d.fd, data)
	return id, uapi.WithObjects(err, "%d bytes", len(data))
}

// DestroyBlob destroys a blob created by CreateBlob.
func (d *Device) DestroyBlob(id uint32) error {
	return uapi.WithObjects(uapi.ModeDestroyPropBlob(d.fd, id), "blob %d", id)
}

// fill runs one step of a count-then-fill ioctl until it reports done.
// A step reports not done when the kernel's count outgrew the buffers it
// passed (a hotplug in between); it then reallocates and asks again. The
// retries are bounded so a device whose counts keep changing cannot spin
// forever.
func fill(step func() (done bool, err error)) error {
	for range 64 {
		done, err := step()
		if err != nil || done {
			return err
		}
	}
	return fmt.Errorf("kms: object counts kept changing across 64 retries")
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
