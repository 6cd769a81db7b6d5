package viewer

import (
	"fmt"
	"testing"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// TestDisplayOnly: the window is all picture (no toolbar, no status line)
// and clicks and typing over it send nothing.
func TestDisplayOnly(t *testing.T) {
	leakcheck.Check(t)
	startXvfb(t)
	const w, h = 1280, 720
	r := open(t, Config{Title: title, DisplayOnly: true}, Frame{Image: pattern(w, h)})
	if n := len(r.info().Rects); n != 0 {
		t.Fatalf("%d toolbar buttons drawn, want none", n)
	}
	if r.info().screen.Min.Y != 0 {
		t.Errorf("picture starts %d px down: something is drawn above it", r.info().screen.Min.Y)
	}
	shot := screenshot(t)
	r.checkColour(t, shot, "red quadrant", w/4, h/4+h/8, patRed)
	r.checkColour(t, shot, "white quadrant", 3*w/4, 3*h/4+h/8, patWhite)

	xdotool(t, "windowfocus", "--sync", r.id)
	p := r.screenPoint(640, 360)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
	xdotool(t, "type", "secret")
	r.v.SetViewOnly(false) // a display-only window stays so
	xdotool(t, "click", "1")
	waitFor(t, "the window to handle the events", func() bool { return r.v.Stats().Redraws > 2 })
	if n := len(r.v.Input()); n != 0 {
		t.Errorf("display-only window sent %d input events, first %s", n, describe(<-r.v.Input()))
	}
}
