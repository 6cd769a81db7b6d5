// Package picture shows decoded video and nothing else: a Gio window with
// the picture scaled to fit, no toolbar, no status line and no way for
// input to leave it. The agent opens one in demonstration mode, so that
// the customer sees the technician's screen; it lives here, among the
// shared media packages, so that the agent links no part of the
// technician's viewer.
//
// The drawing is shared with that viewer: Pool turns decoded I420
// pictures into recycled RGBA buffers, Fit places a picture in a window,
// Paint draws it there (one texture upload per new picture) and Borders
// fills what it leaves over.
//
// # Flow
//
// A receiving goroutine hands each decoded picture to ShowI420, which
// converts it at once (the decoder reuses its buffer). Only the newest
// picture is kept: one that arrives before the previous one was drawn
// replaces it, so a slow window drops pictures instead of queueing them.
// Run serves the window on its own goroutine, through giowin's one
// lifecycle, until its context ends or the customer closes the window.
package picture
