package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-scanout/scanout/render"
)

var update = flag.Bool("update", false, "rewrite the reference screenshots in testdata/ref")

// clientCase is one application shown by the demo in a headless test.
type clientCase struct {
	name string   // reference image name
	app  []string // command after --; nil: the built-in client
	size string
	// frame is the frame showing the application to capture.
	frame int
	// tol is the per-channel tolerance; maxBad the fraction of pixels
	// allowed beyond it (anti-aliasing of text may vary by a unit).
	tol    int
	maxBad float64
	env    []string
	// check replaces the reference comparison for clients whose first
	// frame depends on the wall clock.
	check func(*image.RGBA) error
}

var clientCases = []clientCase{
	{name: "go-client", frame: 5, size: "640x480", tol: 0},
	{name: "weston-simple-shm", app: []string{"weston-simple-shm"}, frame: 1, size: "640x480", tol: 2},
	// weston-simple-egl rotates its triangle by the wall-clock time
	// between frames (around the vertical axis), so its frame is checked
	// for what every angle shares instead of against a reference.
	{name: "weston-simple-egl", app: []string{"weston-simple-egl"}, frame: 1, size: "640x480", check: checkTriangle},
	{name: "gtk4-widget-factory", app: []string{"gtk4-widget-factory"}, frame: 1, size: "1920x1080", tol: 3, maxBad: 0.002,
		env: []string{"GTK_A11Y=none", "NO_AT_BRIDGE=1", "GSK_RENDERER=cairo"}},
}

// TestHeadlessClientsMatchReferences runs each client under the demo
// (headless, on demand, virtual clock), takes the screenshot of the
// frame that first shows it and compares it with the committed
// reference image. On a mismatch the screenshot and a diff image
// (differing pixels in red over a dimmed reference) are written next to
// the test's temporary files and named in the failure.
func TestHeadlessClientsMatchReferences(t *testing.T) {
	renderers := []string{"cpu"}
	if render.GLBuiltIn() { // go test -tags gl,egl
		renderers = append(renderers, "gl")
	}
	for _, rn := range renderers {
		for _, tc := range clientCases {
			name := tc.name
			if rn != "cpu" {
				name += "/" + rn
				tc.tol = max(tc.tol, 3) // GL matches the CPU path within a few units
			}
			testClient(t, name, rn, tc)
		}
	}
}

func testClient(t *testing.T, name, renderer string, tc clientCase) {
	{
		t.Run(name, func(t *testing.T) {
			if len(tc.app) > 0 {
				if _, err := exec.LookPath(tc.app[0]); err != nil {
					msg := fmt.Sprintf("%s not installed (apt-get install weston gtk-4-examples)", tc.app[0])
					if os.Getenv("CI") == "true" {
						t.Fatal(msg) // a CI run must not skip its real clients
					}
					t.Skip(msg)
				}
			}
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
			shot := filepath.Join(t.TempDir(), tc.name+".png")
			args := []string{"--backend", "headless", "--size", tc.size, "--refresh", "0", "--deterministic",
				"--capture-frame", fmt.Sprint(tc.frame), "--screenshot", shot, "--renderer", renderer, "--duration", "60s"}
			if tc.app != nil {
				args = append(append(args, "--"), tc.app...)
			} else {
				args = append(args, "--frames", "0")
			}
			var out, errb bytes.Buffer
			start := time.Now()
			if code := run(args, &out, &errb); code != 0 {
				t.Fatalf("compositor-demo %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String())
			}
			t.Logf("%s in %v; %s", tc.name, time.Since(start).Round(time.Millisecond), lastLine(out.String()))
			if !strings.Contains(out.String(), "screenshot: ") {
				t.Fatalf("no screenshot taken:\n%s", out.String())
			}
			got := readPNG(t, shot)
			if tc.check != nil {
				if err := tc.check(got); err != nil {
					dir := t.TempDir()
					if d := os.Getenv("SCANOUT_ARTIFACTS"); d != "" {
						dir = d
					}
					gp := filepath.Join(dir, tc.name+".got.png")
					writePNG(t, gp, got)
					t.Fatalf("%v\nscreenshot: %s", err, gp)
				}
				return
			}
			ref := filepath.Join("testdata", "ref", tc.name+".png")
			if *update {
				if renderer != "cpu" {
					return // references come from the CPU path
				}
				data, _ := os.ReadFile(shot)
				if err := os.WriteFile(ref, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readPNG(t, ref)
			if bad, total, first := diff(got, want, tc.tol); float64(bad) > tc.maxBad*float64(total) {
				dir := t.TempDir()
				if d := os.Getenv("SCANOUT_ARTIFACTS"); d != "" {
					dir = d
				}
				gp := filepath.Join(dir, tc.name+".got.png")
				dp := filepath.Join(dir, tc.name+".diff.png")
				writePNG(t, gp, got)
				writePNG(t, dp, diffImage(got, want, tc.tol))
				t.Fatalf("%d of %d pixels differ from %s by more than %d per channel (allowed %.2f%%); first at %s\nscreenshot: %s\ndiff: %s",
					bad, total, ref, tc.tol, tc.maxBad*100, first, gp, dp)
			}
		})
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestHeadlessClients -update to create the references)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba
}

func writePNG(t *testing.T, path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// diff counts pixels whose channels differ by more than tol.
func diff(a, b *image.RGBA, tol int) (bad, total int, first string) {
	if a.Bounds() != b.Bounds() {
		return 1, 0, fmt.Sprintf("size %v, reference %v", a.Bounds(), b.Bounds())
	}
	total = a.Bounds().Dx() * a.Bounds().Dy()
	for i := 0; i < len(a.Pix); i += 4 {
		for c := 0; c < 4; c++ {
			if d := int(a.Pix[i+c]) - int(b.Pix[i+c]); d > tol || d < -tol {
				if bad == 0 {
					p := i / 4
					first = fmt.Sprintf("(%d,%d): %v vs %v", p%a.Bounds().Dx(), p/a.Bounds().Dx(), a.Pix[i:i+4], b.Pix[i:i+4])
				}
				bad++
				break
			}
		}
	}
	return bad, total, first
}

// diffImage shows the reference dimmed with differing pixels in red.
func diffImage(got, want *image.RGBA, tol int) *image.RGBA {
	out := image.NewRGBA(want.Bounds())
	for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
		for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
			w := want.RGBAAt(x, y)
			c := color.RGBA{w.R / 3, w.G / 3, w.B / 3, 255}
			if image.Pt(x, y).In(got.Rect) {
				g := got.RGBAAt(x, y)
				if absd(g.R, w.R) > tol || absd(g.G, w.G) > tol || absd(g.B, w.B) > tol || absd(g.A, w.A) > tol {
					c = color.RGBA{255, 0, 0, 255}
				}
			}
			out.SetRGBA(x, y, c)
		}
	}
	return out
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// checkTriangle checks a weston-simple-egl frame. The triangle turns
// around the vertical axis by the wall-clock time, so only what every
// angle shares is checked: black corners, the blue top vertex on the
// axis, the lit axis down to the bottom edge, and a covered area between
// an edge-on sliver (0.2%) and the full face (25%).
func checkTriangle(img *image.RGBA) error {
	b := img.Bounds()
	lit := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if int(img.Pix[i])+int(img.Pix[i+1])+int(img.Pix[i+2]) > 30 {
			lit++
		}
	}
	frac := float64(lit) / float64(b.Dx()*b.Dy())
	if frac < 0.002 || frac > 0.25 {
		return fmt.Errorf("triangle covers %.2f%% of the output, want 0.2%% to 25%%", frac*100)
	}
	for y := b.Dy()/4 + 20; y < b.Dy()*3/4-10; y += 10 {
		if c := img.RGBAAt(b.Dx()/2, y); int(c.R)+int(c.G)+int(c.B) < 60 {
			return fmt.Errorf("the triangle's axis at (%d,%d) is dark: %v", b.Dx()/2, y, c)
		}
	}
	for _, p := range []image.Point{{2, 2}, {b.Dx() - 3, 2}, {2, b.Dy() - 3}, {b.Dx() - 3, b.Dy() - 3}} {
		if c := img.RGBAAt(p.X, p.Y); c.R > 8 || c.G > 8 || c.B > 8 {
			return fmt.Errorf("background at %v is %v, want black", p, c)
		}
	}
	top := img.RGBAAt(b.Dx()/2, b.Dy()/4+15)
	if top.B < 150 || top.R > 120 || top.G > 120 {
		return fmt.Errorf("pixel below the top vertex is %v, want blue", top)
	}
	return nil
}
