//go:build !windows

package agentui

import (
	"github.com/tandem-remote/tandem/internal/media/xconn"
	"image"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// useRandR readies c for RandR requests (see xconn.Ext for why not
// randr.Init).
func useRandR(c *xgb.Conn) error { return xconn.Ext(c, "RANDR", randr.Init) }

// initRandR reports whether the server has RandR 1.5 monitors, which the
// keeper uses to put the window on the primary monitor and to tell which
// parts of the root window are really on a screen.
func (k *keeper) initRandR() bool {
	if err := useRandR(k.conn); err != nil {
		return false
	}
	v, err := randr.QueryVersion(k.conn, 1, 5).Reply()
	return err == nil && (v.MajorVersion > 1 || v.MajorVersion == 1 && v.MinorVersion >= 5)
}

// monitors lists the monitors' rectangles on the root window, the primary
// one first; the root window's own rectangle when RandR cannot tell.
func (k *keeper) monitors() []image.Rectangle {
	s := xproto.Setup(k.conn).DefaultScreen(k.conn)
	root := []image.Rectangle{image.Rect(0, 0, int(s.WidthInPixels), int(s.HeightInPixels))}
	if !k.randr {
		return root
	}
	r, err := randr.GetMonitors(k.conn, k.root, true).Reply()
	if err != nil || len(r.Monitors) == 0 {
		return root
	}
	ms := make([]image.Rectangle, 0, len(r.Monitors))
	for _, m := range r.Monitors {
		rect := image.Rect(int(m.X), int(m.Y), int(m.X)+int(m.Width), int(m.Y)+int(m.Height))
		if m.Primary {
			ms = append([]image.Rectangle{rect}, ms...)
		} else {
			ms = append(ms, rect)
		}
	}
	return ms
}

// onScreen reports whether r lies wholly on one monitor.
func onScreen(r image.Rectangle, monitors []image.Rectangle) bool {
	for _, m := range monitors {
		if r.In(m) {
			return true
		}
	}
	return false
}
