package protocol

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-scanout/scanout/internal/testenv"
)

func requireTool(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		// The test script installs the clients; a missing one is a failure
		// in CI, a skip on a developer's machine.
		if isCI() {
			t.Fatalf("%s not installed (apt-get install weston wayland-utils foot gtk-4-examples)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// runUntil starts a client and waits until done reports true for its
// stats (then stops it with SIGTERM) or the timeout passes.
func runUntil(t *testing.T, ts *testServer, timeout time.Duration, env []string, done func(clientStats) bool, name string, args ...string) (clientStats, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, requireTool(t, name), args...)
	cmd.Env = append(ts.env(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			st := ts.statsFor(cmd.Process.Pid)
			if done != nil && !done(st) {
				t.Fatalf("%s exited (%v) before finishing: %+v\n%s", name, err, st, out.String())
			}
			return st, out.String()
		case <-tick.C:
			st := ts.statsFor(cmd.Process.Pid)
			if done != nil && done(st) {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
				return st, out.String()
			}
		case <-ctx.Done():
			<-exited
			t.Fatalf("%s: timeout after %v: %+v\n%s", name, timeout, ts.statsFor(cmd.Process.Pid), out.String())
		}
	}
}

// mappedWithFrames is the bar a demo client must reach: a mapped window
// with buffers committed and at least n frame callbacks delivered.
func mappedWithFrames(n int) func(clientStats) bool {
	return func(st clientStats) bool { return st.mapped > 0 && st.bufferCommits >= n && st.framesDone >= n }
}

func TestRealClients(t *testing.T) {
	tests := []struct {
		name string
		cmd  []string
		env  []string
		done func(clientStats) bool
		also func(t *testing.T, st clientStats)
		opts *Options
	}{
		{name: "weston-simple-shm", cmd: []string{"weston-simple-shm"}, done: mappedWithFrames(20),
			also: func(t *testing.T, st clientStats) {
				if st.shmCommits == 0 {
					t.Errorf("no shm buffer committed: %+v", st)
				}
			}},
		{name: "weston-simple-damage", cmd: []string{"weston-simple-damage"}, done: mappedWithFrames(20)},
		{name: "weston-presentation-shm", cmd: []string{"weston-presentation-shm", "-p"},
			// it binds xdg_wm_base at the advertised version but has
			// listeners for version 1 only
			opts: &Options{XDGWMBaseVersion: 3},
			// -p paces with presentation feedback instead of frame callbacks
			done: func(st clientStats) bool { return st.mapped > 0 && st.bufferCommits >= 10 && st.presented >= 10 }},
		{name: "weston-simple-egl", cmd: []string{"weston-simple-egl"}, env: []string{"LIBGL_ALWAYS_SOFTWARE=1"}, done: mappedWithFrames(10)},
		{name: "foot", cmd: []string{"foot", "--config=/dev/null", "sh", "-c", "for i in $(seq 200); do echo line $i; sleep 0.02; done; sleep 60"}, done: mappedWithFrames(5)},
		{name: "gtk4-widget-factory", cmd: []string{"gtk4-widget-factory"}, env: []string{"GDK_BACKEND=wayland", "NO_AT_BRIDGE=1", "GTK_A11Y=none"}, done: mappedWithFrames(3)},
	}
	timeout := 60 * time.Second
	if testenv.InVM() {
		// TCG emulation: Mesa's start-up alone takes tens of seconds
		timeout = 180 * time.Second
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if tt.name == "gtk4-widget-factory" && testenv.InVM() {
				// In the VM GTK finds the vgem and vkms nodes and tries GL
				// on them; the cairo renderer keeps it on plain wl_shm.
				env = append(env, "GSK_RENDERER=cairo")
			}
			ts := newTestServer(t, tt.opts)
			st, out := runUntil(t, ts, timeout, env, tt.done, tt.cmd[0], tt.cmd[1:]...)
			t.Logf("%s: %+v", tt.name, st)
			if strings.Contains(out, "protocol error") || strings.Contains(out, "Protocol error") {
				t.Errorf("client reported a protocol error:\n%s", out)
			}
			if tt.also != nil {
				tt.also(t, st)
			}
		})
	}
}

func TestWaylandInfoListsGlobalsAndDMABUFFeedback(t *testing.T) {
	ts := newTestServer(t, nil)
	_, out := runUntil(t, ts, 30*time.Second, nil, nil, "wayland-info")
	for _, want := range []string{
		"wl_compositor", "wl_subcompositor", "wl_shm", "wl_seat", "wl_output", "xdg_wm_base",
		"zwp_linux_dmabuf_v1", "wp_presentation", "wp_viewporter",
		"HEADLESS-1", "640", "480",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("wayland-info output lacks %q", want)
		}
	}
	// wayland-info prints the dmabuf feedback: main device, tranches and
	// their formats.
	for _, want := range []string{"main device: 0xE280", "target device: 0xE200", "flags: scanout",
		"0x34325258 = 'XR24'; 0x0000000000000000 = LINEAR", "'NV12'", "'XR24'; 0x00ffffffffffffff = INVALID"} {
		if !strings.Contains(out, want) {
			t.Errorf("wayland-info dmabuf feedback lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func isCI() bool { return testenvCI() }
