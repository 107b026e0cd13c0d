package main

// The scanout negotiation section (package kms/scanout): for every display
// device, which memory each plane scans out and why.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-scanout/scanout/kms"
	"github.com/go-scanout/scanout/kms/scanout"
)

// negotiationOptions configure the negotiation section.
type negotiationOptions struct {
	SysfsRoot string
	HeapDir   string
	Config    string // configuration file; "" means scanout.DefaultConfigPath
	Cache     string // plan cache to use and update; "" means none
	ProbeAll  bool   // probe every route instead of stopping at the first that works
	Budget    time.Duration
}

// negotiationSection is the JSON form: the report plus errors of devices
// that could not be negotiated.
type negotiationSection struct {
	*scanout.Report
	Cache  string   `json:"cache,omitempty"`
	Errors []string `json:"errors,omitempty"`
}

// negotiate plans scanout for every display device. A display device
// without a render node of its own is paired with the first render-only
// device (the way Mesa's kmsro pairs vc4 with v3d), and the probes import
// every buffer there too, so the plan shows which memory both share.
func negotiate(o negotiationOptions) *negotiationSection {
	sec := &negotiationSection{}
	devs, err := kms.Discover(&kms.DiscoverOptions{SysfsRoot: o.SysfsRoot})
	if err != nil {
		sec.Errors = append(sec.Errors, err.Error())
		return sec
	}
	cfg, err := scanout.LoadConfig(o.Config, nil)
	if err != nil {
		sec.Errors = append(sec.Errors, err.Error())
		cfg = nil
	}
	sources := scanout.DefaultSources(cfg, o.SysfsRoot)
	renderOnly := ""
	for _, di := range devs {
		if di.Kind == kms.KindRenderOnly && di.Render != "" && renderOnly == "" {
			renderOnly = di.Render
		}
	}
	var all *scanout.Plan
	for _, di := range devs {
		if di.Card == "" || (di.Kind != kms.KindDisplayOnly && di.Kind != kms.KindDisplayRender) {
			continue
		}
		plan, err := negotiateDevice(di, renderOnly, sources, o)
		if err != nil {
			sec.Errors = append(sec.Errors, fmt.Sprintf("%s (%s): %v", di.Card, di.Driver.Name, err))
			continue
		}
		if all == nil {
			all = plan
		} else {
			all.Devices = append(all.Devices, plan.Devices...)
			all.Probes += plan.Probes
			all.Elapsed += plan.Elapsed
			all.Complete = all.Complete && plan.Complete
			all.FromCache = all.FromCache && plan.FromCache
		}
	}
	if all != nil {
		sec.Report = scanout.BuildReport(all)
	}
	return sec
}

func negotiateDevice(di kms.DeviceInfo, renderOnly string, sources []scanout.HintSource, o negotiationOptions) (*scanout.Plan, error) {
	dev, err := kms.Open(di.Card)
	if err != nil {
		return nil, err
	}
	defer dev.Close()
	if _, err := dev.EnableAtomic(); err != nil {
		return nil, err
	}
	render, split := di.Render, false
	if render == "" {
		render, split = renderOnly, renderOnly != ""
	}
	d, err := scanout.DescribeKMS(dev, o.SysfsRoot, render, split)
	if err != nil {
		return nil, err
	}
	cache := ""
	if o.Cache != "" {
		cache = o.Cache + "." + d.SysName
		if p, err := scanout.LoadCache(cache, scanout.KeyFor([]*scanout.Device{d}, sources, "")); err == nil {
			return p, nil
		}
	}
	popt := &scanout.ProberOptions{HeapDir: o.HeapDir}
	if split {
		// Import every probe buffer into the render device too, so the
		// plan keeps only memory both sides share.
		if r, err := kms.Open(render); err == nil {
			defer r.Close()
			popt.Render = r
		}
	}
	p := scanout.NewProber(dev, popt)
	defer p.Close()
	budget := scanout.Budget{MaxTime: o.Budget}
	plan, err := scanout.Negotiate(context.Background(), []*scanout.Device{d}, p,
		scanout.Options{Sources: sources, ProbeAll: o.ProbeAll, Budget: budget})
	if err != nil {
		return nil, err
	}
	if cache != "" && plan.Complete {
		if err := scanout.SaveCache(cache, plan); err != nil {
			plan.Devices[0].Notes = append(plan.Devices[0].Notes, err.Error())
		}
	}
	return plan, nil
}

// writeNegotiationText prints the section after the inventory.
func writeNegotiationText(w io.Writer, sec *negotiationSection, verbose bool) error {
	if sec == nil {
		return nil
	}
	var errs []error
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	if sec.Report != nil {
		errs = append(errs, sec.Report.WriteText(w, verbose))
	} else if len(sec.Errors) == 0 {
		_, err := fmt.Fprintln(w, "Scanout negotiation: no display (KMS) device found")
		errs = append(errs, err)
	} else {
		_, err := fmt.Fprintln(w, "Scanout negotiation: no display device could be negotiated")
		errs = append(errs, err)
	}
	for _, e := range sec.Errors {
		_, err := fmt.Fprintf(w, "negotiation error: %s\n", e)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
