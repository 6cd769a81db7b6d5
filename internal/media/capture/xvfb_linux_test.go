package capture

import (
	"fmt"
	"image"
	"log/slog"
	"strings"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// startXvfb starts a private Xvfb of the given size with a black root
// window (see package xvfb) and returns its display name.
func startXvfb(tb testing.TB, w, h int) string { return xvfb.Start(tb, w, h) }

// painter is a second X client that changes the screen under test, the way
// an application would.
type painter struct {
	tb   testing.TB
	c    *xgb.Conn
	root xproto.Window
	gc   xproto.Gcontext
}

func newPainter(tb testing.TB, display string) *painter {
	tb.Helper()
	xconn.Quiet()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		tb.Fatalf("painter: connect: %v", err)
	}
	tb.Cleanup(c.Close)
	p := &painter{tb: tb, c: c, root: xproto.Setup(c).DefaultScreen(c).Root}
	if p.gc, err = xproto.NewGcontextId(c); err != nil {
		tb.Fatal(err)
	}
	if err := xproto.CreateGCChecked(c, p.gc, xproto.Drawable(p.root), 0, nil).Check(); err != nil {
		tb.Fatalf("painter: create gc: %v", err)
	}
	return p
}

// fill paints r on the root window in colour rgb (0xRRGGBB) and waits until
// the server has done it.
func (p *painter) fill(r image.Rectangle, rgb uint32) {
	p.tb.Helper()
	xproto.ChangeGC(p.c, p.gc, xproto.GcForeground, []uint32{rgb})
	rect := xproto.Rectangle{X: int16(r.Min.X), Y: int16(r.Min.Y), Width: uint16(r.Dx()), Height: uint16(r.Dy())}
	if err := xproto.PolyFillRectangleChecked(p.c, xproto.Drawable(p.root), p.gc, []xproto.Rectangle{rect}).Check(); err != nil {
		p.tb.Fatalf("painter: fill: %v", err)
	}
}

// put draws BGRX pixels of size w×h at (x, y).
func (p *painter) put(x, y, w, h int, bgrx []byte) {
	p.tb.Helper()
	err := xproto.PutImageChecked(p.c, xproto.ImageFormatZPixmap, xproto.Drawable(p.root), p.gc,
		uint16(w), uint16(h), int16(x), int16(y), 0, 24, bgrx).Check()
	if err != nil {
		p.tb.Fatalf("painter: put image: %v", err)
	}
}

// move moves the pointer with XTEST, as a user's mouse would.
func (p *painter) move(x, y int) {
	p.tb.Helper()
	if err := xtest.Init(p.c); err != nil {
		p.tb.Fatalf("painter: xtest: %v", err)
	}
	err := xtest.FakeInputChecked(p.c, xproto.MotionNotify, 0, 0, p.root, int16(x), int16(y), 0).Check()
	if err != nil {
		p.tb.Fatalf("painter: move pointer: %v", err)
	}
	xproto.GetInputFocus(p.c).Reply() // round trip: the move has happened
}

// setCursor gives the root window the glyph cursor number glyph from the
// standard "cursor" font, which changes the displayed cursor shape.
func (p *painter) setCursor(glyph uint16) {
	p.tb.Helper()
	font, _ := xproto.NewFontId(p.c)
	xproto.OpenFont(p.c, font, uint16(len("cursor")), "cursor")
	cur, _ := xproto.NewCursorId(p.c)
	xproto.CreateGlyphCursor(p.c, cur, font, font, glyph, glyph+1, 0, 0, 0, 0xffff, 0xffff, 0xffff)
	err := xproto.ChangeWindowAttributesChecked(p.c, p.root, xproto.CwCursor, []uint32{uint32(cur)}).Check()
	if err != nil {
		p.tb.Fatalf("painter: set cursor: %v", err)
	}
}

// splitMonitors defines RandR 1.5 monitors; they live as long as the
// painter's connection. The first takes over the real output, which removes
// the automatic whole-screen monitor.
func (p *painter) splitMonitors(rs ...image.Rectangle) {
	p.tb.Helper()
	if err := xconn.Ext(p.c, "RANDR", randr.Init); err != nil {
		p.tb.Fatalf("painter: randr: %v", err)
	}
	randr.QueryVersion(p.c, 1, 5).Reply()
	res, err := randr.GetScreenResourcesCurrent(p.c, p.root).Reply()
	if err != nil || len(res.Outputs) == 0 {
		p.tb.Fatalf("painter: screen resources: %v", err)
	}
	for i, r := range rs {
		name := fmt.Sprintf("TANDEM-%d", i+1)
		atom, err := xproto.InternAtom(p.c, false, uint16(len(name)), name).Reply()
		if err != nil {
			p.tb.Fatal(err)
		}
		m := randr.MonitorInfo{Name: atom.Atom, Primary: i == 0, X: int16(r.Min.X), Y: int16(r.Min.Y),
			Width: uint16(r.Dx()), Height: uint16(r.Dy()), WidthInMillimeters: 300, HeightInMillimeters: 200}
		if i == 0 {
			m.NOutput, m.Outputs = 1, res.Outputs[:1]
		}
		if err := randr.SetMonitorChecked(p.c, p.root, m).Check(); err != nil {
			p.tb.Fatalf("painter: set monitor %s: %v", name, err)
		}
	}
}

// testLogger sends the package's log lines to the test log.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// deleteMonitor removes a monitor defined by splitMonitors.
func (p *painter) deleteMonitor(name string) {
	p.tb.Helper()
	atom, err := xproto.InternAtom(p.c, true, uint16(len(name)), name).Reply()
	if err == nil {
		err = randr.DeleteMonitorChecked(p.c, p.root, atom.Atom).Check()
	}
	if err != nil {
		p.tb.Fatalf("painter: delete monitor %s: %v", name, err)
	}
}
