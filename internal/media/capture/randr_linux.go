package capture

import (
	"cmp"
	"fmt"
	"github.com/tandem-remote/tandem/internal/media/xconn"
	"image"
	"log/slog"
	"slices"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

type randrInfo struct {
	ok       bool
	monitors bool // RandR 1.5: GetMonitors
}

// initRandR subscribes to screen, CRTC and output changes. Without RandR
// the whole screen is the only monitor.
func initRandR(c *xgb.Conn, root xproto.Window, log *slog.Logger) randrInfo {
	if err := xconn.Ext(c, "RANDR", randr.Init); err != nil {
		log.Info("capture: no RandR extension, one monitor only")
		return randrInfo{}
	}
	v, err := randr.QueryVersion(c, 1, 5).Reply()
	if err != nil {
		log.Info("capture: RandR version query failed, one monitor only", "err", err)
		return randrInfo{}
	}
	mask := uint16(randr.NotifyMaskScreenChange | randr.NotifyMaskCrtcChange | randr.NotifyMaskOutputChange)
	randr.SelectInput(c, root, mask)
	return randrInfo{ok: true, monitors: v.MajorVersion > 1 || v.MinorVersion >= 5}
}

func isLayout(ev xgb.Event) bool {
	switch ev.(type) {
	case randr.ScreenChangeNotifyEvent, randr.NotifyEvent:
		return true
	}
	return false
}

// Monitors asks the server for the current monitors, ordered left to right
// then top to bottom; IDs follow that order, starting at 1.
func (s *Screen) Monitors() []Monitor {
	if err := s.loadLayout(); err != nil {
		s.log.Warn("capture: list monitors", "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.monitors)
}

// Select switches capture to the monitor with the given ID, or to the whole
// virtual screen with All. The next frame is then a full one.
func (s *Screen) Select(monitorID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if monitorID != All && !hasMonitor(s.monitors, monitorID) {
		return fmt.Errorf("select monitor %d: no such monitor (there are %d; 0 means all)", monitorID, len(s.monitors))
	}
	s.selected = monitorID
	signal(s.wake)
	return nil
}

func hasMonitor(ms []Monitor, id int) bool {
	return slices.ContainsFunc(ms, func(m Monitor) bool { return m.ID == id })
}

// loadLayout reads the root size and the monitors and stores them. A
// selected monitor that disappeared falls back to All.
func (s *Screen) loadLayout() error {
	s.layoutStale.Store(false)
	g, err := xproto.GetGeometry(s.conn, xproto.Drawable(s.root)).Reply()
	if err != nil {
		return fmt.Errorf("get screen size: %w", err)
	}
	size := image.Pt(int(g.Width), int(g.Height))
	ms, err := s.listMonitors(size)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rootSize, s.monitors = size, ms
	if s.selected != All && !hasMonitor(ms, s.selected) {
		s.log.Info("capture: selected monitor gone, capturing all", "monitor", s.selected)
		s.selected = All
	}
	return nil
}

func (s *Screen) listMonitors(size image.Point) ([]Monitor, error) {
	var ms []Monitor
	var err error
	switch {
	case s.randr.monitors:
		ms, err = s.randrMonitors()
	case s.randr.ok:
		ms, err = s.crtcMonitors()
	}
	if err != nil {
		return nil, fmt.Errorf("list monitors: %w", err)
	}
	if len(ms) == 0 {
		ms = []Monitor{{Name: "screen", Width: size.X, Height: size.Y, Primary: true}}
	}
	slices.SortFunc(ms, func(a, b Monitor) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y)) })
	for i := range ms {
		ms[i].ID = i + 1
	}
	return ms, nil
}

// randrMonitors uses RandR 1.5 monitors, which include the logical ones a
// user defines (xrandr --setmonitor) to split one wide output.
func (s *Screen) randrMonitors() ([]Monitor, error) {
	r, err := randr.GetMonitors(s.conn, s.root, true).Reply()
	if err != nil {
		return nil, err
	}
	ms := make([]Monitor, 0, len(r.Monitors))
	for _, m := range r.Monitors {
		ms = append(ms, Monitor{
			Name: s.atomName(m.Name), X: int(m.X), Y: int(m.Y),
			Width: int(m.Width), Height: int(m.Height), Primary: m.Primary,
		})
	}
	return ms, nil
}

// crtcMonitors lists the active CRTCs, for servers before RandR 1.5.
func (s *Screen) crtcMonitors() ([]Monitor, error) {
	res, err := randr.GetScreenResourcesCurrent(s.conn, s.root).Reply()
	if err != nil {
		return nil, err
	}
	var primary randr.Output
	if p, err := randr.GetOutputPrimary(s.conn, s.root).Reply(); err == nil {
		primary = p.Output
	}
	var ms []Monitor
	for _, crtc := range res.Crtcs {
		ci, err := randr.GetCrtcInfo(s.conn, crtc, res.ConfigTimestamp).Reply()
		if err != nil || ci.Width == 0 || len(ci.Outputs) == 0 {
			continue
		}
		m := Monitor{X: int(ci.X), Y: int(ci.Y), Width: int(ci.Width), Height: int(ci.Height)}
		m.Primary = slices.Contains(ci.Outputs, primary)
		if oi, err := randr.GetOutputInfo(s.conn, ci.Outputs[0], res.ConfigTimestamp).Reply(); err == nil {
			m.Name = string(oi.Name)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// atomName resolves a monitor's name once; atoms never change meaning.
func (s *Screen) atomName(a xproto.Atom) string {
	s.atomMu.Lock()
	defer s.atomMu.Unlock()
	if name, ok := s.atoms[a]; ok {
		return name
	}
	r, err := xproto.GetAtomName(s.conn, a).Reply()
	if err != nil {
		return ""
	}
	s.atoms[a] = r.Name
	return r.Name
}
