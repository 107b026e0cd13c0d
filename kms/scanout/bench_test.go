package scanout

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/kms"
)

// benchDisplay opens driver's card like openDisplay, for benchmarks.
func benchDisplay(b *testing.B, driver string) (*kms.Device, *Device, *KMSProber) {
	b.Helper()
	testenv.RequireRoot(b)
	path := testenv.RequireDRMCard(b, driver)
	dev, err := kms.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dev.Close() })
	if _, err := dev.EnableAtomic(); err != nil {
		b.Fatal(err)
	}
	d, err := DescribeKMS(dev, "", "", false)
	if err != nil {
		b.Fatal(err)
	}
	p := NewProber(dev, nil)
	b.Cleanup(func() { p.Close() })
	return dev, d, p
}

// benchCold measures a full negotiation (default options: stop at the
// first working route per format) and reports the probes it made.
func benchCold(b *testing.B, driver string) {
	_, d, p := benchDisplay(b, driver)
	sources := DefaultSources(nil, "")
	var probes int
	b.ResetTimer()
	for range b.N {
		plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: sources})
		if err != nil {
			b.Fatal(err)
		}
		if !plan.Complete {
			b.Fatalf("plan incomplete: %s", plan.Budget)
		}
		probes = plan.Probes
	}
	b.ReportMetric(float64(probes), "probes/op")
}

func BenchmarkColdNegotiationVKMS(b *testing.B)      { benchCold(b, "vkms") }
func BenchmarkColdNegotiationVirtioGPU(b *testing.B) { benchCold(b, "virtio_gpu") }

// BenchmarkWarmStartVKMS measures what a kiosk does at boot with a cached
// plan: open the display device, describe it, compute the cache key (which
// reads the hint sources) and load the plan. No probe runs.
func BenchmarkWarmStartVKMS(b *testing.B) {
	_, d, p := benchDisplay(b, "vkms")
	sources := DefaultSources(nil, "")
	plan, err := Negotiate(context.Background(), []*Device{d}, p, Options{Sources: sources})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "plan.json")
	if err := SaveCache(path, plan); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var worst, describe time.Duration
	for range b.N {
		start := time.Now()
		dev, err := kms.Open(d.Node)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dev.EnableAtomic(); err != nil {
			b.Fatal(err)
		}
		dd, err := DescribeKMS(dev, "", "", false)
		if err != nil {
			b.Fatal(err)
		}
		describe += time.Since(start)
		got, err := LoadCache(path, KeyFor([]*Device{dd}, sources, ""))
		dev.Close()
		if err != nil {
			b.Fatal(err)
		}
		if !got.FromCache || got.Probes != plan.Probes {
			b.Fatal("not the cached plan")
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(0, "probes/op")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst_ms")
	b.ReportMetric(float64(describe.Microseconds())/1000/float64(b.N), "describe_ms")
}
