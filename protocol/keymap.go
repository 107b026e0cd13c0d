package protocol

import (
	_ "embed"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/internal/fd"
)

// BuiltinKeymap is the keymap wl_keyboard objects get unless
// Server.SetKeymap replaced it: a US layout on a pc105 keyboard, written
// for scanout as a fully resolved xkb_keymap (keycodes, types,
// compatibility and symbols sections, no includes), with evdev keycodes
// (xkb keycode = evdev code + 8) and the modifiers Shift, Lock (Caps
// Lock), Control, Mod1 (Alt), Mod2 (Num Lock) and Mod4 (Super). It
// compiles with libxkbcommon alone (`xkbcli compile-keymap --from-xkb`).
//
//go:embed keymap_us.xkb
var BuiltinKeymap []byte

// Modifier masks of the built-in keymap (xkb real modifiers, as
// wl_keyboard.modifiers carries them).
const (
	ModShift   uint32 = 1 << 0
	ModLock    uint32 = 1 << 1
	ModControl uint32 = 1 << 2
	ModMod1    uint32 = 1 << 3 // Alt
	ModMod2    uint32 = 1 << 4 // Num Lock
	ModMod4    uint32 = 1 << 6 // Super
)

// maxKeymapSize bounds a keymap given to SetKeymap.
const maxKeymapSize = 1 << 20

// newKeymapFile writes text and a terminating NUL into a memfd sealed
// against writes, growth and shrinking, as wl_keyboard.keymap wants it
// (clients map it MAP_PRIVATE, or read-only shared before version 7).
func newKeymapFile(text []byte) (*fd.FD, uint32, error) {
	if len(text) == 0 || len(text) > maxKeymapSize {
		return nil, 0, fmt.Errorf("protocol: keymap of %d bytes: want 1 to %d", len(text), maxKeymapSize)
	}
	data := make([]byte, len(text)+1) // NUL-terminated, as xkbcommon expects
	copy(data, text)
	f, err := sealedFile("xkb keymap", data)
	if err != nil {
		return nil, 0, err
	}
	return f, uint32(len(data)), nil
}

// sealedFile returns a sealed memfd holding data (name says what it is, in
// errors and fd traces): clients map it read-only and can neither change
// nor shrink it under the compositor.
func sealedFile(name string, data []byte) (*fd.FD, error) {
	n, err := unix.MemfdCreate("scanout-"+strings.ReplaceAll(name, " ", "-"), unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("protocol: memfd_create for the %s: %w", name, err)
	}
	f, err := fd.New(n, name)
	if err != nil {
		return nil, err
	}
	err = f.Control(func(n int) error {
		for off := 0; off < len(data); {
			w, err := unix.Write(n, data[off:])
			if err != nil {
				return err
			}
			off += w
		}
		_, err := unix.FcntlInt(uintptr(n), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL)
		return err
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("protocol: writing and sealing the %s: %w", name, err)
	}
	return f, nil
}
