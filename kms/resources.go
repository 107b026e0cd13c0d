package kms

import (
	"fmt"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/internal/uapi"
)

// Resources lists the mode-setting objects of a device by id. CRTCs are
// in the kernel's order: a CRTC's index in CRTCs is the bit that
// possible_crtcs masks use.
type Resources struct {
	CRTCs      []uint32 `json:"crtcs"`
	Connectors []uint32 `json:"connectors"`
	Encoders   []uint32 `json:"encoders"`
	Planes     []uint32 `json:"planes"`
	FBs        []uint32 `json:"fbs,omitempty"`
	MinWidth   uint32   `json:"min_width"`
	MaxWidth   uint32   `json:"max_width"`
	MinHeight  uint32   `json:"min_height"`
	MaxHeight  uint32   `json:"max_height"`
}

// Resources reads the device's CRTC, connector, encoder and plane ids
// (GETRESOURCES and GETPLANERESOURCES, count-then-fill, retried when a
// hotplug changes the counts in between). Devices without mode setting
// (render-only drivers such as vgem) answer EOPNOTSUPP.
func (d *Device) Resources() (*Resources, error) {
	var fbs, crtcs, conns, encs []uint32
	var r uapi.DRMModeCardRes
	err := fill(func() (bool, error) {
		var err error
		r, err = uapi.ModeGetResources(d.fd, fbs, crtcs, conns, encs)
		if err != nil {
			return false, err
		}
		if int(r.CountFbs) > len(fbs) || int(r.CountCrtcs) > len(crtcs) ||
			int(r.CountConnectors) > len(conns) || int(r.CountEncoders) > len(encs) {
			fbs, crtcs = make([]uint32, r.CountFbs), make([]uint32, r.CountCrtcs)
			conns, encs = make([]uint32, r.CountConnectors), make([]uint32, r.CountEncoders)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, uapi.WithHint(err, "the device has no mode setting (a render-only driver, or a render node)")
	}
	res := &Resources{
		FBs: fbs[:r.CountFbs], CRTCs: crtcs[:r.CountCrtcs],
		Connectors: conns[:r.CountConnectors], Encoders: encs[:r.CountEncoders],
		MinWidth: r.MinWidth, MaxWidth: r.MaxWidth, MinHeight: r.MinHeight, MaxHeight: r.MaxHeight,
	}
	var planes []uint32
	err = fill(func() (bool, error) {
		n, err := uapi.ModeGetPlaneResources(d.fd, planes)
		if err != nil {
			return false, err
		}
		if int(n) > len(planes) {
			planes = make([]uint32, n)
			return false, nil
		}
		planes = planes[:n]
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	res.Planes = planes
	return res, nil
}

// CRTCIndex returns the index of CRTC id in r.CRTCs (the bit in
// possible_crtcs masks), or -1.
func (r *Resources) CRTCIndex(id uint32) int {
	for i, c := range r.CRTCs {
		if c == id {
			return i
		}
	}
	return -1
}

// Mode is a display mode (timings) as KMS describes it.
type Mode struct {
	Name       string `json:"name"`
	Clock      uint32 `json:"clock_khz"`
	HDisplay   uint16 `json:"hdisplay"`
	HSyncStart uint16 `json:"hsync_start"`
	HSyncEnd   uint16 `json:"hsync_end"`
	HTotal     uint16 `json:"htotal"`
	HSkew      uint16 `json:"hskew,omitempty"`
	VDisplay   uint16 `json:"vdisplay"`
	VSyncStart uint16 `json:"vsync_start"`
	VSyncEnd   uint16 `json:"vsync_end"`
	VTotal     uint16 `json:"vtotal"`
	VScan      uint16 `json:"vscan,omitempty"`
	VRefresh   uint32 `json:"vrefresh"`
	Flags      uint32 `json:"flags"`
	Type       uint32 `json:"type"`
}

// Mode type bits.
const (
	ModeTypePreferred = 1 << 3
	ModeTypeDriver    = 1 << 6
)

// Preferred reports whether the connector prefers this mode.
func (m Mode) Preferred() bool { return m.Type&ModeTypePreferred != 0 }

// RefreshMilliHz returns the exact refresh rate in mHz computed from the
// timings (VRefresh is rounded to whole Hz).
func (m Mode) RefreshMilliHz() uint64 {
	if m.HTotal == 0 || m.VTotal == 0 {
		return 0
	}
	num := uint64(m.Clock) * 1000 * 1000
	den := uint64(m.HTotal) * uint64(m.VTotal)
	if m.Flags&(1<<4) != 0 { // DRM_MODE_FLAG_INTERLACE
		num *= 2
	}
	if m.Flags&(1<<5) != 0 { // DRM_MODE_FLAG_DBLSCAN
		den *= 2
	}
	if m.VScan > 1 {
		den *= uint64(m.VScan)
	}
	return (num + den/2) / den
}

// String renders the mode like "1920x1080@60".
func (m Mode) String() string {
	return fmt.Sprintf("%dx%d@%d", m.HDisplay, m.VDisplay, m.VRefresh)
}

func modeFromUAPI(u uapi.DRMModeModeinfo) Mode {
	return Mode{
		Name: cString(u.Name[:]), Clock: u.Clock,
		HDisplay: u.Hdisplay, HSyncStart: u.HsyncStart, HSyncEnd: u.HsyncEnd, HTotal: u.Htotal, HSkew: u.Hskew,
		VDisplay: u.Vdisplay, VSyncStart: u.VsyncStart, VSyncEnd: u.VsyncEnd, VTotal: u.Vtotal, VScan: u.Vscan,
		VRefresh: u.Vrefresh, Flags: u.Flags, Type: u.Type,
	}
}

func (m Mode) uapi() uapi.DRMModeModeinfo {
	u := uapi.DRMModeModeinfo{
		Clock: m.Clock, Hdisplay: m.HDisplay, HsyncStart: m.HSyncStart, HsyncEnd: m.HSyncEnd, Htotal: m.HTotal, Hskew: m.HSkew,
		Vdisplay: m.VDisplay, VsyncStart: m.VSyncStart, VsyncEnd: m.VSyncEnd, Vtotal: m.VTotal, Vscan: m.VScan,
		Vrefresh: m.VRefresh, Flags: m.Flags, Type: m.Type,
	}
	copy(u.Name[:len(u.Name)-1], m.Name)
	return u
}

// Blob returns the mode as the bytes of a MODE_ID property blob.
func (m Mode) Blob() []byte {
	u := m.uapi()
	return uapi.ModeInfoBytes(&u)
}

// ParseModeBlob decodes a MODE_ID blob.
func ParseModeBlob(b []byte) (Mode, error) {
	u, ok := uapi.ModeInfoFromBytes(b)
	if !ok {
		return Mode{}, fmt.Errorf("kms: mode blob of %d bytes is shorter than struct drm_mode_modeinfo", len(b))
	}
	return modeFromUAPI(u), nil
}

// Connection is a connector's status.
type Connection uint32

// Connector statuses.
const (
	Connected    Connection = 1
	Disconnected Connection = 2
	Unknown      Connection = 3
)

// String names the status.
func (c Connection) String() string {
	switch c {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("connection(%d)", uint32(c))
}

// MarshalText implements encoding.TextMarshaler.
func (c Connection) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ConnectorType is DRM_MODE_CONNECTOR_*.
type ConnectorType uint32

// Connector types used in code; the others are named by String.
const (
	ConnectorVirtual   ConnectorType = 15
	ConnectorWriteback ConnectorType = 18
)

// connectorTypeNames are the kernel's names (drm_connector_enum_list),
// which form the connector names "HDMI-A-1", "Virtual-1", "Writeback-1".
var connectorTypeNames = [...]string{
	0: "Unknown", 1: "VGA", 2: "DVI-I", 3: "DVI-D", 4: "DVI-A", 5: "Composite",
	6: "SVIDEO", 7: "LVDS", 8: "Component", 9: "DIN", 10: "DP", 11: "HDMI-A",
	12: "HDMI-B", 13: "TV", 14: "eDP", 15: "Virtual", 16: "DSI", 17: "DPI",
	18: "Writeback", 19: "SPI", 20: "USB",
}

// String returns the kernel's name of the type.
func (t ConnectorType) String() string {
	if int(t) < len(connectorTypeNames) {
		return connectorTypeNames[t]
	}
	return fmt.Sprintf("Type%d", uint32(t))
}

// MarshalText implements encoding.TextMarshaler.
func (t ConnectorType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Connector is a display output (or a writeback sink).
type Connector struct {
	ID        uint32        `json:"id"`
	Name      string        `json:"name"` // "HDMI-A-1", as in sysfs and the kernel log
	Type      ConnectorType `json:"type"`
	TypeID    uint32        `json:"type_id"`
	Status    Connection    `json:"status"`
	MMWidth   uint32        `json:"mm_width"`
	MMHeight  uint32        `json:"mm_height"`
	Subpixel  uint32        `json:"subpixel"`
	EncoderID uint32        `json:"encoder_id"` // current encoder, 0 if none
	Encoders  []uint32      `json:"encoders"`
	Modes     []Mode        `json:"modes"`
	Props     Properties    `json:"-"`
	// EDID is the EDID blob of a connected monitor, nil when there is none.
	EDID []byte `json:"-"`
	// WritebackFormats lists the formats a writeback connector can
	// write (its WRITEBACK_PIXEL_FORMATS blob).
	WritebackFormats []allocator.Format `json:"writeback_formats,omitempty"`
}

// Connector reads connector id with its modes, properties and EDID. Like
// libdrm's drmModeGetConnector it lets the kernel probe the output first
// (re-detect, re-read the EDID, rebuild the mode list) when this client is
// DRM master; that can take a while on real hardware. ConnectorCurrent
// skips the probe.
func (d *Device) Connector(id uint32) (*Connector, error) {
	return d.connector(id, true)
}

// ConnectorCurrent is Connector without the probe: it returns the state
// the kernel last detected.
func (d *Device) ConnectorCurrent(id uint32) (*Connector, error) {
	return d.connector(id, false)
}

func (d *Device) connector(id uint32, probe bool) (*Connector, error) {
	var encs []uint32
	modes := make([]uapi.DRMModeModeinfo, 0, 1)
	if !probe {
		// A non-empty modes buffer asks for the cached list.
		modes = modes[:1]
	}
	var props []uint32
	var vals []uint64
	var c uapi.DRMModeGetConnector
	err := fill(func() (bool, error) {
		var err error
		c, err = uapi.ModeGetConnector(d.fd, id, encs, modes, props, vals)
		if err != nil {
			return false, err
		}
		if int(c.CountEncoders) > len(encs) || int(c.CountModes) > len(modes) || int(c.CountProps) > len(props) {
			encs = make([]uint32, c.CountEncoders)
			modes = make([]uapi.DRMModeModeinfo, max(c.CountModes, 1))
			props, vals = make([]uint32, c.CountProps), make([]uint64, c.CountProps)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, uapi.WithObjects(err, "connector %d", id)
	}
	con := &Connector{
		ID: id, Type: ConnectorType(c.ConnectorType), TypeID: c.ConnectorTypeID,
		Status: Connection(c.Connection), MMWidth: c.MmWidth, MMHeight: c.MmHeight,
		Subpixel: c.Subpixel, EncoderID: c.EncoderID,
		Encoders: encs[:c.CountEncoders],
	}
	con.Name = fmt.Sprintf("%s-%d", con.Type, con.TypeID)
	for _, m := range modes[:c.CountModes] {
		con.Modes = append(con.Modes, modeFromUAPI(m))
	}
	for i, pid := range props[:c.CountProps] {
		p, err := d.property(pid)
		if err != nil {
			return nil, err
		}
		con.Props = append(con.Props, PropertyValue{Property: p, Value: vals[i]})
	}
	if v, ok := con.Props.Value("EDID"); ok && v != 0 {
		if con.EDID, err = d.Blob(uint32(v)); err != nil {
			return nil, err
		}
	}
	if v, ok := con.Props.Value("WRITEBACK_PIXEL_FORMATS"); ok && v != 0 {
		b, err := d.Blob(uint32(v))
		if err != nil {
			return nil, err
		}
		con.WritebackFormats = ParseFormatList(b)
	}
	// Cache the property ids for atomic requests.
	names := make(map[string]uint32, len(con.Props))
	for _, p := range con.Props {
		names[p.Name] = p.ID
	}
	d.mu.Lock()
	d.objs[id] = &objectInfo{ids: names}
	d.mu.Unlock()
	return con, nil
}

// PreferredMode returns the connector's preferred mode, else its first.
func (c *Connector) PreferredMode() (Mode, bool) {
	for _, m := range c.Modes {
		if m.Preferred() {
			return m, true
		}
	}
	if len(c.Modes) > 0 {
		return c.Modes[0], true
	}
	return Mode{}, false
}

// FindMode returns the first mode of w x h pixels (any refresh rate when
// refresh is 0).
func (c *Connector) FindMode(w, h, refresh int) (Mode, bool) {
	for _, m := range c.Modes {
		if int(m.HDisplay) == w && int(m.VDisplay) == h && (refresh == 0 || int(m.VRefresh) == refresh) {
			return m, true
		}
	}
	return Mode{}, false
}

// Encoder links connectors to CRTCs.
type Encoder struct {
	ID             uint32 `json:"id"`
	Type           uint32 `json:"type"`
	CRTCID         uint32 `json:"crtc_id"`
	PossibleCRTCs  uint32 `json:"possible_crtcs"`
	PossibleClones uint32 `json:"possible_clones"`
}

// Encoder reads encoder id.
func (d *Device) Encoder(id uint32) (*Encoder, error) {
	e, err := uapi.ModeGetEncoder(d.fd, id)
	if err != nil {
		return nil, uapi.WithObjects(err, "encoder %d", id)
	}
	return &Encoder{ID: id, Type: e.EncoderType, CRTCID: e.CrtcID, PossibleCRTCs: e.PossibleCrtcs, PossibleClones: e.PossibleClones}, nil
}

// ConnectorCRTCs returns the mask of CRTCs (bits by CRTC index) that
// connector c can be driven by: the union over its encoders.
func (d *Device) ConnectorCRTCs(c *Connector) (uint32, error) {
	var mask uint32
	for _, id := range c.Encoders {
		e, err := d.Encoder(id)
		if err != nil {
			return 0, err
		}
		mask |= e.PossibleCRTCs
	}
	return mask, nil
}

// CRTC is a scanout engine: it reads planes and feeds connectors.
type CRTC struct {
	ID        uint32     `json:"id"`
	Index     int        `json:"index"` // bit in possible_crtcs masks
	FBID      uint32     `json:"fb_id"`
	X, Y      uint32     `json:"-"`
	Mode      *Mode      `json:"mode,omitempty"` // nil when inactive
	GammaSize uint32     `json:"gamma_size"`
	Props     Properties `json:"-"`
}

// CRTC reads CRTC id and its properties. index is filled from r when r is
// not nil.
func (d *Device) CRTC(id uint32, r *Resources) (*CRTC, error) {
	c, err := uapi.ModeGetCrtc(d.fd, id)
	if err != nil {
		return nil, uapi.WithObjects(err, "CRTC %d", id)
	}
	crtc := &CRTC{ID: id, Index: -1, FBID: c.FbID, X: c.X, Y: c.Y, GammaSize: c.GammaSize}
	if r != nil {
		crtc.Index = r.CRTCIndex(id)
	}
	if c.ModeValid != 0 {
		m := modeFromUAPI(c.Mode)
		crtc.Mode = &m
	}
	if crtc.Props, err = d.objectProperties(id, uapi.DRM_MODE_OBJECT_CRTC); err != nil {
		return nil, err
	}
	return crtc, nil
}

// PlaneType is the value of a plane's "type" property.
type PlaneType int

// Plane types (DRM_PLANE_TYPE_*).
const (
	PlaneOverlay PlaneType = 0
	PlanePrimary PlaneType = 1
	PlaneCursor  PlaneType = 2
)

// String names the type as the kernel does.
func (t PlaneType) String() string {
	switch t {
	case PlaneOverlay:
		return "Overlay"
	case PlanePrimary:
		return "Primary"
	case PlaneCursor:
		return "Cursor"
	}
	return fmt.Sprintf("PlaneType(%d)", int(t))
}

// MarshalText implements encoding.TextMarshaler.
func (t PlaneType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Plane is a scanout source: a framebuffer positioned on a CRTC.
type Plane struct {
	ID            uint32             `json:"id"`
	Type          PlaneType          `json:"type"`
	CRTCID        uint32             `json:"crtc_id"`
	FBID          uint32             `json:"fb_id"`
	PossibleCRTCs uint32             `json:"possible_crtcs"`
	Formats       []allocator.Format `json:"formats"`
	// InFormats maps each format to the modifiers the plane accepts
	// for it, from the IN_FORMATS blob. Nil when the driver has no
	// IN_FORMATS (then only implicit layouts are known).
	InFormats []FormatModifiers `json:"in_formats,omitempty"`
	// Zpos is the stacking position range; nil when fixed/unknown.
	Zpos *ZposRange `json:"zpos,omitempty"`
	// Rotation lists the supported rotation/reflection names
	// ("rotate-0", "reflect-x"); nil without the property.
	Rotation []string `json:"rotation,omitempty"`
	// Alpha reports a plane-wide "alpha" property (0-0xffff).
	Alpha bool `json:"alpha"`
	// BlendModes lists "pixel blend mode" values ("None",
	// "Pre-multiplied", "Coverage"); nil without the property.
	BlendModes []string `json:"blend_modes,omitempty"`
	// DamageClips reports FB_DAMAGE_CLIPS support.
	DamageClips bool       `json:"damage_clips"`
	Props       Properties `json:"-"`
}

// ZposRange is a plane's zpos property.
type ZposRange struct {
	Min, Max, Value int64
	Immutable       bool
}

// Plane reads plane id with its formats and properties and parses
// IN_FORMATS. Call EnableAtomic (or at least universal planes) first, or
// primary and cursor planes stay hidden.
func (d *Device) Plane(id uint32) (*Plane, error) {
	var formats []uint32
	var g uapi.DRMModeGetPlane
	err := fill(func() (bool, error) {
		var err error
		g, err = uapi.ModeGetPlane(d.fd, id, formats)
		if err != nil {
			return false, err
		}
		if int(g.CountFormatTypes) > len(formats) {
			formats = make([]uint32, g.CountFormatTypes)
			return false, nil
		}
		formats = formats[:g.CountFormatTypes]
		return true, nil
	})
	if err != nil {
		return nil, uapi.WithObjects(err, "plane %d", id)
	}
	p := &Plane{ID: id, CRTCID: g.CrtcID, FBID: g.FbID, PossibleCRTCs: g.PossibleCrtcs, Type: PlaneOverlay}
	for _, f := range formats {
		p.Formats = append(p.Formats, allocator.Format(f))
	}
	if p.Props, err = d.objectProperties(id, uapi.DRM_MODE_OBJECT_PLANE); err != nil {
		return nil, err
	}
	for _, pv := range p.Props {
		switch pv.Name {
		case "type":
			p.Type = PlaneType(pv.Value)
		case "IN_FORMATS":
			if pv.Value == 0 {
				continue
			}
			b, err := d.Blob(uint32(pv.Value))
			if err != nil {
				return nil, err
			}
			if p.InFormats, err = ParseInFormats(b); err != nil {
				return nil, fmt.Errorf("kms: %s: plane %d: %w", d.path, id, err)
			}
		case "zpos":
			z := &ZposRange{Immutable: pv.Immutable, Value: int64(pv.Value)}
			if pv.Kind == PropSignedRange {
				z.Min, z.Max = pv.SignedMin, pv.SignedMax
			} else {
				z.Min, z.Max = int64(pv.Min), int64(pv.Max)
			}
			p.Zpos = z
		case "rotation":
			for _, e := range pv.Enums {
				p.Rotation = append(p.Rotation, e.Name)
			}
		case "alpha":
			p.Alpha = true
		case "pixel blend mode":
			for _, e := range pv.Enums {
				p.BlendModes = append(p.BlendModes, e.Name)
			}
		case "FB_DAMAGE_CLIPS":
			p.DamageClips = true
		}
	}
	return p, nil
}

// Modifiers returns the modifiers the plane accepts for format f: the
// IN_FORMATS list, or [ModifierInvalid] (implicit only) when the plane
// lists f but has no IN_FORMATS, or nil when it does not list f.
func (p *Plane) Modifiers(f allocator.Format) []allocator.Modifier {
	if p.InFormats != nil {
		for _, fm := range p.InFormats {
			if fm.Format == f {
				return fm.Modifiers
			}
		}
		return nil
	}
	for _, g := range p.Formats {
		if g == f {
			return []allocator.Modifier{allocator.ModifierInvalid}
		}
	}
	return nil
}

// SupportsCRTC reports whether the plane can be used on the CRTC with
// index i.
func (p *Plane) SupportsCRTC(i int) bool { return i >= 0 && i < 32 && p.PossibleCRTCs&(1<<i) != 0 }
