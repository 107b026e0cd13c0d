//go:build !gbm || !cgo

package gbm

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-scanout/scanout/allocator"
)

func TestWithoutTagSaysHowToRebuild(t *testing.T) {
	_, err := Open("/dev/dri/renderD128", nil)
	if !errors.Is(err, allocator.ErrNotBuilt) || !errors.Is(err, unix.EOPNOTSUPP) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "not built with GBM: rebuild with -tags gbm") {
		t.Errorf("message %q does not say how to rebuild", err)
	}
}
