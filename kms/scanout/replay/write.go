package replay

import (
	"encoding/json"
	"fmt"

	"github.com/go-scanout/scanout/kms/scanout"
)

// MarshalPlanesJSON writes a device description in the layout
// ParsePlanesJSON reads, so a live device (DescribeKMS in the VM or on a
// board) can be recorded next to its outcomes and replayed later.
func MarshalPlanesJSON(d *scanout.Device) ([]byte, error) {
	type plane struct {
		ID            uint32              `json:"id"`
		Type          string              `json:"type"`
		PossibleCRTCs string              `json:"possible_crtcs"`
		Formats       []string            `json:"formats"`
		InFormats     map[string][]string `json:"in_formats"`
	}
	out := struct {
		Provenance string  `json:"_provenance"`
		Driver     string  `json:"driver"`
		Planes     []plane `json:"planes"`
	}{Provenance: fmt.Sprintf("recorded with DescribeKMS from %s (%s %s)", d.Node, d.Driver, d.DriverVersion), Driver: d.Driver}
	for _, p := range d.Planes {
		jp := plane{ID: p.ID, Type: string(p.Type), PossibleCRTCs: fmt.Sprintf("0x%08x", p.CRTCs), InFormats: map[string][]string{}}
		for _, f := range p.Formats.Formats() {
			jp.Formats = append(jp.Formats, f.FourCC())
			for _, m := range p.Formats.Modifiers(f) {
				k := fmt.Sprintf("0x%016x (%s)", uint64(m), m)
				jp.InFormats[k] = append(jp.InFormats[k], f.FourCC())
			}
		}
		out.Planes = append(out.Planes, jp)
	}
	return json.MarshalIndent(out, "", "  ")
}
