package replay

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/go-scanout/scanout/kms/scanout"
)

// BenchmarkReplayNegotiationRaspberryPi4 is the planner's own cost on the
// Pi 4 profile (37 primary formats, oracle answers): hints, ranking, probes.
func BenchmarkReplayNegotiationRaspberryPi4(b *testing.B) {
	t := &testing.T{}
	devs := boards[0].devices(t)
	o := loadOracle(b, "rpi4")
	sources := boardSources("rpi4")
	var probes int
	b.ReportAllocs()
	for range b.N {
		plan, err := scanout.Negotiate(context.Background(), devs, o, scanout.Options{Sources: sources, KernelRelease: "replay"})
		if err != nil {
			b.Fatal(err)
		}
		probes = plan.Probes
	}
	b.ReportMetric(float64(probes), "probes/op")
}

// BenchmarkReplayWarmStartRaspberryPi4 is the cache path: key from the
// devices and hint sources, then load and check the plan.
func BenchmarkReplayWarmStartRaspberryPi4(b *testing.B) {
	t := &testing.T{}
	devs := boards[0].devices(t)
	sources := boardSources("rpi4")
	plan, err := scanout.Negotiate(context.Background(), devs, loadOracle(b, "rpi4"), scanout.Options{Sources: sources, KernelRelease: "replay"})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "plan.json")
	if err := scanout.SaveCache(path, plan); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := scanout.LoadCache(path, scanout.KeyFor(devs, sources, "replay")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(0, "probes/op")
}
