package protocol

import (
	"os"

	"github.com/go-scanout/scanout/protocol/wire"
)

func fileFromFD(n int) *os.File { return os.NewFile(uintptr(n), "socketpair") }

func wireEncoder() *wire.Encoder { return wire.NewEncoder(nil) }
