// Command gen generates the Go packages of protocol/ from the vendored
// protocol XML files in protocol/xml: for every interface a descriptor
// (*core.Interface), a typed object wrapper with one Send method per event,
// a handler interface with one method per request, the request dispatcher,
// opcode constants and enum constants (including error codes). Run it with
// `go generate ./protocol` from the module root.
//
// Versions: the dispatcher never sees requests newer than the object's
// version (the core rejects them); every generated Send method refuses an
// event newer than the object's version with core.ErrEventVersion.
package main

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

const module = "github.com/go-scanout/scanout/protocol"

// files maps each vendored XML file to the Go package generated from it.
var files = []struct{ xml, pkg string }{
	{"wayland.xml", "wl"},
	{"xdg-shell.xml", "xdg"},
	{"linux-dmabuf-v1.xml", "linuxdmabuf"},
	{"presentation-time.xml", "presentation"},
	{"viewporter.xml", "viewporter"},
}

// coreProvided are implemented by protocol/core itself.
var coreProvided = map[string]string{
	"wl_display":  "DisplayInterface",
	"wl_registry": "RegistryInterface",
	"wl_callback": "CallbackInterface",
}

type Protocol struct {
	Name       string      `xml:"name,attr"`
	Copyright  string      `xml:"copyright"`
	Interfaces []Interface `xml:"interface"`
	pkg        string
}

type Interface struct {
	Name        string      `xml:"name,attr"`
	Version     int         `xml:"version,attr"`
	Description Description `xml:"description"`
	Requests    []Message   `xml:"request"`
	Events      []Message   `xml:"event"`
	Enums       []Enum      `xml:"enum"`
}

type Description struct {
	Summary string `xml:"summary,attr"`
	Text    string `xml:",chardata"`
}

type Message struct {
	Name        string      `xml:"name,attr"`
	Type        string      `xml:"type,attr"`
	Since       int         `xml:"since,attr"`
	Deprecated  int         `xml:"deprecated-since,attr"`
	Description Description `xml:"description"`
	Args        []Arg       `xml:"arg"`
}

type Arg struct {
	Name      string `xml:"name,attr"`
	Type      string `xml:"type,attr"`
	Interface string `xml:"interface,attr"`
	AllowNull bool   `xml:"allow-null,attr"`
	Enum      string `xml:"enum,attr"`
	Summary   string `xml:"summary,attr"`
}

type Enum struct {
	Name        string      `xml:"name,attr"`
	Bitfield    bool        `xml:"bitfield,attr"`
	Description Description `xml:"description"`
	Entries     []Entry     `xml:"entry"`
}

type Entry struct {
	Name    string `xml:"name,attr"`
	Value   string `xml:"value,attr"`
	Summary string `xml:"summary,attr"`
	Since   int    `xml:"since,attr"`
}

var (
	ifacePkg  = map[string]string{} // interface name -> package
	ifaceType = map[string]string{} // interface name -> Go type name
)

func main() {
	xmlDir := flag.String("xml", "xml", "directory of the vendored XML files")
	outDir := flag.String("out", ".", "protocol/ directory to write packages into")
	flag.Parse()
	if err := run(*xmlDir, *outDir); err != nil {
		log.Fatal(err)
	}
}

// run generates every package from xmlDir into outDir/<pkg>/protocol_gen.go.
func run(xmlDir, outDir string) error {
	var protos []*Protocol
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(xmlDir, f.xml))
		if err != nil {
			return err
		}
		p := &Protocol{pkg: f.pkg}
		if err := xml.Unmarshal(b, p); err != nil {
			return fmt.Errorf("%s: %v", f.xml, err)
		}
		for _, i := range p.Interfaces {
			ifacePkg[i.Name] = f.pkg
			ifaceType[i.Name] = typeName(i.Name)
		}
		protos = append(protos, p)
	}
	for i, p := range protos {
		src, err := generate(p, files[i].xml)
		if err != nil {
			return fmt.Errorf("%s: %v", files[i].xml, err)
		}
		dir := filepath.Join(outDir, p.pkg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "protocol_gen.go"), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// typeName turns wl_surface into Surface, zwp_linux_buffer_params_v1 into
// BufferParams, wp_presentation_feedback into PresentationFeedback.
func typeName(n string) string {
	for _, p := range []string{"zwp_linux_", "wl_", "xdg_", "wp_", "zwp_"} {
		if strings.HasPrefix(n, p) {
			n = n[len(p):]
			break
		}
	}
	n = strings.TrimSuffix(n, "_v1")
	return camel(n)
}

func camel(n string) string {
	var b strings.Builder
	up := true
	for _, r := range n {
		if r == '_' || r == '-' {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var keywords = map[string]bool{"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true,
	"defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true, "goto": true, "if": true,
	"import": true, "interface": true, "map": true, "package": true, "range": true, "return": true, "select": true,
	"struct": true, "switch": true, "type": true, "var": true, "err": true, "e": true, "r": true, "h": true, "d": true, "ok": true, "fd": true}

func argName(n string) string {
	c := camel(n)
	c = strings.ToLower(c[:1]) + c[1:]
	if keywords[c] {
		c += "_"
	}
	return c
}

// qual returns the Go expression for interface n's item (type or var)
// seen from package pkg.
func qual(pkg, n, item string) string {
	p, ok := ifacePkg[n]
	if !ok {
		log.Fatalf("unknown interface %s", n)
	}
	if p == pkg {
		return item
	}
	return p + "." + item
}

func comment(w *bytes.Buffer, prefix, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			fmt.Fprintf(w, "%s//\n", prefix)
		} else {
			fmt.Fprintf(w, "%s// %s\n", prefix, l)
		}
	}
}

func since(m Message) int {
	if m.Since == 0 {
		return 1
	}
	return m.Since
}

func sigLetter(a Arg) string {
	l := map[string]string{"int": "i", "uint": "u", "fixed": "f", "string": "s", "object": "o", "new_id": "n", "array": "a", "fd": "h"}[a.Type]
	if l == "" {
		log.Fatalf("unknown arg type %s", a.Type)
	}
	if a.AllowNull {
		return "?" + l
	}
	return l
}

func generate(p *Protocol, file string) ([]byte, error) {
	var w bytes.Buffer
	imports := map[string]bool{module + "/core": true, module + "/wire": true}
	var body bytes.Buffer
	for _, in := range p.Interfaces {
		genInterface(&body, p.pkg, in, imports)
	}
	fmt.Fprintf(&w, "// Code generated by protocol/internal/gen from xml/%s; DO NOT EDIT.\n\n", file)
	fmt.Fprintf(&w, "package %s\n\n", p.pkg)
	var imps []string
	for i := range imports {
		imps = append(imps, i)
	}
	sort.Strings(imps)
	w.WriteString("import (\n")
	for _, i := range imps {
		fmt.Fprintf(&w, "\t%q\n", i)
	}
	w.WriteString(")\n\n")
	w.WriteString("var _ = wire.Fixed(0)\n\n")
	w.Write(body.Bytes())
	src, err := format.Source(w.Bytes())
	if err != nil {
		return w.Bytes(), err
	}
	return src, nil
}

func goType(pkg string, a Arg, imports map[string]bool, event bool) string {
	switch a.Type {
	case "int":
		return "int32"
	case "uint":
		return "uint32"
	case "fixed":
		return "wire.Fixed"
	case "string":
		return "string"
	case "array":
		return "[]byte"
	case "fd":
		if event {
			return "int"
		}
		imports["github.com/go-scanout/scanout/internal/fd"] = true
		return "*fd.FD"
	case "object", "new_id":
		if a.Interface == "" {
			return "*core.Resource"
		}
		if p := ifacePkg[a.Interface]; p != pkg {
			imports[module+"/"+p] = true
		}
		return qual(pkg, a.Interface, ifaceType[a.Interface])
	}
	log.Fatalf("arg type %s", a.Type)
	return ""
}

func genInterface(w *bytes.Buffer, pkg string, in Interface, imports map[string]bool) {
	T := ifaceType[in.Name]
	V := T + "Interface"
	provided := coreProvided[in.Name]

	// Descriptor.
	fmt.Fprintf(w, "// %s describes %s version %d.\n", V, in.Name, in.Version)
	if provided != "" {
		fmt.Fprintf(w, "// It is implemented by package core.\nvar %s = core.%s\n\n", V, provided)
		fmt.Fprintf(w, "// xml%s is %s as the XML describes it, for checking core's copy.\nvar xml%s = ", V, in.Name, V)
	} else {
		fmt.Fprintf(w, "var %s = ", V)
	}
	fmt.Fprintf(w, "&core.Interface{Name: %q, Version: %d,\n", in.Name, in.Version)
	msgs := func(name string, ms []Message) {
		fmt.Fprintf(w, "%s: []core.Message{\n", name)
		for _, m := range ms {
			sig := ""
			for _, a := range m.Args {
				sig += sigLetter(a)
			}
			fmt.Fprintf(w, "{Name: %q, Since: %d, Signature: %q, Destructor: %v},\n", m.Name, since(m), sig, m.Type == "destructor")
		}
		w.WriteString("},\n")
	}
	msgs("Requests", in.Requests)
	msgs("Events", in.Events)
	w.WriteString("}\n\n")

	// Types of object/new_id arguments, set in init to allow cycles.
	target := V
	if provided != "" {
		target = "xml" + V
	}
	fmt.Fprintf(w, "func init() {\n")
	for _, km := range []struct {
		kind string
		ms   []Message
	}{{"Requests", in.Requests}, {"Events", in.Events}} {
		kind, ms := km.kind, km.ms
		for i, m := range ms {
			var ts []string
			any := false
			for _, a := range m.Args {
				if (a.Type == "object" || a.Type == "new_id") && a.Interface != "" {
					if p := ifacePkg[a.Interface]; p != pkg {
						imports[module+"/"+p] = true
					}
					ts = append(ts, qual(pkg, a.Interface, ifaceType[a.Interface]+"Interface"))
					any = true
				} else {
					ts = append(ts, "nil")
				}
			}
			if any {
				fmt.Fprintf(w, "%s.%s[%d].Types = []*core.Interface{%s}\n", target, kind, i, strings.Join(ts, ", "))
			}
		}
	}
	if provided == "" && len(in.Requests) > 0 {
		fmt.Fprintf(w, "%s.Dispatch = dispatch%s\n", V, T)
	}
	w.WriteString("}\n\n")

	// Wrapper type.
	comment(w, "", fmt.Sprintf("%s is a %s object: %s.", T, in.Name, strings.TrimSpace(in.Description.Summary)))
	w.WriteString("//\n")
	comment(w, "", in.Description.Text)
	fmt.Fprintf(w, "type %s struct{ *core.Resource }\n\n", T)

	// Opcodes.
	if len(in.Requests)+len(in.Events) > 0 {
		w.WriteString("// Opcodes of " + in.Name + ".\nconst (\n")
		for i, m := range in.Requests {
			fmt.Fprintf(w, "%sRequest%s = %d // since %d\n", T, camel(m.Name), i, since(m))
		}
		for i, m := range in.Events {
			fmt.Fprintf(w, "%sEvent%s = %d // since %d\n", T, camel(m.Name), i, since(m))
		}
		w.WriteString(")\n\n")
	}

	// Enums.
	for _, e := range in.Enums {
		comment(w, "", fmt.Sprintf("%s.%s: %s", in.Name, e.Name, strings.TrimSpace(e.Description.Summary)))
		w.WriteString("const (\n")
		for _, en := range e.Entries {
			v, err := strconv.ParseUint(en.Value, 0, 32)
			if err != nil {
				log.Fatalf("%s.%s.%s: %v", in.Name, e.Name, en.Name, err)
			}
			s := strings.Join(strings.Fields(en.Summary), " ")
			if en.Since > 1 {
				s += fmt.Sprintf(" (since %d)", en.Since)
			}
			fmt.Fprintf(w, "%s%s%s uint32 = %d // %s\n", T, camel(e.Name), camel(en.Name), v, s)
		}
		w.WriteString(")\n\n")
	}

	// Event senders.
	for i, m := range in.Events {
		var params []string
		for _, a := range m.Args {
			params = append(params, argName(a.Name)+" "+goType(pkg, a, imports, true))
		}
		comment(w, "", fmt.Sprintf("Send%s sends %s.%s (since %d): %s", camel(m.Name), in.Name, m.Name, since(m), strings.TrimSpace(m.Description.Summary)))
		if m.Deprecated > 0 {
			fmt.Fprintf(w, "//\n// Deprecated since version %d of %s.\n", m.Deprecated, in.Name)
		}
		fmt.Fprintf(w, "func (o %s) Send%s(%s) error {\n", T, camel(m.Name), strings.Join(params, ", "))
		if since(m) > 1 {
			fmt.Fprintf(w, "if o.Resource == nil || o.Version() < %d { return core.ErrEventVersion }\n", since(m))
		}
		fmt.Fprintf(w, "e := o.BeginEvent(%d)\nif e == nil { return core.ErrDead }\n", i)
		for _, a := range m.Args {
			n := argName(a.Name)
			switch a.Type {
			case "int":
				fmt.Fprintf(w, "e.Int(%s)\n", n)
			case "uint":
				fmt.Fprintf(w, "e.Uint(%s)\n", n)
			case "fixed":
				fmt.Fprintf(w, "e.Fixed(%s)\n", n)
			case "string":
				if a.AllowNull {
					fmt.Fprintf(w, "if %s == \"\" { e.NullString() } else { e.String(%s) }\n", n, n)
				} else {
					fmt.Fprintf(w, "e.String(%s)\n", n)
				}
			case "array":
				fmt.Fprintf(w, "e.Bytes(%s)\n", n)
			case "fd":
				fmt.Fprintf(w, "e.FD(%s)\n", n)
			case "object", "new_id":
				if a.Interface == "" {
					fmt.Fprintf(w, "e.Uint(%s.ID())\n", n)
				} else {
					fmt.Fprintf(w, "e.Uint(%s.Resource.ID())\n", n)
				}
			}
		}
		w.WriteString("return o.EndEvent()\n}\n\n")
	}

	if provided != "" || len(in.Requests) == 0 {
		return
	}

	// Handler interface.
	fmt.Fprintf(w, "// %sHandler receives the requests of %s. Set it with SetHandler.\n", T, in.Name)
	fmt.Fprintf(w, "// Returning an error ends the client: a *core.ProtocolError is sent as is,\n// any other error as an implementation error.\n")
	fmt.Fprintf(w, "type %sHandler interface {\n", T)
	for _, m := range in.Requests {
		params := []string{"o " + T}
		for _, a := range m.Args {
			params = append(params, argName(a.Name)+" "+goType(pkg, a, imports, false))
		}
		comment(w, "\t", fmt.Sprintf("%s is %s.%s (since %d): %s", camel(m.Name), in.Name, m.Name, since(m), strings.TrimSpace(m.Description.Summary)))
		if m.Type == "destructor" {
			w.WriteString("\t// The object is destroyed after the handler returns.\n")
		}
		for _, a := range m.Args {
			if a.Type == "fd" {
				fmt.Fprintf(w, "\t// The handler owns %s and must close it.\n", argName(a.Name))
			}
			if a.Type == "new_id" {
				fmt.Fprintf(w, "\t// %s is already created; the handler sets its handler.\n", argName(a.Name))
			}
		}
		fmt.Fprintf(w, "\t%s(%s) error\n", camel(m.Name), strings.Join(params, ", "))
	}
	w.WriteString("}\n\n")

	// Dispatcher.
	fmt.Fprintf(w, "func dispatch%s(r *core.Resource, op uint16, d *wire.Decoder) error {\n", T)
	fmt.Fprintf(w, "h, ok := r.Handler().(%sHandler)\nswitch op {\n", T)
	for i, m := range in.Requests {
		fmt.Fprintf(w, "case %d: // %s\n", i, m.Name)
		hasFD := false
		for j, a := range m.Args {
			switch a.Type {
			case "int":
				fmt.Fprintf(w, "a%d := d.Int()\n", j)
			case "uint", "object", "new_id":
				fmt.Fprintf(w, "a%d := d.Uint()\n", j)
			case "fixed":
				fmt.Fprintf(w, "a%d := d.Fixed()\n", j)
			case "string":
				if a.AllowNull {
					fmt.Fprintf(w, "a%d := d.NullableString()\n", j)
				} else {
					fmt.Fprintf(w, "a%d := d.String()\n", j)
				}
			case "array":
				fmt.Fprintf(w, "a%d := d.Bytes()\n", j)
			case "fd":
				fmt.Fprintf(w, "a%d := d.FD()\n", j)
				hasFD = true
			}
		}
		fail := "return core.DecodeError(r, op, err)"
		if hasFD {
			fail = "core.CloseFDs(d); return core.DecodeError(r, op, err)"
		}
		fmt.Fprintf(w, "if err := d.Finish(); err != nil { %s }\n", fail)
		var call []string
		call = append(call, T+"{Resource: r}")
		for j, a := range m.Args {
			switch a.Type {
			case "object":
				fmt.Fprintf(w, "o%d, err := core.ObjectArg(r.Client(), a%d, %s, %v)\nif err != nil { %s }\n", j, j,
					qual(pkg, a.Interface, ifaceType[a.Interface]+"Interface"), a.AllowNull, fail)
				call = append(call, fmt.Sprintf("%s{Resource: o%d}", goType(pkg, a, imports, false), j))
			case "fd":
				fmt.Fprintf(w, "f%d, err := fd.New(a%d, %q)\nif err != nil { %s }\n", j, j, in.Name+"."+m.Name+" "+a.Name, fail)
				call = append(call, fmt.Sprintf("f%d", j))
			default:
				call = append(call, fmt.Sprintf("a%d", j))
			}
		}
		// new_id last, after every other argument validated.
		for j, a := range m.Args {
			if a.Type == "new_id" {
				if a.Interface == "" {
					log.Fatalf("%s.%s: new_id without interface is only supported in wl_registry", in.Name, m.Name)
				}
				fmt.Fprintf(w, "n%d, err := core.NewIDArg(r, a%d, %s, r.Version())\nif err != nil { %s }\n", j, j,
					qual(pkg, a.Interface, ifaceType[a.Interface]+"Interface"), fail)
				call[j+1] = fmt.Sprintf("%s{Resource: n%d}", goType(pkg, a, imports, false), j)
			}
		}
		if m.Type == "destructor" {
			fmt.Fprintf(w, "if ok { if err := h.%s(%s); err != nil { return err } }\nr.Destroy()\nreturn nil\n", camel(m.Name), strings.Join(call, ", "))
			continue
		}
		if hasFD {
			// fds wrapped in *fd.FD now; close them if nobody takes them
			w.WriteString("if !ok {")
			for j, a := range m.Args {
				if a.Type == "fd" {
					fmt.Fprintf(w, "f%d.Close();", j)
				}
			}
			w.WriteString("return core.NoHandler(r, op) }\n")
		} else {
			w.WriteString("if !ok { return core.NoHandler(r, op) }\n")
		}
		fmt.Fprintf(w, "if err := h.%s(%s); err != nil { return err }\n", camel(m.Name), strings.Join(call, ", "))
		if m.Type == "destructor" {
			w.WriteString("r.Destroy()\n")
		}
		w.WriteString("return nil\n")
	}
	w.WriteString("}\nreturn core.NoHandler(r, op)\n}\n\n")
}
