package protocol

import (
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wl"
)

// Seat capabilities (wl_seat.capability).
const (
	SeatPointer  = wl.SeatCapabilityPointer
	SeatKeyboard = wl.SeatCapabilityKeyboard
	SeatTouch    = wl.SeatCapabilityTouch
)

func (s *Server) addSeat() {
	s.d.AddGlobal(wl.SeatInterface, wl.SeatInterface.Version, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(seatHandler{})
		s.seats = append(s.seats, r)
		r.OnDestroy(func(r *core.Resource) { s.seats = removeRes(s.seats, r) })
		seat := wl.Seat{Resource: r}
		seat.SendCapabilities(s.seatCaps)
		seat.SendName("seat0")
		return nil
	})
}

// SetSeatCapabilities announces which input devices exist (SeatPointer |
// SeatKeyboard | SeatTouch); 0, the default, means none. Lock held.
func (s *Server) SetSeatCapabilities(caps uint32) {
	s.seatCaps = caps
	for _, r := range s.seats {
		wl.Seat{Resource: r}.SendCapabilities(caps)
	}
}

type seatHandler struct{}

// Input devices are created even without the capability, as inert objects
// (the race between a capability change and the request makes that the
// only safe behaviour); they receive no events until input exists.
func (seatHandler) GetPointer(o wl.Seat, id wl.Pointer) error {
	id.SetHandler(inertPointer{})
	return nil
}
func (seatHandler) GetKeyboard(o wl.Seat, id wl.Keyboard) error {
	id.SetHandler(inertKeyboard{})
	return nil
}
func (seatHandler) GetTouch(o wl.Seat, id wl.Touch) error {
	id.SetHandler(inertTouch{})
	return nil
}
func (seatHandler) Release(wl.Seat) error { return nil }

type inertInput struct{}

func (inertInput) SetCursor(o wl.Pointer, serial uint32, surface wl.Surface, hx, hy int32) error {
	if surface.Resource != nil {
		x := surfaceFrom(surface.Resource)
		if x.role != "" && x.role != "cursor" {
			return o.Errorf(wl.PointerErrorRole, "wl_surface@%d already has the role %s", x.ID(), x.role)
		}
		x.role = "cursor"
	}
	return nil
}

type inertPointer struct{ inertInput }

func (inertPointer) Release(wl.Pointer) error { return nil }

type inertKeyboard struct{}

func (inertKeyboard) Release(wl.Keyboard) error { return nil }

type inertTouch struct{}

func (inertTouch) Release(wl.Touch) error { return nil }

// data device: offered so toolkits that insist on it start; clipboard and
// drag and drop are not implemented (no input exists to start them).

func (s *Server) addDataDevice() {
	s.d.AddGlobal(wl.DataDeviceManagerInterface, wl.DataDeviceManagerInterface.Version, func(c *core.Client, r *core.Resource) error {
		r.SetHandler(dataManager{})
		return nil
	})
}

type dataManager struct{}

func (dataManager) CreateDataSource(o wl.DataDeviceManager, id wl.DataSource) error {
	id.SetHandler(dataSource{})
	return nil
}
func (dataManager) GetDataDevice(o wl.DataDeviceManager, id wl.DataDevice, seat wl.Seat) error {
	id.SetHandler(dataDevice{})
	return nil
}

type dataSource struct{}

func (dataSource) Offer(wl.DataSource, string) error      { return nil }
func (dataSource) Destroy(wl.DataSource) error            { return nil }
func (dataSource) SetActions(wl.DataSource, uint32) error { return nil }

type dataDevice struct{}

func (dataDevice) StartDrag(o wl.DataDevice, src wl.DataSource, origin, icon wl.Surface, serial uint32) error {
	return nil
}
func (dataDevice) SetSelection(wl.DataDevice, wl.DataSource, uint32) error { return nil }
func (dataDevice) Release(wl.DataDevice) error                             { return nil }
