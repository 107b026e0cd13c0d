package wl

import (
	"testing"

	"github.com/go-scanout/scanout/protocol/core"
)

// The interfaces the core implements by hand match wayland.xml.
func TestCoreInterfacesMatchTheXML(t *testing.T) {
	for _, p := range []struct{ core, xml *core.Interface }{
		{core.DisplayInterface, xmlDisplayInterface},
		{core.RegistryInterface, xmlRegistryInterface},
		{core.CallbackInterface, xmlCallbackInterface},
	} {
		c, x := p.core, p.xml
		if c.Name != x.Name || c.Version != x.Version || len(c.Requests) != len(x.Requests) || len(c.Events) != len(x.Events) {
			t.Errorf("%s: core has v%d %d/%d messages, XML v%d %d/%d", x.Name, c.Version, len(c.Requests), len(c.Events), x.Version, len(x.Requests), len(x.Events))
			continue
		}
		for i := range x.Requests {
			if c.Requests[i].Name != x.Requests[i].Name || c.Requests[i].Since != x.Requests[i].Since {
				t.Errorf("%s request %d: core %+v, XML %+v", x.Name, i, c.Requests[i], x.Requests[i])
			}
		}
		for i := range x.Events {
			if c.Events[i].Name != x.Events[i].Name || c.Events[i].Signature != x.Events[i].Signature || c.Events[i].Since != x.Events[i].Since {
				t.Errorf("%s event %d: core %+v, XML %+v", x.Name, i, c.Events[i], x.Events[i])
			}
		}
	}
	// registry.bind is "usun" in core: the XML's untyped new_id expands
	// to interface name, version, id on the wire.
	if xmlRegistryInterface.Requests[0].Signature != "un" || core.RegistryInterface.Requests[0].Signature != "usun" {
		t.Errorf("wl_registry.bind signatures: XML %q, core %q", xmlRegistryInterface.Requests[0].Signature, core.RegistryInterface.Requests[0].Signature)
	}
}
