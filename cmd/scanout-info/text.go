package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

func (r *report) writeText(out io.Writer) error {
	w := bufio.NewWriter(out)
	if len(r.Devices) == 0 {
		fmt.Fprintln(w, "No DRM devices (no /sys/class/drm entries).")
	}
	for i, d := range r.Devices {
		if i > 0 {
			fmt.Fprintln(w)
		}
		d.writeText(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "DMA heaps:")
	if r.HeapDirError != "" {
		fmt.Fprintf(w, "  %s\n", r.HeapDirError)
	}
	for _, h := range r.Heaps {
		can := "can open"
		if !h.CanOpen {
			can = "cannot open: " + h.OpenError
		}
		fmt.Fprintf(w, "  %-20s %s uid %d gid %d, %s\n", h.Name, h.Mode, h.UID, h.GID, can)
	}
	return w.Flush()
}

func (d *deviceReport) writeText(w io.Writer) {
	name := d.Driver.Name
	if name == "" {
		name = "(unknown driver)"
	}
	fmt.Fprintf(w, "Device %s: %s (%s)\n", name, d.Driver.Description, d.Kind)
	fmt.Fprintf(w, "  Nodes: card %s, render %s\n", orNone(d.Card), orNone(d.Render))
	fmt.Fprintf(w, "  Parent: %s (bus %s)\n", d.SysPath, orNone(d.Bus))
	if d.Driver.Name != "" {
		fmt.Fprintf(w, "  Driver: %s %d.%d.%d (%s)\n", d.Driver.Name, d.Driver.Major, d.Driver.Minor, d.Driver.Patch, d.Driver.Date)
	}
	if d.OpenError != "" {
		fmt.Fprintf(w, "  Open error: %s\n", d.OpenError)
	}
	if c := d.Caps; c != nil {
		fmt.Fprintf(w, "  Caps: dumb=%v prime-import=%v prime-export=%v addfb2-modifiers=%v monotonic=%v crtc-in-vblank=%v async-flip=%v atomic-async-flip=%v syncobj=%v timeline=%v cursor=%dx%d\n",
			c.DumbBuffer, c.PrimeImport, c.PrimeExport, c.AddFB2Modifiers, c.TimestampMonotonic, c.CRTCInVblankEvent,
			c.AsyncPageFlip, c.AtomicAsyncFlip, c.Syncobj, c.SyncobjTimeline, c.CursorWidth, c.CursorHeight)
	}
	if c := d.ClientCaps; c != nil {
		fmt.Fprintf(w, "  Client caps: universal-planes=%v atomic=%v writeback=%v cursor-hotspot=%v; master=%v\n",
			c.UniversalPlanes, c.Atomic, c.WritebackConnectors, c.CursorPlaneHotspot, d.Master)
	}
	if d.MaxWidth > 0 {
		fmt.Fprintf(w, "  Framebuffer size: %dx%d to %dx%d\n", d.MinWidth, d.MinHeight, d.MaxWidth, d.MaxHeight)
	}
	for _, c := range d.CRTCs {
		mode := "off"
		if c.Mode != "" {
			mode = c.Mode
		}
		fmt.Fprintf(w, "  CRTC %d (index %d): %s, fb %d, gamma %d\n", c.ID, c.Index, mode, c.FBID, c.Gamma)
	}
	for _, c := range d.Connectors {
		fmt.Fprintf(w, "  Connector %d %s: %s, CRTCs %#x", c.ID, c.Name, c.Status, c.PossibleCRTCs)
		if c.MMWidth > 0 {
			fmt.Fprintf(w, ", %dx%d mm", c.MMWidth, c.MMHeight)
		}
		fmt.Fprintln(w)
		if e := c.EDID; e != nil {
			fmt.Fprintf(w, "    EDID %s: %s product %#04x, %d, %dx%d cm\n", e.Version, e.Manufacturer, e.Product, e.Year, e.WidthCM, e.HeightCM)
			if e.Name != "" {
				fmt.Fprintf(w, "    Monitor: %s\n", e.Name)
			}
		}
		if len(c.WritebackFormats) > 0 {
			fmt.Fprintf(w, "    Writeback formats: %s\n", strings.Join(c.WritebackFormats, " "))
		}
		if len(c.Modes) > 0 {
			var ms []string
			for _, m := range c.Modes {
				s := fmt.Sprintf("%dx%d@%.2f", m.Width, m.Height, m.Refresh)
				if m.Preferred {
					s += "*"
				}
				ms = append(ms, s)
			}
			fmt.Fprintf(w, "    Modes (%d, * preferred): %s\n", len(ms), wrap(ms, 6, "      "))
		}
	}
	for _, p := range d.Planes {
		fmt.Fprintf(w, "  Plane %d %s: CRTCs %#x", p.ID, p.Type, p.PossibleCRTCs)
		if p.FBID != 0 {
			fmt.Fprintf(w, ", showing fb %d on CRTC %d", p.FBID, p.CRTCID)
		}
		var extra []string
		if p.Zpos != nil {
			extra = append(extra, fmt.Sprintf("zpos [%d,%d]=%d", p.Zpos.Min, p.Zpos.Max, p.Zpos.Value))
		}
		if p.Alpha {
			extra = append(extra, "alpha")
		}
		if len(p.BlendModes) > 0 {
			extra = append(extra, "blend {"+strings.Join(p.BlendModes, ", ")+"}")
		}
		if len(p.Rotation) > 0 {
			extra = append(extra, "rotation {"+strings.Join(p.Rotation, ", ")+"}")
		}
		if p.DamageClips {
			extra = append(extra, "damage clips")
		}
		if len(extra) > 0 {
			fmt.Fprintf(w, "; %s", strings.Join(extra, "; "))
		}
		fmt.Fprintln(w)
		src := "IN_FORMATS"
		if !p.HasInFormats {
			src = "no IN_FORMATS: implicit modifiers only"
		}
		fmt.Fprintf(w, "    Formats (%s):\n", src)
		for _, f := range p.Formats {
			fmt.Fprintf(w, "      %-4s %-16s %s\n", f.FourCC, f.Format, strings.Join(f.Modifiers, " "))
		}
	}
	for _, e := range d.Errors {
		fmt.Fprintf(w, "  Error: %s\n", e)
	}
}

func wrap(items []string, per int, indent string) string {
	var b strings.Builder
	for i, s := range items {
		if i > 0 {
			if i%per == 0 {
				b.WriteString("\n" + indent)
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
