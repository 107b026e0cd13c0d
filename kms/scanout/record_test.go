package scanout_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-scanout/scanout/internal/testenv"
	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/kms/scanout"
	"github.com/go-scanout/scanout/kms/scanout/replay"
)

// TestRecordedOutcomesReplayTheLivePlan probes the VM's display devices
// through a Recorder, then replays the recording with an Oracle on the
// device description written next to it: the replayed plan must equal the
// live one. With SCANOUT_RECORD_DIR set, the recordings are kept there
// (testdata/recorded holds the committed ones).
func TestRecordedOutcomesReplayTheLivePlan(t *testing.T) {
	testenv.RequireRoot(t)
	drivers := []string{"vkms"}
	if nodes, _ := testenv.FindDRM("virtio_gpu", "card"); len(nodes) > 0 {
		drivers = append(drivers, "virtio_gpu")
	}
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			dev, err := kms.Open(testenv.RequireDRMCard(t, driver))
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Close()
			if _, err := dev.EnableAtomic(); err != nil {
				t.Fatal(err)
			}
			d, err := scanout.DescribeKMS(dev, "", "", false)
			if err != nil {
				t.Fatal(err)
			}
			p := scanout.NewProber(dev, nil)
			defer p.Close()
			var rec bytes.Buffer
			opt := scanout.Options{ProbeAll: true, Sources: []scanout.HintSource{scanout.Knowledge{}}, KernelRelease: "recorded"}
			live, err := scanout.Negotiate(context.Background(), []*scanout.Device{d}, &replay.Recorder{P: p, W: &rec}, opt)
			if err != nil {
				t.Fatal(err)
			}
			desc, err := replay.MarshalPlanesJSON(d)
			if err != nil {
				t.Fatal(err)
			}
			if dir := os.Getenv("SCANOUT_RECORD_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, driver+".planes.json"), desc, 0o644)
				os.WriteFile(filepath.Join(dir, driver+".outcomes.txt"), rec.Bytes(), 0o644)
			}
			rd, err := replay.ParsePlanesJSON(desc, d.Node)
			if err != nil {
				t.Fatal(err)
			}
			rd.SysName, rd.Dumb = d.SysName, d.Dumb
			oracle, err := replay.ParseOracle(rec.String())
			if err != nil {
				t.Fatalf("%v\n%s", err, rec.String())
			}
			replayed, err := scanout.Negotiate(context.Background(), []*scanout.Device{rd}, oracle, opt)
			if err != nil {
				t.Fatal(err)
			}
			if live.Probes != replayed.Probes || !reflect.DeepEqual(live.Devices[0].Planes, replayed.Devices[0].Planes) {
				t.Errorf("replayed plan differs from the live plan (%d vs %d probes)", live.Probes, replayed.Probes)
			}
		})
	}
}
