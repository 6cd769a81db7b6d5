// Package winapps lets the customer of the Windows agent share chosen
// application windows rather than the whole screen: the Windows side of
// package appsel, with the same Region (the frame masked, remote input
// clipped) and the same rules for what a chosen window shows.
//
// A Tracker reads the top-level windows (a Lister: EnumWindows on Windows,
// lister_windows.go) in their stacking order, top first. Each read is a
// Layout; the region is every chosen window's rectangle minus what is
// stacked above it (appsel.Visible). The customer chooses windows by ID
// (the HWND); other windows of a chosen window's process (its dialogs,
// menus, a second document window) join the selection by themselves, as
// appsel follows a program on X11.
//
// Windows sends no window events to a program that does not hook for them,
// so the tracker polls: every PollInterval it reads the layout again and
// signals Changed when the list or the region moved. While the whole
// screen is shared and the windows stay put it backs off, up to four
// times PollInterval (a read costs milliseconds under Wine, and the idle
// agent should cost nothing); a change or a choice brings the pace back. SetWinEventHook
// (EVENT_OBJECT_LOCATIONCHANGE and friends) would tell it sooner, but needs
// a thread of its own running a message loop and reports every caret and
// pointer move on the desktop; the masking below does not depend on it.
//
// A frame is masked only with a layout known to match it, as on X11, but
// without the X server's event stream to order against, "known" means two
// reads bracketing the grab: Marker reads the layout just before the
// capture copies the pixels and names that read, and Settled reads it
// again once they are copied. still is true when the two reads agree on
// every window's position, size, stacking and process (not its title):
// then no window was seen to change while the frame was taken, and the
// region of the second read is the frame's. A window that moved and came
// back between the two reads is not seen, and if the grab copied it
// mid-way its pixels show in that frame: a limit of polling that the X11
// tracker, ordered by the server's events, does not have. Two reads cost
// what one EnumWindows costs, per frame, only while applications are
// chosen.
package winapps
