package wire

import (
	"testing"

	"github.com/go-scanout/scanout/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }
