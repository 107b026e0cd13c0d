package evdev

import (
	"fmt"
	"strconv"
	"strings"
)

// Transform says how a touch screen's digitiser is mounted relative to the
// image shown on it, with the names wl_output uses for output transforms:
// a panel turned 90 degrees clockwise shows its image with the output
// transform "90" (content rotated 90 degrees counter-clockwise), and its
// touch digitiser, turned with it, needs the touch transform "90" too.
// The flipped variants mirror the touch X axis first.
type Transform uint8

// The eight transforms, in wl_output.transform order.
const (
	TransformNormal Transform = iota
	Transform90
	Transform180
	Transform270
	TransformFlipped
	TransformFlipped90
	TransformFlipped180
	TransformFlipped270
)

var transformNames = [...]string{"normal", "90", "180", "270", "flipped", "flipped-90", "flipped-180", "flipped-270"}

// String returns the transform's name ("normal", "90", "flipped-270").
func (t Transform) String() string {
	if int(t) < len(transformNames) {
		return transformNames[t]
	}
	return "Transform(" + strconv.Itoa(int(t)) + ")"
}

// ParseTransform parses a transform name as String returns it.
func ParseTransform(s string) (Transform, error) {
	for i, n := range transformNames {
		if strings.EqualFold(s, n) {
			return Transform(i), nil
		}
	}
	return 0, fmt.Errorf("touch transform %q: want one of %s", s, strings.Join(transformNames[:], ", "))
}

// Calibration is a 2x3 matrix over normalised coordinates, as libinput's
// LIBINPUT_CALIBRATION_MATRIX and udev's property of that name:
//
//	x' = a*x + b*y + c
//	y' = d*x + e*y + f
//
// with x and y in [0, 1). The zero value means identity.
type Calibration [6]float64

// Matrix returns the calibration that applies t.
func (t Transform) Matrix() Calibration {
	// Rotations by quarter turns clockwise of the digitiser, as libinput
	// documents them; the flipped ones mirror x first.
	var m Calibration
	switch t & 3 {
	case 0:
		m = Calibration{1, 0, 0, 0, 1, 0}
	case 1:
		m = Calibration{0, -1, 1, 1, 0, 0}
	case 2:
		m = Calibration{-1, 0, 1, 0, -1, 1}
	case 3:
		m = Calibration{0, 1, 0, -1, 0, 1}
	}
	if t&4 != 0 {
		// (x, y) -> (1-x, y), then m.
		m = Calibration{-m[0], m[1], m[0] + m[2], -m[3], m[4], m[3] + m[5]}
	}
	return m
}

// ParseCalibration parses six numbers separated by spaces or commas.
func ParseCalibration(s string) (Calibration, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	var m Calibration
	if len(f) != 6 {
		return m, fmt.Errorf("touch calibration %q: want 6 numbers (a b c d e f)", s)
	}
	for i, x := range f {
		v, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return m, fmt.Errorf("touch calibration %q: %w", s, err)
		}
		m[i] = v
	}
	return m, nil
}

// Then returns the calibration that applies m, then n.
func (m Calibration) Then(n Calibration) Calibration {
	m, n = m.orIdentity(), n.orIdentity()
	return Calibration{
		n[0]*m[0] + n[1]*m[3], n[0]*m[1] + n[1]*m[4], n[0]*m[2] + n[1]*m[5] + n[2],
		n[3]*m[0] + n[4]*m[3], n[3]*m[1] + n[4]*m[4], n[3]*m[2] + n[4]*m[5] + n[5],
	}
}

func (m Calibration) orIdentity() Calibration {
	if m == (Calibration{}) {
		return Calibration{1, 0, 0, 0, 1, 0}
	}
	return m
}

// Apply maps normalised (x, y) and clamps the result to [0, 1).
func (m Calibration) Apply(x, y float64) (float64, float64) {
	m = m.orIdentity()
	return clamp01(m[0]*x + m[1]*y + m[2]), clamp01(m[3]*x + m[4]*y + m[5])
}
