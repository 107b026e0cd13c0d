package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/kms"
)

// report is everything scanout-info prints. Sections are filled by
// collectors; later issues add theirs (the scanout negotiation report goes
// in Negotiation) without changing the others.
type report struct {
	Devices []deviceReport `json:"devices"`
	Heaps   []heapReport   `json:"heaps"`
	// HeapDirError says why the heap directory could not be read.
	HeapDirError string `json:"heap_dir_error,omitempty"`
	// Negotiation is reserved for the per-plane scanout negotiation
	// report (package kms/scanout); nil until that collector exists.
	Negotiation any `json:"negotiation,omitempty"`
}

type deviceReport struct {
	kms.DeviceInfo
	Caps       *kms.Caps       `json:"caps,omitempty"`
	ClientCaps *kms.ClientCaps `json:"client_caps,omitempty"`
	Master     bool            `json:"master"`
	MinWidth   uint32          `json:"min_width,omitempty"`
	MaxWidth   uint32          `json:"max_width,omitempty"`
	MinHeight  uint32          `json:"min_height,omitempty"`
	MaxHeight  uint32          `json:"max_height,omitempty"`
	CRTCs      []crtcReport    `json:"crtcs,omitempty"`
	Connectors []connReport    `json:"connectors,omitempty"`
	Planes     []planeReport   `json:"planes,omitempty"`
	Errors     []string        `json:"errors,omitempty"`
}

type crtcReport struct {
	ID     uint32 `json:"id"`
	Index  int    `json:"index"`
	Active bool   `json:"active"`
	Mode   string `json:"mode,omitempty"`
	FBID   uint32 `json:"fb_id,omitempty"`
	Gamma  uint32 `json:"gamma_size"`
}

type connReport struct {
	ID               uint32        `json:"id"`
	Name             string        `json:"name"`
	Status           string        `json:"status"`
	PossibleCRTCs    uint32        `json:"possible_crtcs"`
	MMWidth          uint32        `json:"mm_width,omitempty"`
	MMHeight         uint32        `json:"mm_height,omitempty"`
	EDID             *kms.EDIDInfo `json:"edid,omitempty"`
	Modes            []modeReport  `json:"modes,omitempty"`
	WritebackFormats []string      `json:"writeback_formats,omitempty"`
}

type modeReport struct {
	Name      string  `json:"name"`
	Width     uint16  `json:"width"`
	Height    uint16  `json:"height"`
	Refresh   float64 `json:"refresh_hz"`
	ClockKHz  uint32  `json:"clock_khz"`
	Preferred bool    `json:"preferred,omitempty"`
}

type planeReport struct {
	ID            uint32         `json:"id"`
	Type          string         `json:"type"`
	PossibleCRTCs uint32         `json:"possible_crtcs"`
	CRTCID        uint32         `json:"crtc_id,omitempty"`
	FBID          uint32         `json:"fb_id,omitempty"`
	Formats       []formatEntry  `json:"formats"`
	HasInFormats  bool           `json:"in_formats"`
	Zpos          *kms.ZposRange `json:"zpos,omitempty"`
	Rotation      []string       `json:"rotation,omitempty"`
	Alpha         bool           `json:"alpha"`
	BlendModes    []string       `json:"blend_modes,omitempty"`
	DamageClips   bool           `json:"damage_clips"`
}

type formatEntry struct {
	Format    string   `json:"format"`
	FourCC    string   `json:"fourcc"`
	Modifiers []string `json:"modifiers"`
}

type heapReport struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	Mode      string `json:"mode"`
	UID       uint32 `json:"uid"`
	GID       uint32 `json:"gid"`
	CanOpen   bool   `json:"can_open"`
	OpenError string `json:"open_error,omitempty"`
}

type options struct {
	SysfsRoot string
	HeapDir   string
}

func collect(o options) *report {
	r := &report{Devices: []deviceReport{}, Heaps: []heapReport{}}
	devs, err := kms.Discover(&kms.DiscoverOptions{SysfsRoot: o.SysfsRoot})
	if err != nil {
		r.Devices = append(r.Devices, deviceReport{Errors: []string{err.Error()}})
	}
	for _, di := range devs {
		r.Devices = append(r.Devices, collectDevice(di))
	}
	r.Heaps, err = collectHeaps(o.HeapDir)
	if err != nil {
		r.HeapDirError = err.Error()
	}
	return r
}

func collectDevice(di kms.DeviceInfo) deviceReport {
	dr := deviceReport{DeviceInfo: di}
	path := di.Card
	if path == "" {
		path = di.Render
	}
	if path == "" {
		return dr
	}
	d, err := kms.Open(path)
	if err != nil {
		dr.Errors = append(dr.Errors, err.Error())
		return dr
	}
	defer d.Close()
	caps, err := d.Caps()
	if err != nil {
		dr.Errors = append(dr.Errors, err.Error())
	}
	dr.Caps = &caps
	if di.Card == "" || di.Kind == kms.KindRenderOnly {
		return dr
	}
	dr.Master = d.IsMaster()
	cc, err := d.EnableAtomic()
	dr.ClientCaps = &cc
	if err != nil {
		dr.Errors = append(dr.Errors, err.Error())
	}
	res, err := d.Resources()
	if err != nil {
		dr.Errors = append(dr.Errors, err.Error())
		return dr
	}
	dr.MinWidth, dr.MaxWidth, dr.MinHeight, dr.MaxHeight = res.MinWidth, res.MaxWidth, res.MinHeight, res.MaxHeight
	for _, id := range res.CRTCs {
		c, err := d.CRTC(id, res)
		if err != nil {
			dr.Errors = append(dr.Errors, err.Error())
			continue
		}
		cr := crtcReport{ID: c.ID, Index: c.Index, FBID: c.FBID, Gamma: c.GammaSize}
		if v, ok := c.Props.Value("ACTIVE"); ok {
			cr.Active = v != 0
		}
		if c.Mode != nil {
			cr.Mode = c.Mode.String()
		}
		dr.CRTCs = append(dr.CRTCs, cr)
	}
	for _, id := range res.Connectors {
		c, err := d.Connector(id)
		if err != nil {
			dr.Errors = append(dr.Errors, err.Error())
			continue
		}
		cr := connReport{ID: c.ID, Name: c.Name, Status: c.Status.String(), MMWidth: c.MMWidth, MMHeight: c.MMHeight}
		cr.PossibleCRTCs, _ = d.ConnectorCRTCs(c)
		if c.EDID != nil {
			if e, err := kms.ParseEDID(c.EDID); err == nil {
				cr.EDID = &e
			} else {
				dr.Errors = append(dr.Errors, fmt.Sprintf("connector %s: %v", c.Name, err))
			}
		}
		for _, m := range c.Modes {
			cr.Modes = append(cr.Modes, modeReport{Name: m.Name, Width: m.HDisplay, Height: m.VDisplay,
				Refresh: float64(m.RefreshMilliHz()) / 1000, ClockKHz: m.Clock, Preferred: m.Preferred()})
		}
		for _, f := range c.WritebackFormats {
			cr.WritebackFormats = append(cr.WritebackFormats, f.String())
		}
		dr.Connectors = append(dr.Connectors, cr)
	}
	for _, id := range res.Planes {
		p, err := d.Plane(id)
		if err != nil {
			dr.Errors = append(dr.Errors, err.Error())
			continue
		}
		pr := planeReport{ID: p.ID, Type: p.Type.String(), PossibleCRTCs: p.PossibleCRTCs, CRTCID: p.CRTCID, FBID: p.FBID,
			HasInFormats: p.InFormats != nil, Zpos: p.Zpos, Rotation: p.Rotation, Alpha: p.Alpha,
			BlendModes: p.BlendModes, DamageClips: p.DamageClips}
		for _, f := range p.Formats {
			fe := formatEntry{Format: f.String(), FourCC: f.FourCC(), Modifiers: []string{}}
			for _, m := range p.Modifiers(f) {
				fe.Modifiers = append(fe.Modifiers, modName(m))
			}
			pr.Formats = append(pr.Formats, fe)
		}
		dr.Planes = append(dr.Planes, pr)
	}
	return dr
}

func modName(m allocator.Modifier) string {
	if m == allocator.ModifierInvalid {
		return "implicit"
	}
	return m.String()
}

func collectHeaps(dir string) ([]heapReport, error) {
	out := []heapReport{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return out, fmt.Errorf("%s does not exist (kernel without CONFIG_DMABUF_HEAPS)", dir)
		}
		return out, err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		h := heapReport{Name: e.Name(), Path: p}
		if fi, err := os.Stat(p); err == nil {
			// ls style: "crw-------" rather than Go's "Dcrw-------".
			h.Mode = strings.TrimPrefix(fi.Mode().String(), "D")
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				h.UID, h.GID = st.Uid, st.Gid
			}
		}
		f, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(f)
			h.CanOpen = true
		} else {
			h.OpenError = err.Error()
			if errors.Is(err, unix.EACCES) {
				h.OpenError += fmt.Sprintf(" (uid %d; add a udev rule granting a group access, e.g. SUBSYSTEM==\"dma_heap\", GROUP=\"video\", MODE=\"0660\")", os.Geteuid())
			}
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
