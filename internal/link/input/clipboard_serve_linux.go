package input

import (
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// sendKey names the property of another client an INCR transfer writes.
type sendKey struct {
	win  xproto.Window
	prop xproto.Atom
}

// incrSend is text being sent in pieces: the requestor deletes the
// property each time it has read a piece.
type incrSend struct {
	data []byte
	sent int
}

// serve answers another program's request for the clipboard.
func (c *X11Clipboard) serve(e xproto.SelectionRequestEvent) {
	prop := e.Property
	if prop == xproto.AtomNone { // obsolete requestors: the target names the property
		prop = e.Target
	}
	c.mu.Lock()
	text, owned := c.text, c.owned
	c.mu.Unlock()
	switch {
	case !owned || e.Selection != c.atom.clipboard:
		prop = xproto.AtomNone
	case e.Target == c.atom.targets:
		c.sendTargets(e.Requestor, prop)
	case e.Target == c.atom.utf8 || e.Target == c.atom.text || e.Target == c.atom.mime:
		c.sendText(e.Requestor, prop, e.Target, text)
	default:
		prop = xproto.AtomNone // a target we do not offer
	}
	c.notify(e, prop)
}

func (c *X11Clipboard) sendTargets(win xproto.Window, prop xproto.Atom) {
	targets := []xproto.Atom{c.atom.targets, c.atom.utf8, c.atom.text, c.atom.mime}
	data := make([]byte, 4*len(targets))
	for i, a := range targets {
		xgb.Put32(data[4*i:], uint32(a))
	}
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, win, prop, xproto.AtomAtom, 32, uint32(len(targets)), data)
}

// sendText writes text into the requestor's property, or starts an INCR
// transfer when it is too large for one request.
func (c *X11Clipboard) sendText(win xproto.Window, prop, target xproto.Atom, text string) {
	typ := c.atom.utf8
	if target == c.atom.mime {
		typ = target
	}
	if len(text) <= c.chunk {
		xproto.ChangeProperty(c.conn, xproto.PropModeReplace, win, prop, typ, 8, uint32(len(text)), []byte(text))
		return
	}
	// Watch the requestor's property so that each deletion sends the next
	// piece; this client's event mask on that window is its own.
	xproto.ChangeWindowAttributes(c.conn, win, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
	size := make([]byte, 4)
	xgb.Put32(size, uint32(len(text)))
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, win, prop, c.atom.incr, 32, 1, size)
	c.mu.Lock()
	c.sends[sendKey{win, prop}] = &incrSend{data: []byte(text)}
	c.mu.Unlock()
}

// continueSend writes the next piece of an INCR transfer; an empty piece
// ends it.
func (c *X11Clipboard) continueSend(k sendKey) {
	c.mu.Lock()
	s, ok := c.sends[k]
	if ok && s.sent == len(s.data) {
		delete(c.sends, k)
	}
	c.mu.Unlock()
	if !ok {
		return
	}
	n := min(c.chunk, len(s.data)-s.sent)
	piece := s.data[s.sent : s.sent+n]
	s.sent += n
	xproto.ChangeProperty(c.conn, xproto.PropModeReplace, k.win, k.prop, c.atom.utf8, 8, uint32(n), piece)
	if n == 0 {
		xproto.ChangeWindowAttributes(c.conn, k.win, xproto.CwEventMask, []uint32{0})
	}
}

// notify tells the requestor its request is answered; prop None says no.
func (c *X11Clipboard) notify(e xproto.SelectionRequestEvent, prop xproto.Atom) {
	ev := xproto.SelectionNotifyEvent{
		Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: prop,
	}
	xproto.SendEvent(c.conn, false, e.Requestor, 0, string(ev.Bytes()))
}
