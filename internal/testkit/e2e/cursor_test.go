package e2e

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestCursorFollowsPointer: the customer moves their pointer (XTEST, as a
// mouse would) on a two-monitor desktop while the technician watches
// monitor 2. The technician's "cursor" events must follow it in monitor 2's
// coordinates, and say "hidden" while it is on monitor 1; over a window
// with a text cursor, a new shape must arrive and the positions name it.
func TestCursorFollowsPointer(t *testing.T) {
	b := binaries(t)
	display := xvfb.Start(t, 1280, 800)
	xvfb.Connect(t, display).Monitors(image.Rect(0, 0, 640, 800), image.Rect(640, 0, 1280, 800))
	mouse := newPointer(t, display)
	mouse.moveTo(t, 10, 10)
	text := image.Rect(1000, 400, 1200, 600) // on monitor 2
	mouse.cursorWindow(t, text, 0xffffff, xcXterm, black, white)

	srv := server(t, b)
	url, ca := srv.url, srv.ca
	user, pw := srv.operator(t)
	tech := start(t, b["technician"], nil, "-headless", "-server", url, "-ca", ca, "-user", user, "-password-file", pw, "-json",
		"-monitor", "2", "-end-after", "20s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")             // the customer allows, with a real click
	for tech.next(t, "screen")["current"] != 2.0 { // first the primary, then 2
	}

	steps := []struct {
		name   string
		at     image.Point // on the virtual screen
		x, y   float64     // reported, relative to monitor 2
		hidden bool
	}{
		{"onto monitor 2", image.Pt(740, 150), 100, 150, false},
		{"along monitor 2", image.Pt(1200, 700), 560, 700, false},
		{"to monitor 1", image.Pt(300, 300), 0, 0, true},
		{"back to monitor 2's corner", image.Pt(640, 0), 0, 0, false},
	}
	var shape any
	for _, s := range steps {
		mouse.moveTo(t, s.at.X, s.at.Y)
		ev := waitCursor(t, tech, func(ev map[string]any) bool {
			hidden, _ := ev["hidden"].(bool)
			return ev["x"] == s.x && ev["y"] == s.y && hidden == s.hidden
		})
		t.Logf("%s: %v", s.name, ev)
		shape = ev["shape"]
	}
	if first := tech.last("cursor-shape"); first == nil || first["shape"] != shape {
		t.Errorf("first shape %v, want one with the serial the positions name (%v)", first, shape)
	}

	mouse.moveTo(t, 1100, 500)
	ev := tech.next(t, "cursor-shape")
	t.Logf("over the text window: %v", ev)
	if ev["shape"] == shape || ev["width"].(float64) > 64 || ev["height"].(float64) > 64 {
		t.Fatalf("over the text window: shape %v, want a new serial, at most 64×64", ev)
	}
	waitCursor(t, tech, func(pos map[string]any) bool { return pos["x"] == 460.0 && pos["shape"] == ev["shape"] })
}

// waitCursor returns the first "cursor" event for which ok holds, failing
// after 10 s.
func waitCursor(t *testing.T, tech *proc, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ev := tech.next(t, "cursor")
		if ok(ev) {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("technician's pointer still at %v after 10 s", ev)
		}
	}
}

// Glyphs of X's cursor font: an I-beam and a crosshair (hot spot in the
// middle); colours for them.
const (
	xcXterm     = 152
	xcCrosshair = 34
)

var (
	black = [3]uint16{0, 0, 0}
	white = [3]uint16{0xffff, 0xffff, 0xffff}
	green = [3]uint16{0, 0xffff, 0}
)

// pointer is a customer's mouse: an X client that moves the pointer with
// XTEST, so the server treats it as real motion.
type pointer struct {
	conn *xgb.Conn
	root xproto.Window
}

func newPointer(t *testing.T, display string) *pointer {
	t.Helper()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(c.Close)
	if err := xtest.Init(c); err != nil {
		t.Fatalf("XTEST: %v", err)
	}
	return &pointer{conn: c, root: xproto.Setup(c).DefaultScreen(c).Root}
}

// moveTo moves the pointer to (x, y) on the virtual screen and waits until
// the server has done it.
func (p *pointer) moveTo(t *testing.T, x, y int) {
	t.Helper()
	err := xtest.FakeInputChecked(p.conn, xproto.MotionNotify, 0, 0, p.root, int16(x), int16(y), 0).Check()
	if err != nil {
		t.Fatalf("move the pointer to %d,%d: %v", x, y, err)
	}
}

// cursorWindow maps an undecorated window of colour bg (0xRRGGBB) at r
// whose pointer is glyph of X's cursor font in colours fg and outline, as
// a text field sets an I-beam.
func (p *pointer) cursorWindow(t *testing.T, r image.Rectangle, bg uint32, glyph uint16, fg, outline [3]uint16) {
	t.Helper()
	c := p.conn
	font, err := xproto.NewFontId(c)
	if err == nil {
		err = xproto.OpenFontChecked(c, font, uint16(len("cursor")), "cursor").Check()
	}
	if err != nil {
		t.Fatalf("open the cursor font: %v", err)
	}
	cur, _ := xproto.NewCursorId(c)
	if err := xproto.CreateGlyphCursorChecked(c, cur, font, font, glyph, glyph+1, fg[0], fg[1], fg[2], outline[0], outline[1], outline[2]).Check(); err != nil {
		t.Fatalf("create cursor: %v", err)
	}
	win, _ := xproto.NewWindowId(c)
	scr := xproto.Setup(c).DefaultScreen(c)
	err = xproto.CreateWindowChecked(c, scr.RootDepth, win, p.root, int16(r.Min.X), int16(r.Min.Y),
		uint16(r.Dx()), uint16(r.Dy()), 0, xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect|xproto.CwCursor, []uint32{bg, 1, uint32(cur)}).Check()
	if err == nil {
		err = xproto.MapWindowChecked(c, win).Check()
	}
	if err != nil {
		t.Fatalf("create window: %v", err)
	}
}

// TestViewerDrawsRemotePointer: the technician's viewer window, on its own
// X display, draws the customer's green crosshair pointer where it is on
// the customer's screen (located through the customer's red window, which
// the video shows), and not while the technician's own pointer is over the
// picture, since that one then is the pointer. The last check also shows
// that the video itself carries no pointer.
func TestViewerDrawsRemotePointer(t *testing.T) {
	b := binaries(t)
	customer := xvfb.Start(t, 1280, 720)
	cx := xvfb.Connect(t, customer) // first: it quiets xgb's logging
	mouse := newPointer(t, customer)
	mouse.cursorWindow(t, image.Rect(0, 0, 1280, 720), 0x000000, xcCrosshair, green, green)
	red := image.Rect(320, 180, 960, 540)
	cx.Window(red, 0xd02020)
	at := image.Pt(1100, 600) // on black, away from the red window
	mouse.moveTo(t, at.X, at.Y)
	technician := xvfb.Start(t, 1600, 1000)
	tx, hand := xvfb.Connect(t, technician), newPointer(t, technician)
	hand.moveTo(t, 1590, 990) // outside the viewer window

	srv := server(t, b)
	url, ca := srv.url, srv.ca
	user, pw := srv.operator(t)
	tech := start(t, b["technician"], []string{"DISPLAY=" + technician, "LIBGL_ALWAYS_SOFTWARE=1"},
		"-server", url, "-ca", ca, "-user", user, "-password-file", pw, "-json", "-end-after", "20s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json", "-display", customer)
	answer(t, agent, customer, "allow") // the customer allows, with a real click
	tech.next(t, "connected")
	mouse.moveTo(t, at.X, at.Y) // back from the Allow button

	var shot *image.RGBA
	var redBox, greenBox image.Rectangle
	defer func() {
		if t.Failed() {
			t.Logf("technician:\n%s\n%s\nagent:\n%s", tech.output(), tech.stderr.String(), agent.output())
		}
	}()
	waitShot(t, tx, "the picture and the pointer", func(s *image.RGBA) bool {
		shot, redBox, greenBox = s, wideBox(s, isRed, 100), colourBox(s, isGreen)
		// The whole red window, not a torn screenshot or a first picture
		// still sharpening: its shape, and a pointer.
		wholeRed := redBox.Dx() > 100 && abs(redBox.Dx()*red.Dy()-redBox.Dy()*red.Dx()) < 4*red.Dx()
		// The customer's pointer comes back from the Allow button it
		// clicked: wait for it to be drawn at rest.
		return wholeRed && !greenBox.Empty() && greenBox.Max.Y > redBox.Max.Y
	})
	// The red window gives the picture's transform.
	scale := float64(redBox.Dx()) / float64(red.Dx())
	want := image.Pt(redBox.Min.X+int(float64(at.X-red.Min.X)*scale), redBox.Min.Y+int(float64(at.Y-red.Min.Y)*scale))
	if !want.In(greenBox.Inset(-3)) {
		t.Fatalf("pointer drawn at %v, want it around %v (scale %.2f); screenshot %s", greenBox, want, scale, savePNG(t, shot))
	}
	t.Logf("pointer drawn at %v around %v", greenBox, want)

	hand.moveTo(t, redBox.Min.X+10, redBox.Min.Y+10) // over the picture, with control
	waitShot(t, tx, "the remote pointer to give way", func(s *image.RGBA) bool {
		shot = s
		return colourBox(s, isGreen).Empty()
	})
}

// waitShot takes screenshots until ok holds, failing after 20 s.
func waitShot(t *testing.T, x *xvfb.Client, what string, ok func(*image.RGBA) bool) {
	t.Helper()
	var last *image.RGBA
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if last = x.Screenshot(); ok(last) {
			return
		}
	}
	t.Fatalf("timed out waiting for %s; screenshot %s", what, savePNG(t, last))
}

func abs(x int) int { return max(x, -x) }

func isRed(r, g, b uint8) bool   { return r > 170 && g < 70 && b < 70 }
func isGreen(r, g, b uint8) bool { return g > 200 && r < 60 && b < 60 }

// colourBox bounds the pixels of img for which is holds.
func colourBox(img *image.RGBA, is func(r, g, b uint8) bool) image.Rectangle {
	var box image.Rectangle
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			if is(p[0], p[1], p[2]) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

// wideBox bounds the runs of at least minRun pixels in a row that match:
// the red window, not the agent panel's small red Stop button.
func wideBox(img *image.RGBA, is func(r, g, b uint8) bool, minRun int) image.Rectangle {
	var box image.Rectangle
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		run := 0
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			if !is(p[0], p[1], p[2]) {
				run = 0
				continue
			}
			if run++; run >= minRun {
				box = box.Union(image.Rect(x-run+1, y, x+1, y+1))
			}
		}
	}
	return box
}

func savePNG(t *testing.T, img *image.RGBA) string {
	out := filepath.Join(t.TempDir(), "screen.png")
	if f, err := os.Create(out); err == nil {
		png.Encode(f, img)
		f.Close()
	}
	return out
}
