package appsel

import (
	"context"
	"image"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// desk is a test's X client that plays applications: it opens ordinary
// (managed, not override-redirect) windows with a title, a WM_CLASS and a
// _NET_WM_PID, and moves, raises and renames them.
type desk struct {
	t    testing.TB
	conn *xgb.Conn
	root xproto.Window
	scr  *xproto.ScreenInfo
}

func newDesk(t testing.TB, display string) *desk {
	t.Helper()
	c, err := xconn.Dial(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(c.Close)
	scr := xproto.Setup(c).DefaultScreen(c)
	return &desk{t: t, conn: c, root: scr.Root, scr: scr}
}

// app describes a window to open.
type app struct {
	class, title string
	pid          int
	rgb          uint32
	bounds       image.Rectangle
}

// open maps a window for a as a child of parent (0: the root) and waits
// until the server has it.
func (d *desk) open(a app, parent xproto.Window) xproto.Window {
	d.t.Helper()
	if parent == 0 {
		parent = d.root
	}
	id, err := xproto.NewWindowId(d.conn)
	if err != nil {
		d.t.Fatal(err)
	}
	r := a.bounds
	err = xproto.CreateWindowChecked(d.conn, d.scr.RootDepth, id, parent, int16(r.Min.X), int16(r.Min.Y),
		uint16(r.Dx()), uint16(r.Dy()), 0, xproto.WindowClassInputOutput, d.scr.RootVisual,
		xproto.CwBackPixel, []uint32{a.rgb}).Check()
	if err != nil {
		d.t.Fatalf("create window: %v", err)
	}
	d.setString(id, "WM_CLASS", "STRING", "tandem-test\x00"+a.class+"\x00")
	d.setString(id, "_NET_WM_NAME", "UTF8_STRING", a.title)
	if a.pid != 0 {
		d.set32(id, "_NET_WM_PID", xproto.AtomCardinal, uint32(a.pid))
	}
	xproto.MapWindow(d.conn, id)
	d.sync()
	return id
}

func (d *desk) atom(name string) xproto.Atom {
	d.t.Helper()
	r, err := xproto.InternAtom(d.conn, false, uint16(len(name)), name).Reply()
	if err != nil {
		d.t.Fatal(err)
	}
	return r.Atom
}

func (d *desk) setString(w xproto.Window, prop, typ, v string) {
	xproto.ChangeProperty(d.conn, xproto.PropModeReplace, w, d.atom(prop), d.atom(typ), 8, uint32(len(v)), []byte(v))
	d.sync()
}

func (d *desk) set32(w xproto.Window, prop string, typ xproto.Atom, vs ...uint32) {
	buf := make([]byte, 4*len(vs))
	for i, v := range vs {
		xgb.Put32(buf[4*i:], v)
	}
	xproto.ChangeProperty(d.conn, xproto.PropModeReplace, w, d.atom(prop), typ, 32, uint32(len(vs)), buf)
	d.sync()
}

// place moves and resizes w.
func (d *desk) place(w xproto.Window, r image.Rectangle) {
	xproto.ConfigureWindow(d.conn, w, xproto.ConfigWindowX|xproto.ConfigWindowY|xproto.ConfigWindowWidth|xproto.ConfigWindowHeight,
		[]uint32{uint32(r.Min.X), uint32(r.Min.Y), uint32(r.Dx()), uint32(r.Dy())})
	d.sync()
}

func (d *desk) raise(w xproto.Window) {
	xproto.ConfigureWindow(d.conn, w, xproto.ConfigWindowStackMode, []uint32{xproto.StackModeAbove})
	d.sync()
}

func (d *desk) sync() { xproto.GetInputFocus(d.conn).Reply() }

// grab returns the whole screen as BGRX, as capture delivers it.
func (d *desk) grab() ([]byte, image.Point) {
	d.t.Helper()
	w, h := int(d.scr.WidthInPixels), int(d.scr.HeightInPixels)
	pix := make([]byte, 0, w*h*4)
	for y := 0; y < h; y += 64 {
		rep, err := xproto.GetImage(d.conn, xproto.ImageFormatZPixmap, xproto.Drawable(d.root),
			0, int16(y), uint16(w), uint16(min(64, h-y)), 0xffffffff).Reply()
		if err != nil {
			d.t.Fatalf("get image: %v", err)
		}
		pix = append(pix, rep.Data...)
	}
	return pix, image.Pt(w, h)
}

func openTracker(t *testing.T, display string, o Options) *Tracker {
	t.Helper()
	o.Display = display
	tr, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open tracker: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// waitFor waits, through Changed, until ok holds; it fails the test after
// a generous deadline meant only to stop a broken test.
func waitFor(t *testing.T, tr *Tracker, what string, ok func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !ok() {
		select {
		case <-tr.Changed():
		case <-deadline:
			t.Fatalf("gave up waiting: %s (windows %+v, region %+v)", what, tr.Windows(), tr.Region())
		}
	}
}

func regionIs(tr *Tracker, want ...image.Rectangle) func() bool {
	return func() bool {
		r := tr.Region()
		return !r.All && slices.Equal(r.Rects, want)
	}
}

func find(ws []Window, id xproto.Window) (Window, bool) {
	for _, w := range ws {
		if w.ID == uint32(id) {
			return w, true
		}
	}
	return Window{}, false
}

var pid = os.Getpid()
