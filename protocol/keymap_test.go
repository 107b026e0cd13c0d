package protocol

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestBuiltinKeymapCompilesWithLibxkbcommon feeds the built-in keymap to
// real libxkbcommon (xkbcli compile-keymap --from-xkb) and checks the
// result keeps the keys and modifiers scanout relies on.
func TestBuiltinKeymapCompilesWithLibxkbcommon(t *testing.T) {
	xkbcli := requireTool(t, "xkbcli") // apt-get install libxkbcommon-tools
	cmd := exec.Command(xkbcli, "compile-keymap", "--from-xkb")
	cmd.Stdin = bytes.NewReader(BuiltinKeymap)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run() // xkbcli 1.5 exits 1 after a successful --from-xkb: judge by the output
	for _, line := range strings.Split(stderr.String(), "\n") {
		// this warning is xkbcli's own, printed for every keymap on stdin
		if strings.Contains(line, "ERROR") || strings.Contains(line, "WARNING") && !strings.Contains(line, "No map in include statement") {
			t.Errorf("xkbcli: %s", line)
		}
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "xkb_keymap {") {
		t.Fatalf("xkbcli did not print a compiled keymap; stderr:\n%s", stderr.String())
	}
	for _, want := range []string{
		"<AC01>               = 38;", // KEY_A (30) + 8
		"<LFSH>               = 50;",
		"symbols[Group1]= [               a,               A ]",
		"symbols[Group1]= [               1,          exclam ]",
		"modifier_map Shift { <LFSH>, <RTSH> };",
		"modifier_map Lock { <CAPS> };",
		"modifier_map Control { <LCTL>, <RCTL> };",
		"modifier_map Mod1 { <LALT>, <RALT> };",
		"modifier_map Mod2 { <NMLK> };",
		"modifier_map Mod4 { <LWIN>, <RWIN> };",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("compiled keymap lacks %q", want)
		}
	}
}
