//go:build windows

package agentui

import "gioui.org/app"

// viewWindowID is the window's handle as a view event carries it (0 when
// the window goes). Window handles are 32-bit values even in 64-bit
// processes (they are shared with 32-bit ones), so the ID keeps them whole.
func viewWindowID(e app.ViewEvent) (uint32, bool) {
	w, ok := e.(app.Win32ViewEvent)
	return uint32(w.HWND), ok
}
