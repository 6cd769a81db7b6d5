package agentui

import (
	"image"
	"time"
)

// Controls Where can locate.
const (
	ControlAllow    = nAllow
	ControlDeny     = nDeny
	ControlStop     = nStop
	ControlPause    = nPause
	ControlTakeBack = nTakeBack
	ControlChat     = nChat
	ControlFiles    = nFiles
	ControlApps     = nApps
	ControlShare    = nShare // shares the windows ticked in the apps chooser
	ControlSend     = nSend  // sends the chat line
	ControlChatLine = nChatInput
	ControlWhole    = nWhole // the apps chooser's "whole screen" choice
	// ControlSendFile opens the file chooser (the Files pane's "Send a
	// file…"); ControlChooserPath is the chooser's path field.
	ControlSendFile    = nSendFile
	ControlChooserPath = nChooserPath
)

// WhereAll is Where for several controls at once, reading the window's
// place once: the rectangles of those shown now, by name.
func (u *UI) WhereAll(names []string) map[string]image.Rectangle {
	b := u.Bounds()
	out := make(map[string]image.Rectangle, len(names))
	if len(b) == 0 {
		return out
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, n := range names {
		if r, ok := u.layout.Rects[n]; ok {
			out[n] = r.Add(b[0].Min)
		}
	}
	return out
}

// ControlApp names the apps chooser's entry for window id.
func ControlApp(id uint32) string { return appName(id) }

// Where returns where the control called name (one of the Control
// constants, or ControlApp) is on the screen, in root coordinates, as last drawn, and
// whether the window shows it now; ready reports whether the question on
// screen accepts an Allow yet (see the package doc) and the window has
// the size of what it drew (a window still growing to fit a question can
// miss a click meant for a button below its old edge). It serves automation:
// accessibility tools and end-to-end tests that click with the real
// pointer.
func (u *UI) Where(name string) (r image.Rectangle, shown, ready bool) {
	u.mu.Lock()
	r, shown = u.layout.Rects[name]
	ready = u.layout.armed && u.layout.fits
	u.mu.Unlock()
	b := u.Bounds()
	if !shown || len(b) == 0 {
		return image.Rectangle{}, false, false
	}
	return r.Add(b[0].Min), true, ready
}

// watchReady calls ready once question id is on screen, armed, the
// window fits it and its Allow button has kept its place for one look
// (the keeper may still be moving a window that grew past the screen's
// edge); it gives up when stop closes.
func (u *UI) watchReady(id uint64, ready func(allow, deny image.Rectangle), stop <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var last image.Rectangle
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		u.mu.Lock()
		l := u.layout
		u.mu.Unlock()
		if l.prompt != id || !l.armed || !l.fits {
			last = image.Rectangle{}
			continue
		}
		b := u.Bounds()
		if len(b) == 0 {
			continue
		}
		allow, deny := l.Rects[ControlAllow].Add(b[0].Min), l.Rects[ControlDeny].Add(b[0].Min)
		if allow == last {
			ready(allow, deny)
			return
		}
		last = allow
	}
}
