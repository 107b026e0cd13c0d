package protocol

import (
	"net"

	"github.com/go-scanout/scanout/allocator"
	"github.com/go-scanout/scanout/protocol/core"
	"github.com/go-scanout/scanout/protocol/wire"
)

// Options configure a Server. A nil *Options means the defaults.
type Options struct {
	// SHMFormats are the wl_shm formats offered (DRM fourcc codes; the
	// server maps ARGB8888 and XRGB8888 to wl_shm's 0 and 1). Both of those
	// are always offered, as the protocol requires. Typically the
	// renderer's CPU-readable formats.
	SHMFormats []allocator.Format
	// DMABUF, when not nil, enables zwp_linux_dmabuf_v1 version 5 with this
	// feedback (main device, tranches). See DMABUFFeedback.
	DMABUF *DMABUFFeedback
	// XDGWMBaseVersion caps the advertised xdg_wm_base version (default
	// 5). Some clients bind whatever is advertised while handling only the
	// events of version 1 (weston 10's weston-presentation-shm aborts on
	// xdg_toplevel.wm_capabilities); 3 keeps them working.
	XDGWMBaseVersion uint32
	// Limits bound what each client may make the server hold.
	Limits wire.Limits
	// Log receives abnormal client disconnections; nil is silent.
	Log func(format string, args ...any)
	// Hooks let a backend follow the surfaces.
	Hooks Hooks
}

// Hooks are called with the server lock held. They must not block and
// must not call Server.Do.
type Hooks struct {
	// SurfaceCommitted runs after a wl_surface.commit applied its state.
	SurfaceCommitted func(*Surface)
	// SurfaceMapped runs when a toplevel first commits a buffer, and
	// SurfaceUnmapped when it loses it or is destroyed.
	SurfaceMapped, SurfaceUnmapped func(*Surface)
	// SurfaceDestroyed runs when a wl_surface is destroyed.
	SurfaceDestroyed func(*Surface)
	// CursorChanged runs when the cursor image the client under the
	// pointer set changed (wl_pointer.set_cursor, or the pointer focus
	// moved and the old cursor is void); read it with Server.Cursor.
	// Commits of the cursor surface go to SurfaceCommitted.
	CursorChanged func()
	// PopupBounds returns the rectangle a popup of parent must stay
	// inside (the output), in the coordinates of parent's window
	// geometry, for the positioner's constraint adjustment; false when
	// unknown (the popup is then placed unconstrained).
	PopupBounds func(parent *Surface) (Rect, bool)
}

// Server is a Wayland compositor's protocol side: the display, its globals
// and their state. Every method that is not documented otherwise must be
// called with the lock held: from a hook, or inside Do.
type Server struct {
	d        *core.Display
	opts     Options
	outputs  []*Output
	shmFmts  []uint32
	surfaces map[*Surface]struct{}
	dmabuf   *dmabufState
	seat     seatState
	wmBases  []*wmBase
}

// NewServer creates a server with the standard globals: wl_compositor,
// wl_subcompositor, wl_shm, wl_seat, wl_data_device_manager, xdg_wm_base,
// wp_presentation, wp_viewporter, and zwp_linux_dmabuf_v1 when
// opts.DMABUF is set. Outputs are added with AddOutput.
func NewServer(opts *Options) (*Server, error) {
	s := &Server{surfaces: map[*Surface]struct{}{}}
	if opts != nil {
		s.opts = *opts
	}
	s.d = core.NewDisplay(&core.Options{Limits: s.opts.Limits, Log: s.opts.Log,
		ClientCreated: func(c *core.Client) { c.SetData(&clientState{s: s}) }})
	s.shmFmts = shmCodes(s.opts.SHMFormats)
	s.addCompositor()
	s.addSHM()
	s.addSeat()
	s.addDataDevice()
	s.addXDG()
	s.addPresentation()
	s.addViewporter()
	if s.opts.DMABUF != nil {
		if err := s.addDMABUF(s.opts.DMABUF); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Display returns the core display (for adding globals of other protocols).
func (s *Server) Display() *core.Display { return s.d }

// Listen serves the socket name in $XDG_RUNTIME_DIR (or an absolute path)
// and returns its path. Safe to call without the lock.
func (s *Server) Listen(name string) (string, error) { return s.d.Listen(name) }

// AddClient serves an already connected socket. Safe without the lock.
func (s *Server) AddClient(c *net.UnixConn) error {
	_, err := s.d.AddClient(c)
	return err
}

// Do runs f with the server lock held, then flushes events to clients.
// It is the entry point for a backend (frame completion, presentation,
// buffer release). Never call it from a hook.
func (s *Server) Do(f func()) { s.d.Do(f) }

// Close disconnects every client, removes the sockets and waits for the
// server's goroutines. Safe without the lock.
func (s *Server) Close() error {
	err := s.d.Close()
	s.d.Do(func() {
		if s.dmabuf != nil {
			s.dmabuf.close()
		}
		s.closeSeat()
	})
	return err
}

// Surfaces returns the live surfaces (with the lock held).
func (s *Server) Surfaces() []*Surface {
	out := make([]*Surface, 0, len(s.surfaces))
	for x := range s.surfaces {
		out = append(out, x)
	}
	return out
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		s.opts.Log(format, args...)
	}
}
