//go:build gl && egl && cgo

package gl

import (
	"fmt"
	"strings"

	gl "github.com/go-gl/gl/v3.1/gles2"
)

// GLSL ES 1.00 runs on GLES 2 and 3 contexts alike.
const vertexShader = `
attribute vec2 pos;
attribute vec2 uv;
varying vec2 v_uv;
void main() {
	v_uv = uv;
	gl_Position = vec4(pos, 0.0, 1.0);
}
`

// fragmentShader is specialised by the header: sampler type and whether
// alpha is forced to one.
const fragmentShader = `
#ifdef GL_FRAGMENT_PRECISION_HIGH
precision highp float;
#else
precision mediump float;
#endif
uniform SAMPLER tex;
uniform float opacity;
uniform float swap;
uniform vec4 clampUV;
varying vec2 v_uv;
void main() {
	vec4 c = texture2D(tex, clamp(v_uv, clampUV.xy, clampUV.zw));
	if (swap > 0.5) c = c.bgra;
#ifdef OPAQUE
	c.a = 1.0;
#endif
	gl_FragColor = c * opacity;
}
`

// Program kinds.
const (
	progRGBA = iota
	progRGBX
	progExternal
	numProgs
)

type program struct {
	id                             uint32
	pos, uv                        uint32
	tex, opacity, swap, clampUVLoc int32
}

func compileAll() ([numProgs]program, error) {
	var ps [numProgs]program
	heads := [numProgs]string{
		"#define SAMPLER sampler2D\n",
		"#define SAMPLER sampler2D\n#define OPAQUE 1\n",
		"#extension GL_OES_EGL_image_external : require\n#define SAMPLER samplerExternalOES\n",
	}
	names := [numProgs]string{"RGBA", "RGBX", "external OES"}
	for i := range ps {
		p, err := link(heads[i] + fragmentShader)
		if err != nil {
			if i == progExternal {
				continue // no GL_OES_EGL_image_external: external imports are refused
			}
			return ps, fmt.Errorf("render/gl: %s shader: %w", names[i], err)
		}
		ps[i] = p
	}
	return ps, nil
}

func compile(kind uint32, src string) (uint32, error) {
	s := gl.CreateShader(kind)
	cs, free := gl.Strs(src + "\x00")
	gl.ShaderSource(s, 1, cs, nil)
	free()
	gl.CompileShader(s)
	var ok int32
	gl.GetShaderiv(s, gl.COMPILE_STATUS, &ok)
	if ok == 0 {
		var n int32
		gl.GetShaderiv(s, gl.INFO_LOG_LENGTH, &n)
		log := make([]byte, n+1)
		gl.GetShaderInfoLog(s, n, nil, &log[0])
		gl.DeleteShader(s)
		return 0, fmt.Errorf("compile: %s", strings.TrimRight(string(log), "\x00\n"))
	}
	return s, nil
}

func link(frag string) (program, error) {
	vs, err := compile(gl.VERTEX_SHADER, vertexShader)
	if err != nil {
		return program{}, err
	}
	fs, err := compile(gl.FRAGMENT_SHADER, frag)
	if err != nil {
		gl.DeleteShader(vs)
		return program{}, err
	}
	id := gl.CreateProgram()
	gl.AttachShader(id, vs)
	gl.AttachShader(id, fs)
	gl.BindAttribLocation(id, 0, gl.Str("pos\x00"))
	gl.BindAttribLocation(id, 1, gl.Str("uv\x00"))
	gl.LinkProgram(id)
	gl.DeleteShader(vs)
	gl.DeleteShader(fs)
	var ok int32
	gl.GetProgramiv(id, gl.LINK_STATUS, &ok)
	if ok == 0 {
		var n int32
		gl.GetProgramiv(id, gl.INFO_LOG_LENGTH, &n)
		log := make([]byte, n+1)
		gl.GetProgramInfoLog(id, n, nil, &log[0])
		gl.DeleteProgram(id)
		return program{}, fmt.Errorf("link: %s", strings.TrimRight(string(log), "\x00\n"))
	}
	return program{
		id: id, pos: 0, uv: 1,
		tex:        gl.GetUniformLocation(id, gl.Str("tex\x00")),
		opacity:    gl.GetUniformLocation(id, gl.Str("opacity\x00")),
		swap:       gl.GetUniformLocation(id, gl.Str("swap\x00")),
		clampUVLoc: gl.GetUniformLocation(id, gl.Str("clampUV\x00")),
	}, nil
}
