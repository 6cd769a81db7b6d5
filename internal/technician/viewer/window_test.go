package viewer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// TestWindowShowsPattern checks that a 4:3 remote screen appears scaled to
// fit, pillarboxed, with its quadrants in the right places, and pixel for
// pixel in 1:1 mode.
func TestWindowShowsPattern(t *testing.T) {
	const w, h = 1024, 768
	r := openPattern(t, w, h)
	shot := screenshot(t)
	t.Logf("screenshot: %s", savePNG(t, "viewer-fit.png", shot))
	info := r.info()
	if d := info.geom.dest(); d.Min.X < 50 || d.Min.Y != 0 {
		t.Fatalf("a 4:3 screen in a wide viewport should fill the height with borders left and right; dest %v in %v", d, info.geom.View)
	}
	checks := []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"top left", w / 4, h / 4, patRed}, {"top right", 3 * w / 4, h / 4, patGreen},
		{"bottom left", w / 4, 3 * h / 4, patBlue}, {"bottom right", 3 * w / 4, 3 * h / 4, patWhite},
	}
	for _, c := range checks {
		p := r.screenPoint(c.x, c.y)
		if got := shot.RGBAAt(p.X, p.Y); !near(got, c.want, 24) {
			t.Errorf("%s quadrant at screen %v is %v, want %v", c.name, p, got, c.want)
		}
	}
	border := r.screenPoint(0, h/2).Sub(image.Pt(20, 0))
	if got := shot.RGBAAt(border.X, border.Y); !near(got, color.RGBA{A: 255}, 8) {
		t.Errorf("left border at %v is %v, want black", border, got)
	}
	bar := r.win.Min.Add(image.Pt(r.win.Dx()-5, 2))
	if got := shot.RGBAAt(bar.X, bar.Y); !near(got, color.RGBA(pal.Bg), 8) {
		t.Errorf("toolbar background at %v is %v, want %v", bar, got, pal.Bg)
	}

	r.v.Show(Frame{Image: pattern(1920, 1080)})
	r.click(t, btnMode)
	waitFor(t, "1:1 mode", func() bool { return r.info().geom.Mode == ModeActual && r.info().geom.Remote.X == 1920 })
	shot = screenshot(t)
	t.Logf("screenshot: %s", savePNG(t, "viewer-1to1.png", shot))
	origin := r.win.Min.Add(r.info().screen.Min)
	for y := 0; y < 300; y += 7 { // pixel for pixel, stripes included
		for x := 0; x < 1200; x += 13 {
			want := patternAt(x, y, 1920, 1080)
			if got := shot.RGBAAt(origin.X+x, origin.Y+y); !near(got, want, 8) {
				t.Fatalf("1:1 pixel %d,%d is %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestClose checks both ways the window ends: the technician closes it
// (Run returns nil) or the session ends it (Run returns the context's
// error); either way the channels are closed.
func TestClose(t *testing.T) {
	leakcheck.Check(t)
	startXvfb(t)
	for _, byUser := range []bool{true, false} {
		t.Run(fmt.Sprintf("by user %v", byUser), func(t *testing.T) {
			v := New(Config{Title: title})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- v.Run(ctx) }()
			id, _ := window(t, title)
			if byUser {
				deleteWindow(t, id)
			} else {
				cancel()
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return")
			}
			if byUser && err != nil || !byUser && !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
			if _, open := <-v.Input(); open {
				t.Error("Input not closed")
			}
			if _, open := <-v.Actions(); open {
				t.Error("Actions not closed")
			}
			if err := v.Run(context.Background()); !errors.Is(err, ErrRunning) {
				t.Errorf("second Run = %v, want ErrRunning", err)
			}
		})
	}
}

// deleteWindow asks the window to close as a window manager's close button
// does (WM_DELETE_WINDOW).
func deleteWindow(t *testing.T, id string) {
	t.Helper()
	c := xconnect(t)
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return r.Atom
	}
	var win uint32
	fmt.Sscan(strings.TrimSpace(id), &win)
	ev := xproto.ClientMessageEvent{Format: 32, Window: xproto.Window(win), Type: atom("WM_PROTOCOLS"),
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(atom("WM_DELETE_WINDOW")), 0, 0, 0, 0})}
	if err := xproto.SendEventChecked(c, false, xproto.Window(win), 0, string(ev.Bytes())).Check(); err != nil {
		t.Fatal(err)
	}
}
