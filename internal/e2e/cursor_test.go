package e2e

import (
	"image"
	"path/filepath"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tandem-remote/tandem/internal/xvfb"
)

// TestCursorFollowsPointer: the customer moves their pointer (XTEST, as a
// mouse would) on a two-monitor desktop while the technician watches
// monitor 2. The technician's "cursor" events must follow it in monitor 2's
// coordinates, and say "hidden" while it is on monitor 1.
func TestCursorFollowsPointer(t *testing.T) {
	b := binaries(t)
	display := xvfb.Start(t, 1280, 800)
	xvfb.Connect(t, display).Monitors(image.Rect(0, 0, 640, 800), image.Rect(640, 0, 1280, 800))
	mouse := newPointer(t, display)
	mouse.moveTo(t, 10, 10)

	url, data := server(t, b)
	ca, token := filepath.Join(data, "cert.pem"), filepath.Join(data, "technician-token")
	tech := start(t, b["technician"], nil, "-headless", "-server", url, "-ca", ca, "-token-file", token, "-json",
		"-monitor", "2", "-end-after", "20s")
	code := tech.next(t, "code")["code"].(string)
	start(t, b["agent"], nil, "-server", url, "-ca", ca, "-code", code, "-json", "-display", display)
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
	for _, s := range steps {
		mouse.moveTo(t, s.at.X, s.at.Y)
		deadline := time.Now().Add(10 * time.Second)
		for {
			ev := tech.next(t, "cursor")
			hidden, _ := ev["hidden"].(bool)
			if ev["x"] == s.x && ev["y"] == s.y && hidden == s.hidden {
				t.Logf("%s: %v", s.name, ev)
				if _, ok := ev["shape"].(float64); !ok {
					t.Errorf("%s: cursor event %v has no shape serial", s.name, ev)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: technician's pointer at %v, want %v,%v hidden=%v", s.name, ev, s.x, s.y, s.hidden)
			}
		}
	}
}

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
