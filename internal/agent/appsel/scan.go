package appsel

import (
	"cmp"
	"image"
	"slices"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// entry is one mapped child of the root as a scan found it: an application
// window (listed) or something else that still covers what lies below it
// (override-redirect menus and tooltips, excluded windows, window-manager
// furniture).
type entry struct {
	Window
	class  string
	listed bool
	frame  xproto.Window // the root's child: the window itself or its frame
}

// program identifies a program whose windows follow the selection.
type program struct {
	class string
	pid   int
}

func (e entry) program() (program, bool) {
	return program{e.class, e.PID}, e.class != "" || e.PID > 0
}

// topLevel is a mapped root child before its properties are read.
type topLevel struct {
	frame, client xproto.Window
	bounds        image.Rectangle
	override      bool
}

// scan reads the window tree and returns the mapped windows, top of the
// stack first. Windows that vanish while it runs are left out.
func (t *Tracker) scan() ([]entry, image.Rectangle, error) {
	tree, err := xproto.QueryTree(t.conn, t.root).Reply()
	if err != nil {
		return nil, image.Rectangle{}, err
	}
	screen, err := t.screenRect()
	if err != nil {
		return nil, image.Rectangle{}, err
	}
	clients := t.clientList()
	wm := clients != nil || len(value(xproto.GetProperty(t.conn, false, t.root,
		t.atoms.netSupportingWMCheck, xproto.AtomWindow, 0, 1))) > 0
	tops := t.mapped(tree.Children)
	for i := range tops {
		if wm && !tops[i].override {
			tops[i].client = t.findClient(tops[i].frame, 2)
		}
	}
	entries := t.describe(tops, clients)
	slices.Reverse(entries)
	return entries, screen, nil
}

func (t *Tracker) screenRect() (image.Rectangle, error) {
	g, err := xproto.GetGeometry(t.conn, xproto.Drawable(t.root)).Reply()
	if err != nil {
		return image.Rectangle{}, err
	}
	return image.Rect(0, 0, int(g.Width), int(g.Height)), nil
}

// clientList returns _NET_CLIENT_LIST, nil when the root lacks it.
func (t *Tracker) clientList() map[xproto.Window]bool {
	v := value(xproto.GetProperty(t.conn, false, t.root, t.atoms.netClientList, xproto.AtomWindow, 0, 1<<16))
	if v == nil {
		return nil
	}
	set := make(map[xproto.Window]bool, len(v)/4)
	for i := 0; i+4 <= len(v); i += 4 {
		set[xproto.Window(xgb.Get32(v[i:]))] = true
	}
	return set
}

// mapped keeps the viewable InputOutput windows among children, in order,
// with their outer rectangles (border included).
func (t *Tracker) mapped(children []xproto.Window) []topLevel {
	attrs := make([]xproto.GetWindowAttributesCookie, len(children))
	geoms := make([]xproto.GetGeometryCookie, len(children))
	for i, w := range children {
		attrs[i] = xproto.GetWindowAttributes(t.conn, w)
		geoms[i] = xproto.GetGeometry(t.conn, xproto.Drawable(w))
	}
	var out []topLevel
	for i, w := range children {
		a, aerr := attrs[i].Reply()
		g, gerr := geoms[i].Reply()
		if aerr != nil || gerr != nil || a.MapState != xproto.MapStateViewable ||
			a.Class != xproto.WindowClassInputOutput {
			continue
		}
		b := int(g.BorderWidth) * 2
		out = append(out, topLevel{frame: w, client: w, override: a.OverrideRedirect,
			bounds: image.Rect(int(g.X), int(g.Y), int(g.X)+int(g.Width)+b, int(g.Y)+int(g.Height)+b)})
	}
	return out
}

// findClient returns the window carrying WM_STATE at or below w (a window
// manager's frame holds the application's window a level or two down), or
// 0 if there is none within depth levels.
func (t *Tracker) findClient(w xproto.Window, depth int) xproto.Window {
	if len(value(xproto.GetProperty(t.conn, false, w, t.atoms.wmState, t.atoms.wmState, 0, 1))) > 0 {
		return w
	}
	if depth == 0 {
		return 0
	}
	tree, err := xproto.QueryTree(t.conn, w).Reply()
	if err != nil {
		return 0
	}
	for _, c := range slices.Backward(tree.Children) {
		if found := t.findClient(c, depth-1); found != 0 {
			return found
		}
	}
	return 0
}

// describe reads the title, class and process of every top-level window
// (all requests first, then the answers) and decides which are listed: not
// override-redirect, holding an application window (under a window manager,
// one with WM_STATE, and in _NET_CLIENT_LIST when there is one), not
// excluded. The rest are kept as covers.
func (t *Tracker) describe(tops []topLevel, clients map[xproto.Window]bool) []entry {
	cookies := make([]propCookies, len(tops))
	for i, tl := range tops {
		cookies[i] = requestProps(t.conn, t.atoms, cmp.Or(tl.client, tl.frame))
	}
	entries := make([]entry, len(tops))
	for i, tl := range tops {
		p := cookies[i].read()
		id := cmp.Or(tl.client, tl.frame)
		listed := !tl.override && tl.client != 0 && (clients == nil || clients[tl.client]) &&
			(t.exclude == nil || !t.exclude(uint32(id)))
		entries[i] = entry{
			Window: Window{ID: uint32(id), Title: p.title, Program: programName(p), PID: p.pid, Bounds: tl.bounds},
			class:  p.class, listed: listed, frame: tl.frame,
		}
	}
	return entries
}

// watch asks for PropertyNotify on listed windows not yet watched, so that
// a new title is noticed, and forgets windows that are gone.
func (t *Tracker) watch(entries []entry) {
	seen := make(map[xproto.Window]bool, len(entries))
	for _, e := range entries {
		w := xproto.Window(e.ID)
		seen[w] = true
		if !t.watched[w] {
			xproto.ChangeWindowAttributes(t.conn, w, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
		}
	}
	t.watched = seen
}
