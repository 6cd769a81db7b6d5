//go:build linux

package agentui

import "gioui.org/app"

// viewWindowID is the X window ID a view event carries (0 when the
// window goes).
func viewWindowID(e app.ViewEvent) (uint32, bool) {
	x, ok := e.(app.X11ViewEvent)
	return uint32(x.Window), ok
}
