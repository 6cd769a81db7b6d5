// Package appsel lets the customer share chosen application windows rather
// than the whole screen, on X11.
//
// A Tracker keeps the list of open application windows (title, program,
// position, stacking order) on one X connection for its lifetime. It finds
// them both on a bare X server, where applications' windows are children of
// the root, and under a reparenting window manager, where the root's
// children are frames and the application window inside carries WM_STATE
// (the list is _NET_CLIENT_LIST when the manager publishes it).
// SubstructureNotify on the root and PropertyNotify on each application
// window tell it when something changed; it drains a burst of events, then
// reads the tree again (QueryTree lists children bottom to top, so the
// stacking order comes for free) and signals Changed if the list or the
// shared region moved.
//
// The customer selects windows with Select; the tracker follows their
// programs (WM_CLASS class and _NET_WM_PID), so a dialog or a new window of
// a chosen program joins the selection by itself. Region is what is shared:
// each chosen window's frame minus every window stacked above it. The agent
// blacks out the rest of each frame with MaskBGRX and drops remote input
// outside Region.Contains. SelectAll, the default, shares the whole screen.
//
// The capture runs on another X connection, so a frame may show windows
// where the tracker has not yet seen them move. Markers order the two
// (settle.go): the capture sends one before each grab (MarkEvent), and
// Settled returns the region once the tracker has caught up, saying
// whether any window changed in between.
package appsel
