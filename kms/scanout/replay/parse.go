package replay

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/kms/scanout"
)

// Limits for dump input.
const (
	maxDumpSize   = 4 << 20
	maxPlanes     = 256
	maxFormats    = 512
	maxBlobBytes  = 1 << 16
	maxDumpDevice = 32
)

// ParseError is a dump the parser cannot make sense of.
type ParseError struct {
	Kind string // "modetest", "drm_info", "planes json"
	Line int    // 1-based, 0 if not line-specific
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("parse %s output, line %d: %s", e.Kind, e.Line, e.Msg)
	}
	return fmt.Sprintf("parse %s output: %s", e.Kind, e.Msg)
}

// ParseFourCC parses a format as dumps print it: a DRM name ("XRGB8888"),
// a fourcc code of up to four characters ("XR24", "P030", "R8"), or hex.
// Unlike allocator.ParseFormat it accepts codes allocator does not know,
// since a plane may list formats scanout has no layout for.
func ParseFourCC(s string) (allocator.Format, error) {
	if f, err := allocator.ParseFormat(s); err == nil {
		return f, nil
	}
	if len(s) >= 1 && len(s) <= 4 {
		b := []byte(s + "    ")[:4]
		for _, c := range b {
			if c < 0x20 || c > 0x7e {
				return 0, fmt.Errorf("format %q has non-printable characters", s)
			}
		}
		return allocator.Format(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24), nil
	}
	return 0, fmt.Errorf("format %q: not a name, fourcc code or hex value", clip(s))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

var (
	mtPlaneRe = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+),(-?\d+)\s+(-?\d+),(-?\d+)\s+(\d+)\s+0x([0-9a-fA-F]+)\s*$`)
	mtPropRe  = regexp.MustCompile(`^\s*(\d+)\s+([^:]+):\s*$`)
	mtCRTCRe  = regexp.MustCompile(`^\s*(\d+)\s+(\d+)\s+\((-?\d+),(-?\d+)\)\s+\((\d+)x(\d+)\)\s*$`)
	mtHexRe   = regexp.MustCompile(`^\s*[0-9a-fA-F]+\s*$`)
	mtEnumRe  = regexp.MustCompile(`(\w+)=(\d+)`)
)

// ParseModetest parses the output of `modetest -M <driver>` (or its -p
// part) into a device description. driver and node name it, since modetest
// does not print them. Plane types come from the "type" property; formats
// and modifiers from the IN_FORMATS blob (decoded with kms.ParseInFormats),
// or from modetest's decoded table, or from the legacy format list with
// LINEAR when the plane has no IN_FORMATS.
func ParseModetest(text, driver, node string) (*scanout.Device, error) {
	if len(text) > maxDumpSize {
		return nil, &ParseError{Kind: "modetest", Msg: fmt.Sprintf("larger than %d bytes", maxDumpSize)}
	}
	d := &scanout.Device{Node: node, Driver: driver, SysName: sysName(node), Dumb: true, PrimeImport: true}
	type planeState struct {
		p        scanout.Plane
		legacy   []allocator.Format
		blob     []byte
		decoded  allocator.FormatSet
		typeEnum map[string]int
		typeVal  int
		hasType  bool
	}
	var planes []*planeState
	var cur *planeState
	section := ""
	prop := ""
	sub := "" // "blob", "decoded", "enums"
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := sc.Text()
		trim := strings.TrimSpace(line)
		switch trim {
		case "Encoders:", "Connectors:", "CRTCs:", "Planes:", "Frame buffers:":
			section, cur, prop, sub = trim, nil, "", ""
			continue
		}
		switch section {
		case "CRTCs:":
			if m := mtCRTCRe.FindStringSubmatch(line); m != nil && d.ModeWidth == 0 {
				w, _ := strconv.ParseUint(m[5], 10, 32)
				h, _ := strconv.ParseUint(m[6], 10, 32)
				d.ModeWidth, d.ModeHeight = uint32(w), uint32(h)
			}
		case "Planes:":
			if m := mtPlaneRe.FindStringSubmatch(line); m != nil {
				if len(planes) == maxPlanes {
					return nil, &ParseError{Kind: "modetest", Line: ln, Msg: fmt.Sprintf("more than %d planes", maxPlanes)}
				}
				id, _ := strconv.ParseUint(m[1], 10, 32)
				crtcs, err := strconv.ParseUint(m[9], 16, 32)
				if err != nil {
					return nil, &ParseError{Kind: "modetest", Line: ln, Msg: "possible crtcs " + m[9] + " is not a 32-bit hex mask"}
				}
				cur = &planeState{p: scanout.Plane{ID: uint32(id), CRTCs: uint32(crtcs)}, typeVal: -1}
				planes = append(planes, cur)
				prop, sub = "", ""
				continue
			}
			if cur == nil {
				continue
			}
			if rest, ok := strings.CutPrefix(trim, "formats:"); ok {
				for _, w := range strings.Fields(rest) {
					f, err := ParseFourCC(w)
					if err != nil {
						return nil, &ParseError{Kind: "modetest", Line: ln, Msg: err.Error()}
					}
					if len(cur.legacy) < maxFormats {
						cur.legacy = append(cur.legacy, f)
					}
				}
				continue
			}
			if trim == "props:" {
				continue
			}
			if m := mtPropRe.FindStringSubmatch(line); m != nil && !strings.HasPrefix(trim, "flags") && !strings.HasPrefix(trim, "value") {
				prop, sub = strings.TrimSpace(m[2]), ""
				continue
			}
			switch {
			case strings.HasPrefix(trim, "enums:") && prop == "type":
				cur.typeEnum = map[string]int{}
				for _, m := range mtEnumRe.FindAllStringSubmatch(trim, -1) {
					v, _ := strconv.Atoi(m[2])
					cur.typeEnum[m[1]] = v
				}
			case strings.HasPrefix(trim, "value:"):
				v := strings.TrimSpace(strings.TrimPrefix(trim, "value:"))
				if prop == "type" && v != "" {
					n, err := strconv.Atoi(v)
					if err != nil {
						return nil, &ParseError{Kind: "modetest", Line: ln, Msg: "type value " + clip(v) + " is not a number"}
					}
					cur.typeVal, cur.hasType = n, true
				}
				if prop == "IN_FORMATS" {
					sub = "blob"
				}
			case trim == "in_formats blob decoded:" && prop == "IN_FORMATS":
				sub = "decoded"
			case sub == "blob" && mtHexRe.MatchString(line):
				b, err := hex.DecodeString(trim)
				if err != nil {
					return nil, &ParseError{Kind: "modetest", Line: ln, Msg: "IN_FORMATS blob: " + err.Error()}
				}
				if len(cur.blob)+len(b) > maxBlobBytes {
					return nil, &ParseError{Kind: "modetest", Line: ln, Msg: "IN_FORMATS blob too large"}
				}
				cur.blob = append(cur.blob, b...)
			case sub == "decoded" && strings.Contains(trim, ":"):
				name, mods, _ := strings.Cut(trim, ":")
				f, err := ParseFourCC(strings.TrimSpace(name))
				if err != nil {
					return nil, &ParseError{Kind: "modetest", Line: ln, Msg: err.Error()}
				}
				var ms []allocator.Modifier
				for _, w := range strings.Fields(mods) {
					m, err := allocator.ParseModifier(w)
					if err != nil {
						return nil, &ParseError{Kind: "modetest", Line: ln, Msg: err.Error()}
					}
					ms = append(ms, m)
				}
				cur.decoded.Add(f, ms...)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Kind: "modetest", Line: ln, Msg: err.Error()}
	}
	if len(planes) == 0 {
		return nil, &ParseError{Kind: "modetest", Msg: "no planes found (is this modetest output with a Planes: section?)"}
	}
	for _, ps := range planes {
		p := ps.p
		if !ps.hasType {
			return nil, &ParseError{Kind: "modetest", Msg: fmt.Sprintf("plane %d has no type property", p.ID)}
		}
		p.Type = planeTypeFromEnum(ps.typeEnum, ps.typeVal)
		if p.Type == "" {
			return nil, &ParseError{Kind: "modetest", Msg: fmt.Sprintf("plane %d: type value %d unknown", p.ID, ps.typeVal)}
		}
		switch {
		case len(ps.blob) > 0:
			fms, err := kms.ParseInFormats(ps.blob)
			if err != nil {
				return nil, &ParseError{Kind: "modetest", Msg: fmt.Sprintf("plane %d IN_FORMATS: %v", p.ID, err)}
			}
			for _, fm := range fms {
				p.Formats.Add(fm.Format, fm.Modifiers...)
			}
			if ps.decoded.Len() > 0 && !ps.decoded.Equal(p.Formats) {
				return nil, &ParseError{Kind: "modetest", Msg: fmt.Sprintf("plane %d: IN_FORMATS blob and decoded table disagree", p.ID)}
			}
		case ps.decoded.Len() > 0:
			p.Formats = ps.decoded
		default:
			p.NoInFormats = true
			for _, f := range ps.legacy {
				p.Formats.Add(f, allocator.ModifierLinear)
			}
		}
		d.Planes = append(d.Planes, p)
	}
	return d, nil
}

func planeTypeFromEnum(enum map[string]int, v int) scanout.PlaneType {
	if enum == nil {
		enum = map[string]int{"Overlay": 0, "Primary": 1, "Cursor": 2}
	}
	for name, n := range enum {
		if n == v {
			switch name {
			case "Overlay":
				return scanout.PlaneOverlay
			case "Primary":
				return scanout.PlanePrimary
			case "Cursor":
				return scanout.PlaneCursor
			}
		}
	}
	return ""
}

func sysName(node string) string {
	if i := strings.LastIndexByte(node, '/'); i >= 0 {
		return node[i+1:]
	}
	return node
}

// drm_info prints a tree; each level is indented by four columns of box
// drawing characters or spaces.
func treeLine(line string) (depth int, content string) {
	col := 0
	for i, r := range line {
		switch r {
		case '│', '├', '└', '─', ' ':
			col++
		default:
			return col / 4, line[i:]
		}
	}
	return col / 4, ""
}

var (
	diNodeRe    = regexp.MustCompile(`^Node: (\S+)`)
	diDriverRe  = regexp.MustCompile(`^Driver: (\S+) \((.*)\) version (\S+)`)
	diCapRe     = regexp.MustCompile(`^(DRM_CAP_\w+) = (\d+)`)
	diDeviceRe  = regexp.MustCompile(`^Device: (\S+)(.*)$`)
	diRangeRe   = regexp.MustCompile(`^(Width|Height): \[(\d+), (\d+)\]`)
	diModeRe    = regexp.MustCompile(`^Mode: (\d+)×(\d+)`)
	diPlaneRe   = regexp.MustCompile(`^Plane (\d+)$`)
	diObjRe     = regexp.MustCompile(`^Object ID: (\d+)`)
	diCRTCsRe   = regexp.MustCompile(`^CRTCs: \{([\d, ]*)\}`)
	diTypeRe    = regexp.MustCompile(`^"type" \(immutable\): enum \{[^}]*\} = (\w+)`)
	diInFmtRe   = regexp.MustCompile(`^"IN_FORMATS" \(immutable\): blob = \d+`)
	diHexItemRe = regexp.MustCompile(`^(\S+) \(0x([0-9a-fA-F]+)\)$`)
)

// ParseDrmInfo parses drm_info's text output into one description per
// node that has planes; nodes drm_info could not read are skipped (the
// second result lists them with the reason printed before them, if any).
func ParseDrmInfo(text string) ([]*scanout.Device, []string, error) {
	if len(text) > maxDumpSize {
		return nil, nil, &ParseError{Kind: "drm_info", Msg: fmt.Sprintf("larger than %d bytes", maxDumpSize)}
	}
	var devs []*scanout.Device
	var skipped []string
	var d *scanout.Device
	var plane *scanout.Plane
	var legacy []allocator.Format
	section := ""
	inFmtDepth, modDepth := -1, -1
	var curMod allocator.Modifier
	inLegacy := -1
	var pending []string
	flushPlane := func() {
		if d != nil && plane != nil {
			if plane.Formats.Len() == 0 {
				plane.NoInFormats = true
				for _, f := range legacy {
					plane.Formats.Add(f, allocator.ModifierLinear)
				}
			}
			d.Planes = append(d.Planes, *plane)
		}
		plane, legacy, inFmtDepth, inLegacy = nil, nil, -1, -1
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		depth, c := treeLine(sc.Text())
		if m := diNodeRe.FindStringSubmatch(c); m != nil && depth == 0 {
			flushPlane()
			if len(devs) == maxDumpDevice {
				return nil, nil, &ParseError{Kind: "drm_info", Line: ln, Msg: "too many nodes"}
			}
			d = &scanout.Device{Node: m[1], SysName: sysName(m[1])}
			devs = append(devs, d)
			section = ""
			continue
		}
		if d == nil {
			if c != "" {
				pending = append(pending, c)
			}
			continue
		}
		if depth == 1 {
			flushPlane()
			section = c
		}
		switch {
		case depth == 1:
			if m := diDriverRe.FindStringSubmatch(c); m != nil {
				d.Driver, d.DriverDesc, d.DriverVersion = m[1], m[2], m[3]
			}
			if m := diDeviceRe.FindStringSubmatch(c); m != nil {
				d.Compatible = strings.Fields(m[2])
			}
		case strings.HasPrefix(section, "Driver:"):
			if m := diCapRe.FindStringSubmatch(c); m != nil {
				v, _ := strconv.ParseUint(m[2], 10, 32)
				switch m[1] {
				case "DRM_CAP_DUMB_BUFFER":
					d.Dumb = v != 0
				case "DRM_CAP_PRIME":
					d.PrimeImport = v&1 != 0
				case "DRM_CAP_CURSOR_WIDTH":
					d.CursorWidth = uint32(v)
				case "DRM_CAP_CURSOR_HEIGHT":
					d.CursorHeight = uint32(v)
				}
			}
		case section == "Framebuffer size":
			if m := diRangeRe.FindStringSubmatch(c); m != nil {
				lo, _ := strconv.ParseUint(m[2], 10, 32)
				hi, _ := strconv.ParseUint(m[3], 10, 32)
				if m[1] == "Width" {
					d.MinWidth, d.MaxWidth = uint32(lo), uint32(hi)
				} else {
					d.MinHeight, d.MaxHeight = uint32(lo), uint32(hi)
				}
			}
		case section == "CRTCs":
			if m := diModeRe.FindStringSubmatch(c); m != nil && d.ModeWidth == 0 {
				w, _ := strconv.ParseUint(m[1], 10, 32)
				h, _ := strconv.ParseUint(m[2], 10, 32)
				d.ModeWidth, d.ModeHeight = uint32(w), uint32(h)
			}
		case section == "Planes":
			if m := diPlaneRe.FindStringSubmatch(c); m != nil && depth == 2 {
				flushPlane()
				if len(d.Planes) == maxPlanes {
					return nil, nil, &ParseError{Kind: "drm_info", Line: ln, Msg: "too many planes"}
				}
				plane = &scanout.Plane{}
				continue
			}
			if plane == nil {
				continue
			}
			if inFmtDepth >= 0 && depth <= inFmtDepth {
				inFmtDepth = -1
			}
			if inLegacy >= 0 && depth <= inLegacy {
				inLegacy = -1
			}
			switch {
			case inFmtDepth >= 0:
				m := diHexItemRe.FindStringSubmatch(c)
				if m == nil {
					return nil, nil, &ParseError{Kind: "drm_info", Line: ln, Msg: "IN_FORMATS entry " + clip(c) + " is not \"NAME (0xHEX)\""}
				}
				v, err := strconv.ParseUint(m[2], 16, 64)
				if err != nil {
					return nil, nil, &ParseError{Kind: "drm_info", Line: ln, Msg: "IN_FORMATS value: " + err.Error()}
				}
				if depth == inFmtDepth+1 {
					curMod, modDepth = allocator.Modifier(v), depth
				} else if depth == modDepth+1 {
					if v > 0xffffffff {
						return nil, nil, &ParseError{Kind: "drm_info", Line: ln, Msg: "format code wider than 32 bits"}
					}
					if plane.Formats.Len() < maxFormats {
						plane.Formats.Add(allocator.Format(v), curMod)
					}
				}
			case inLegacy >= 0:
				if m := diHexItemRe.FindStringSubmatch(c); m != nil {
					if v, err := strconv.ParseUint(m[2], 16, 32); err == nil && len(legacy) < maxFormats {
						legacy = append(legacy, allocator.Format(v))
					}
				}
			case diObjRe.MatchString(c) && depth == 3:
				v, _ := strconv.ParseUint(diObjRe.FindStringSubmatch(c)[1], 10, 32)
				plane.ID = uint32(v)
			case diCRTCsRe.MatchString(c) && depth == 3:
				for _, w := range strings.FieldsFunc(diCRTCsRe.FindStringSubmatch(c)[1], func(r rune) bool { return r == ',' || r == ' ' }) {
					i, err := strconv.Atoi(w)
					if err == nil && i >= 0 && i < 32 {
						plane.CRTCs |= 1 << i
					}
				}
			case c == "Formats:":
				inLegacy = depth
			case diTypeRe.MatchString(c):
				switch diTypeRe.FindStringSubmatch(c)[1] {
				case "Primary":
					plane.Type = scanout.PlanePrimary
				case "Overlay":
					plane.Type = scanout.PlaneOverlay
				case "Cursor":
					plane.Type = scanout.PlaneCursor
				}
			case diInFmtRe.MatchString(c):
				inFmtDepth = depth
			}
		}
	}
	flushPlane()
	if err := sc.Err(); err != nil {
		return nil, nil, &ParseError{Kind: "drm_info", Line: ln, Msg: err.Error()}
	}
	var out []*scanout.Device
	for _, d := range devs {
		if len(d.Planes) == 0 {
			skipped = append(skipped, d.Node+": no planes")
			continue
		}
		for _, p := range d.Planes {
			if p.Type == "" {
				return nil, nil, &ParseError{Kind: "drm_info", Msg: fmt.Sprintf("%s plane %d has no type", d.Node, p.ID)}
			}
		}
		out = append(out, d)
	}
	skipped = append(skipped, pending...)
	return out, skipped, nil
}

// derivedPlanes is the layout of the hand-derived plane JSON fixture.
type derivedPlanes struct {
	Driver string `json:"driver"`
	Planes []struct {
		ID            *uint32             `json:"id"`
		Type          string              `json:"type"`
		PossibleCRTCs *string             `json:"possible_crtcs"`
		Formats       []string            `json:"formats"`
		InFormats     map[string][]string `json:"in_formats"`
	} `json:"planes"`
}

// ParsePlanesJSON parses a derived plane description (the Raspberry Pi 4
// fixture): a driver name and planes with type, formats and an in_formats
// map from "0xMODIFIER (NAME)" to format codes. Planes without an id get
// ids from 1000 up.
func ParsePlanesJSON(b []byte, node string) (*scanout.Device, error) {
	if len(b) > maxDumpSize {
		return nil, &ParseError{Kind: "planes json", Msg: "too large"}
	}
	var dp derivedPlanes
	if err := json.Unmarshal(b, &dp); err != nil {
		return nil, &ParseError{Kind: "planes json", Msg: err.Error()}
	}
	if dp.Driver == "" || len(dp.Planes) == 0 || len(dp.Planes) > maxPlanes {
		return nil, &ParseError{Kind: "planes json", Msg: "want a driver and 1 to 256 planes"}
	}
	d := &scanout.Device{Node: node, SysName: sysName(node), Driver: dp.Driver, Dumb: true, PrimeImport: true}
	for i, jp := range dp.Planes {
		p := scanout.Plane{ID: uint32(1000 + i), CRTCs: 1}
		if jp.ID != nil {
			p.ID = *jp.ID
		}
		if jp.PossibleCRTCs != nil {
			v, err := strconv.ParseUint(strings.TrimPrefix(*jp.PossibleCRTCs, "0x"), 16, 32)
			if err != nil {
				return nil, &ParseError{Kind: "planes json", Msg: fmt.Sprintf("plane %d possible_crtcs: %v", p.ID, err)}
			}
			p.CRTCs = uint32(v)
		}
		switch strings.ToLower(jp.Type) {
		case "primary":
			p.Type = scanout.PlanePrimary
		case "overlay":
			p.Type = scanout.PlaneOverlay
		case "cursor":
			p.Type = scanout.PlaneCursor
		default:
			return nil, &ParseError{Kind: "planes json", Msg: fmt.Sprintf("plane %d type %q unknown", p.ID, clip(jp.Type))}
		}
		for key, fmts := range jp.InFormats {
			hexPart, _, _ := strings.Cut(key, " ")
			v, err := strconv.ParseUint(strings.TrimPrefix(hexPart, "0x"), 16, 64)
			if err != nil {
				return nil, &ParseError{Kind: "planes json", Msg: fmt.Sprintf("plane %d modifier key %q: %v", p.ID, clip(key), err)}
			}
			for _, fs := range fmts {
				f, err := ParseFourCC(fs)
				if err != nil {
					return nil, &ParseError{Kind: "planes json", Msg: err.Error()}
				}
				p.Formats.Add(f, allocator.Modifier(v))
			}
		}
		for _, fs := range jp.Formats {
			f, err := ParseFourCC(fs)
			if err != nil {
				return nil, &ParseError{Kind: "planes json", Msg: err.Error()}
			}
			if !p.Formats.HasFormat(f) {
				// Listed but no modifier covers it (the fixture records
				// the legacy list): the plane still has the format with
				// an empty modifier set.
				p.Formats.Add(f)
			}
		}
		d.Planes = append(d.Planes, p)
	}
	return d, nil
}

// ParseByPath parses a /dev/dri listing with by-path links ("name -> ../cardN"
// lines, as `tree /dev/dri` or `ls -l /dev/dri/by-path` print them) into a
// map from node name ("card1", "renderD128") to the by-path id without its
// "-card"/"-render" suffix, which names the parent device: nodes with the
// same id belong to the same device.
func ParseByPath(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		_, c := treeLine(line)
		name, target, ok := strings.Cut(c, " -> ")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		node := sysName(strings.TrimSpace(target))
		id := strings.TrimSuffix(strings.TrimSuffix(name, "-card"), "-render")
		if id != name && node != "" {
			out[node] = id
		}
	}
	return out
}
