package picture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/media/vpx"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

const title = "tandem-picture-test"

// Quadrant colours of the test pattern.
var (
	patRed   = color.RGBA{0xe0, 0x20, 0x20, 0xff}
	patGreen = color.RGBA{0x20, 0xc0, 0x40, 0xff}
	patBlue  = color.RGBA{0x20, 0x40, 0xe0, 0xff}
	patWhite = color.RGBA{0xf0, 0xf0, 0xf0, 0xff}
)

// TestPictureOnly (the viewer's display-only test, moved with the code):
// the window is all picture, fitted and centred, with nothing drawn
// beside it; it has no input path at all, and clicks and typing over it
// change nothing. Closing it gives every picture buffer back.
func TestPictureOnly(t *testing.T) {
	leakcheck.Check(t)
	display := startDisplay(t)
	const w, h = 1280, 720
	win := New(Config{Title: title})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- win.Run(ctx) }()
	t.Cleanup(func() { cancel(); waitRun(t, done) })
	if err := win.ShowI420(pattern(w, h)); err != nil {
		t.Fatal(err)
	}
	id, at := window(t, title)
	waitFor(t, "the picture to be drawn", func() bool { return win.Stats().Drawn >= 1 })
	p := win.placement()
	if p.view != at.Size() {
		t.Fatalf("the picture's view is %v, the window %v: something else is drawn", p.view, at.Size())
	}
	if want := Fit(p.view, image.Pt(w, h)); p.dest != want {
		t.Fatalf("picture drawn at %v, want %v (fitted and centred)", p.dest, want)
	}
	x := xvfb.Connect(t, display)
	checkColour(t, x.Screenshot(), "red quadrant", at.Min.Add(p.dest.Min).Add(image.Pt(w/4, h/4+h/8)), patRed)
	checkColour(t, x.Screenshot(), "white quadrant", at.Min.Add(p.dest.Min).Add(image.Pt(3*w/4, 3*h/4+h/8)), patWhite)

	xdotool(t, "windowfocus", "--sync", id)
	mid := at.Min.Add(p.dest.Min).Add(image.Pt(w/2, h/2))
	xdotool(t, "mousemove", "--sync", fmt.Sprint(mid.X), fmt.Sprint(mid.Y), "click", "1")
	xdotool(t, "type", "secret")
	xdotool(t, "click", "1")
	shot := x.Screenshot()
	checkColour(t, shot, "red quadrant after the clicks", at.Min.Add(p.dest.Min).Add(image.Pt(w/4, h/4+h/8)), patRed)
	select {
	case err := <-done:
		t.Fatalf("the window ended on clicks and typing: %v", err)
	default:
	}
	if st := win.Stats(); st.Drawn != 1 {
		t.Errorf("%d pictures drawn after one shown", st.Drawn)
	}

	cancel()
	waitRun(t, done)
	done <- nil // for the cleanup
	if n := len(win.pool.free); n != 1 {
		t.Errorf("%d buffers back in the pool after Run, want the one shown", n)
	}
}

// TestRunOnce: a second Run is refused.
func TestRunOnce(t *testing.T) {
	leakcheck.Check(t)
	startDisplay(t)
	win := New(Config{Title: title})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- win.Run(ctx) }()
	window(t, title)
	if err := win.Run(ctx); !errors.Is(err, giowin.ErrRunning) {
		t.Errorf("second Run: %v, want giowin.ErrRunning", err)
	}
	cancel()
	if err := waitRun(t, done); !errors.Is(err, context.Canceled) {
		t.Errorf("Run after its context ended: %v, want context.Canceled", err)
	}
}

// placement is where the last window frame put the picture.
func (w *Window) placement() placement {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.placed
}

// startDisplay starts a private Xvfb for the test and points the window
// at it (X11 only: no Wayland).
func startDisplay(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (apt-get install xdotool); picture window tests skipped")
	}
	display := xvfb.Start(t, 1920, 1080)
	t.Setenv("DISPLAY", display)
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return display
}

// waitRun waits for Run to return, at most 10 s, and returns its error.
func waitRun(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Error("Run did not return within 10 s of its context ending")
		return nil
	}
}

// pattern is a w×h picture of four quadrants (red, green / blue, white),
// converted as the agent receives it: I420.
func pattern(w, h int) *vpx.I420 {
	bgrx := make([]byte, w*h*4)
	for y := range h {
		for x := range w {
			c := patRed
			switch {
			case x >= w/2 && y < h/2:
				c = patGreen
			case x < w/2 && y >= h/2:
				c = patBlue
			case x >= w/2 && y >= h/2:
				c = patWhite
			}
			i := 4 * (y*w + x)
			bgrx[i], bgrx[i+1], bgrx[i+2] = c.B, c.G, c.R
		}
	}
	pic := vpx.NewI420(w, h)
	if err := vpx.BGRXToI420(pic, bgrx, w*4); err != nil {
		panic(err)
	}
	return pic
}

// checkColour compares the screen at p with want.
func checkColour(t *testing.T, shot *image.RGBA, what string, p image.Point, want color.RGBA) {
	t.Helper()
	got := shot.RGBAAt(p.X, p.Y)
	d := func(x, y uint8) bool { return int(x)-int(y) <= 24 && int(y)-int(x) <= 24 }
	if !d(got.R, want.R) || !d(got.G, want.G) || !d(got.B, want.B) {
		t.Errorf("%s at %v is %v, want %v", what, p, got, want)
	}
}

// xdotool runs xdotool against the test's display.
func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// window finds a window by title and returns its id and its rectangle on
// the screen.
func window(t *testing.T, title string) (string, image.Rectangle) {
	t.Helper()
	id := strings.Fields(xdotool(t, "search", "--sync", "--onlyvisible", "--name", title))[0]
	vals := map[string]int{}
	for _, l := range strings.Split(xdotool(t, "getwindowgeometry", "--shell", id), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if n, err := strconv.Atoi(v); ok && err == nil {
			vals[k] = n
		}
	}
	min := image.Pt(vals["X"], vals["Y"])
	return id, image.Rectangle{Min: min, Max: min.Add(image.Pt(vals["WIDTH"], vals["HEIGHT"]))}
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
