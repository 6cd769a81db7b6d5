//go:build !windows

package agentui

import (
	"cmp"
	"fmt"
	"image"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// margin is the gap, in pixels, between the window and the screen's edges.
const margin = 8

// maxRaises bounds how often the keeper raises the window in a second: if
// another client also insists on being on top, the two would otherwise
// restack each other as fast as the server allows.
const maxRaises = 20

// keeper places the Gio window and keeps it on top and on screen, over its
// own X connection (Gio's is not reachable from Go). Its goroutine reads
// that connection's events until close.
type keeper struct {
	log  *slog.Logger
	conn *xgb.Conn
	root xproto.Window
	win  xproto.Window // Gio's window
	done chan struct{}
	// top is the window's ancestor that is a child of the root (the
	// window itself, or a window manager's frame); it changes only on
	// ReparentNotify.
	top      atomic.Uint32
	randr    bool // the server has RandR 1.5 monitors
	watching bool // loop runs

	// Only the event goroutine uses these after start.
	size   image.Point
	raises []time.Time
}

// dialKeeper connects to display, before Gio does: Gio reports only its
// first failure (Wayland's, on most machines), so this is where an
// unreachable X server is told plainly.
func dialKeeper(display string, log *slog.Logger) (*keeper, error) {
	c, err := xconn.Dial(display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q (check DISPLAY and that the X server runs): %w", display, err)
	}
	k := &keeper{log: log, conn: c, root: xproto.Setup(c).DefaultScreen(c).Root, done: make(chan struct{})}
	k.randr = k.initRandR()
	return k, nil
}

// watch takes charge of window win: places it, and follows its events
// until close.
func (k *keeper) watch(win uint32) error {
	k.win = xproto.Window(win)
	if err := k.start(); err != nil {
		return err
	}
	k.watching = true
	go k.loop()
	return nil
}

// start asks for the window's events, marks it always-on-top and moves it
// to its corner.
func (k *keeper) start() error {
	mask := uint32(xproto.EventMaskVisibilityChange | xproto.EventMaskStructureNotify)
	if err := xproto.ChangeWindowAttributesChecked(k.conn, k.win, xproto.CwEventMask, []uint32{mask}).Check(); err != nil {
		return fmt.Errorf("watch window %#x: %w", k.win, err)
	}
	if err := k.findTop(); err != nil {
		return err
	}
	// The root's ConfigureNotify says the screen changed size.
	xproto.ChangeWindowAttributes(k.conn, k.root, xproto.CwEventMask, []uint32{xproto.EventMaskStructureNotify})
	if err := k.setAbove(); err != nil {
		return err
	}
	r, err := k.bounds()
	if err != nil {
		return err
	}
	k.size = r.Size()
	k.place(r)
	return k.sync()
}

// setAbove sets _NET_WM_STATE_ABOVE (and sticky, off the task bar) on the
// window and asks a window manager, if any, to apply it now: the property
// alone is only read when a window is mapped, and Gio has mapped it.
func (k *keeper) setAbove() error {
	a, err := k.atoms("_NET_WM_STATE", "_NET_WM_STATE_ABOVE", "_NET_WM_STATE_STICKY", "_NET_WM_STATE_SKIP_TASKBAR", "ATOM")
	if err != nil {
		return err
	}
	states := a[1:4]
	data := make([]byte, 4*len(states))
	for i, s := range states {
		xgb.Put32(data[4*i:], uint32(s))
	}
	err = xproto.ChangePropertyChecked(k.conn, xproto.PropModeReplace, k.win, a[0], a[4], 32,
		uint32(len(states)), data).Check()
	if err != nil {
		return fmt.Errorf("set _NET_WM_STATE on window %#x: %w", k.win, err)
	}
	const add = 1
	for _, pair := range [][2]xproto.Atom{{states[0], states[1]}, {states[2], 0}} {
		ev := xproto.ClientMessageEvent{Format: 32, Window: k.win, Type: a[0],
			Data: xproto.ClientMessageDataUnionData32New([]uint32{add, uint32(pair[0]), uint32(pair[1]), 1, 0})}
		xproto.SendEvent(k.conn, false, k.root,
			xproto.EventMaskSubstructureRedirect|xproto.EventMaskSubstructureNotify, string(ev.Bytes()))
	}
	return nil
}

// atoms interns names.
func (k *keeper) atoms(names ...string) ([]xproto.Atom, error) {
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(k.conn, false, uint16(len(n)), n)
	}
	out := make([]xproto.Atom, len(names))
	for i, c := range cookies {
		r, err := c.Reply()
		if err != nil {
			return nil, fmt.Errorf("intern atom %s: %w", names[i], err)
		}
		out[i] = r.Atom
	}
	return out, nil
}

// loop handles the window's events until the connection closes.
func (k *keeper) loop() {
	defer close(k.done)
	for {
		ev, err := k.conn.WaitForEvent()
		switch {
		case ev == nil && err == nil:
			return // connection closed
		case err != nil:
			k.log.Debug("agentui x error", "err", err)
		}
		switch e := ev.(type) {
		case xproto.VisibilityNotifyEvent:
			if e.State != xproto.VisibilityUnobscured {
				k.raise()
			}
		case xproto.ReparentNotifyEvent:
			if e.Window == k.win {
				k.findTop()
			}
		case xproto.ConfigureNotifyEvent:
			if e.Window == k.win || e.Window == k.root {
				k.configured()
			}
		case xproto.UnmapNotifyEvent:
			if e.Window == k.win {
				k.remap()
			}
		case xproto.DestroyNotifyEvent:
			if e.Window == k.win {
				return
			}
		}
	}
}

// configured puts the window back in its corner if it was resized (it
// grows and shrinks with its content) or if any part of it left the
// monitors.
func (k *keeper) configured() {
	r, err := k.bounds()
	if err != nil {
		return // the window is going away
	}
	resized := r.Size() != k.size
	k.size = r.Size()
	if resized || !onScreen(r, k.monitors()) {
		k.place(r)
	}
}

// corner is where a window of size sz goes: the top-right corner of
// monitor m.
func corner(m image.Rectangle, sz image.Point) image.Point {
	return image.Pt(max(m.Max.X-sz.X-margin, m.Min.X), m.Min.Y+margin)
}

// place moves the window (its frame, under a window manager) of current
// rectangle r to the primary monitor's top-right corner, on top.
func (k *keeper) place(r image.Rectangle) {
	top := xproto.Window(k.top.Load())
	p := corner(k.monitors()[0], r.Size())
	if p == r.Min {
		// Already there: a window taller than the monitor stays
		// "off-screen", and moving it again would only bring another
		// ConfigureNotify, and another move, without end.
		return
	}
	k.log.Debug("agentui window placed", "x", p.X, "y", p.Y, "from_x", r.Min.X, "from_y", r.Min.Y)
	xproto.ConfigureWindow(k.conn, top, xproto.ConfigWindowX|xproto.ConfigWindowY|xproto.ConfigWindowStackMode,
		[]uint32{uint32(int32(p.X)), uint32(int32(p.Y)), xproto.StackModeAbove})
}

// raise puts the window on top again.
func (k *keeper) raise() {
	if !k.mayRaise() {
		return
	}
	xproto.ConfigureWindow(k.conn, xproto.Window(k.top.Load()), xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
}

// remap shows the window again after someone hid it (a window manager's
// "show desktop", or any X client). If Gio is destroying it, the request
// fails harmlessly: the window is gone.
func (k *keeper) remap() {
	if !k.mayRaise() {
		return
	}
	k.log.Info("agentui window shown again", "reason", "unmapped")
	xproto.MapWindow(k.conn, k.win)
	xproto.ConfigureWindow(k.conn, xproto.Window(k.top.Load()), xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
}

// mayRaise allows maxRaises raises (or re-maps) a second.
func (k *keeper) mayRaise() bool {
	now := time.Now()
	for len(k.raises) > 0 && now.Sub(k.raises[0]) > time.Second {
		k.raises = k.raises[1:]
	}
	if len(k.raises) >= maxRaises {
		k.log.Warn("agentui raise refused", "reason", "another client keeps covering or hiding the window")
		return false
	}
	k.raises = append(k.raises, now)
	return true
}

// findTop finds the window's ancestor that is a child of the root: the
// window itself without a window manager, its frame with one.
func (k *keeper) findTop() error {
	w := k.win
	for {
		t, err := xproto.QueryTree(k.conn, w).Reply()
		if err != nil {
			return fmt.Errorf("query window tree: %w", err)
		}
		if t.Parent == t.Root || t.Parent == 0 {
			k.top.Store(uint32(w))
			return nil
		}
		w = t.Parent
	}
}

// bounds is the top-level window's rectangle on the root window, borders
// included. Both requests go out before either reply is awaited: one
// round trip to the server, not two.
func (k *keeper) bounds() (image.Rectangle, error) {
	top := xproto.Window(k.top.Load())
	gc := xproto.GetGeometry(k.conn, xproto.Drawable(top))
	tc := xproto.TranslateCoordinates(k.conn, top, k.root, 0, 0)
	g, gerr := gc.Reply()
	tr, terr := tc.Reply()
	if err := cmp.Or(gerr, terr); err != nil {
		return image.Rectangle{}, fmt.Errorf("window geometry: %w", err)
	}
	b := int(g.BorderWidth)
	min := image.Pt(int(tr.DstX)-b, int(tr.DstY)-b)
	return image.Rectangle{Min: min, Max: min.Add(image.Pt(int(g.Width)+2*b, int(g.Height)+2*b))}, nil
}

// focused reports whether the keyboard goes to the window: it has the
// input focus, or the focus follows the pointer (PointerRoot, as on a
// server without a window manager) and the pointer is over it.
func (k *keeper) focused() bool {
	fc := xproto.GetInputFocus(k.conn)
	pc := xproto.QueryPointer(k.conn, k.root)
	f, ferr := fc.Reply()
	p, perr := pc.Reply()
	if ferr != nil || perr != nil {
		return false
	}
	top := xproto.Window(k.top.Load())
	switch f.Focus {
	case k.win, top:
		return true
	case xproto.InputFocusPointerRoot:
		return p.Child == top
	}
	return false
}

// windowIDs are the window and, under a window manager, its frame.
func (k *keeper) windowIDs() []uint32 {
	ids := []uint32{uint32(k.win)}
	if top := k.top.Load(); top != uint32(k.win) {
		ids = append(ids, top)
	}
	return ids
}

// sync waits until the server has handled every request so far.
func (k *keeper) sync() error {
	_, err := xproto.GetInputFocus(k.conn).Reply()
	return err
}

// close ends the event goroutine and the connection.
func (k *keeper) close() {
	k.conn.Close()
	if k.watching {
		<-k.done
	}
}
