package compositor_test

import (
	"context"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-scanout/scanout/backend/headless"
	"github.com/go-scanout/scanout/compositor"
	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/protocol"
)

func requireClient(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" || testenv.InVM() {
			t.Fatalf("%s not installed (scripts/install-deps installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// TestGTKSetsACursorThatIsDrawn runs gtk4-widget-factory on a headless
// output, moves the pointer onto it, and checks that GTK's cursor becomes
// the topmost scene element and shows in the screenshot; then clicks the
// header bar's menu button and waits for GTK's menu popup to be drawn.
func TestGTKSetsACursorThatIsDrawn(t *testing.T) {
	bin := requireClient(t, "gtk4-widget-factory")
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	c, err := compositor.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hb, err := headless.New(c, &headless.Options{Outputs: []headless.OutputConfig{{Width: 1920, Height: 1080, RefreshHz: 60}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	runDone := make(chan struct{})
	go func() { hb.Run(ctx); close(runDone) }()
	defer func() { cancel(); <-runDone }()
	if _, err := c.Listen("wayland-gtk"); err != nil {
		t.Fatal(err)
	}
	c.Do(func() { c.SetInputCapabilities(protocol.SeatPointer | protocol.SeatKeyboard) })
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), "WAYLAND_DISPLAY=wayland-gtk", "GDK_BACKEND=wayland", "GTK_A11Y=none", "NO_AT_BRIDGE=1", "GSK_RENDERER=cairo")
	logf, _ := os.Create(filepath.Join(dir, "gtk.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "gtk.log"))
			t.Logf("gtk4-widget-factory output:\n%s", b)
		}
	}()
	ho := hb.Outputs()[0]
	out := ho.Compositor()
	before, err := ho.CaptureWhen(ctx, func() bool {
		tl := c.Toplevel()
		return tl != nil && tl.Commits() >= 3
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("GTK_SHOT"); p != "" {
		headless.WritePNG(p, before)
	}
	const px, py = 960, 700
	c.Do(func() {
		c.PointerMotionAbsolute(out, px, py, protocol.MonotonicNow())
		c.PointerFrame()
	})
	var cur compositor.Element
	buf := make([]compositor.Element, 0, 40)
	after, err := ho.CaptureWhen(ctx, func() bool {
		buf = out.Scene(buf[:0])
		if n := len(buf); n > 0 && buf[n-1].Cursor {
			cur = buf[n-1]
			return true
		}
		return false
	})
	if err != nil {
		t.Fatalf("GTK set no cursor: %v", err)
	}
	if cur.Dst.Min != image.Pt(px, py).Sub(cur.Hotspot) || cur.Dst.Empty() {
		t.Errorf("cursor element %+v: Dst.Min should be the pointer (%d,%d) minus the hotspot", cur, px, py)
	}
	changed := 0
	r := cur.Dst.Intersect(after.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if after.RGBAAt(x, y) != before.RGBAAt(x, y) {
				changed++
			}
		}
	}
	if changed < 10 {
		t.Errorf("the screenshot shows no cursor: %d pixels changed in %v", changed, r)
	}
	t.Logf("GTK cursor %v hotspot %v: %d of %d pixels changed", cur.Dst, cur.Hotspot, changed, r.Dx()*r.Dy())

	// click the "Andrea" drop-down: GTK opens its list as an xdg_popup
	// with a grab, placed below the button
	const dx, dy = 640, 202
	c.Do(func() {
		now := protocol.MonotonicNow()
		c.PointerMotionAbsolute(out, dx, dy, now)
		c.PointerFrame()
		c.PointerButton(btnLeft, true, now+50*time.Millisecond)
		c.PointerFrame()
		c.PointerButton(btnLeft, false, now+100*time.Millisecond)
		c.PointerFrame()
	})
	var popup compositor.Element
	var grabbed, focused bool
	shot, err := ho.CaptureWhen(ctx, func() bool {
		buf = out.Scene(buf[:0])
		for _, e := range buf {
			if e.Surface.Role() == "xdg_popup" {
				popup = e
				grabbed = e.Surface.PopupGrabbed()
				focused = c.Server().KeyboardFocus() == e.Surface
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no popup after clicking the drop-down: %v", err)
	}
	if p := os.Getenv("GTK_SHOT"); p != "" {
		headless.WritePNG(p+".popup.png", shot)
	}
	t.Logf("GTK popup %v, grab %v, keyboard focus %v", popup.Dst, grabbed, focused)
	if !popup.Dst.Overlaps(image.Rect(dx-200, dy-200, dx+200, dy+400)) {
		t.Errorf("popup at %v, far from the drop-down at %d,%d", popup.Dst, dx, dy)
	}
	if !grabbed || !focused {
		t.Errorf("popup grab %v, keyboard focus on it %v: want both", grabbed, focused)
	}
	// Escape goes to the popup, and GTK closes it
	c.Do(func() {
		now := protocol.MonotonicNow()
		c.KeyboardKey(1, true, now)
		c.KeyboardKey(1, false, now+20*time.Millisecond)
	})
	if _, err := ho.CaptureWhen(ctx, func() bool { return len(c.Popups()) == 0 }); err != nil {
		t.Errorf("Escape did not close GTK's popup: %v", err)
	}
}
