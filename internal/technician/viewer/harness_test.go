package viewer

import (
	"fmt"
	"image"
	"slices"
	"testing"
	"time"

	"gioui.org/f32"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

const title = "tandem-viewer-test"

// openPattern opens a viewer showing the test pattern at w×h.
func openPattern(t *testing.T, w, h int) *running {
	t.Helper()
	leakcheck.Check(t)
	startXvfb(t)
	r := open(t, Config{Title: title}, Frame{Image: pattern(w, h)})
	t.Logf("window %v opened in %v (Run to first window frame)", r.win, r.v.Stats().Opened)
	return r
}

// screenPoint is the screen position over remote pixel (x, y).
func (r *running) screenPoint(x, y int) image.Point {
	info := r.info()
	d := info.geom.dest()
	sx := float64(d.Dx()) / float64(info.geom.Remote.X)
	sy := float64(d.Dy()) / float64(info.geom.Remote.Y)
	p := image.Pt(d.Min.X+int((float64(x)+0.5)*sx), d.Min.Y+int((float64(y)+0.5)*sy))
	return p.Add(info.screen.Min).Add(r.win.Min)
}

// expectedAt is what the mapping says the remote pixel under screen point p is.
func (r *running) expectedAt(p image.Point) (image.Point, bool) {
	info := r.info()
	q := p.Sub(r.win.Min).Sub(info.screen.Min)
	return info.geom.toRemote(f32.Pt(float32(q.X), float32(q.Y)))
}

// button is the screen position of a toolbar button's centre.
func (r *running) button(t *testing.T, name string) image.Point {
	t.Helper()
	b, ok := r.info().Rects[name]
	if !ok {
		t.Fatalf("no %s button on the toolbar", name)
	}
	return b.Min.Add(b.Max).Div(2).Add(r.win.Min)
}

func (r *running) click(t *testing.T, name string) {
	t.Helper()
	p := r.button(t, name)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
}

// next returns the next input event, failing after 5 s.
func (r *running) next(t *testing.T) input.Event {
	t.Helper()
	select {
	case ev := <-r.v.Input():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no input event within 5 s")
	}
	return input.Event{}
}

// expect reads len(want) input events, skipping pointer moves when
// skipMoves, and compares them with want.
func (r *running) expect(t *testing.T, skipMoves bool, want ...string) {
	t.Helper()
	var got []string
	for len(got) < len(want) {
		ev := r.next(t)
		if skipMoves && ev.Type == input.PointerMove {
			continue
		}
		got = append(got, describe(ev))
	}
	if !slices.Equal(got, want) {
		t.Errorf("input events\ngot  %q\nwant %q", got, want)
	}
}

// action returns the next toolbar action, failing after 5 s.
func (r *running) action(t *testing.T) Action {
	t.Helper()
	select {
	case a := <-r.v.Actions():
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no action within 5 s")
	}
	return Action{}
}

// wheel sums the Wheel events of one notch (one or two events, depending
// on whether the press and release of the wheel button share a frame).
func (r *running) wheel(t *testing.T) int {
	t.Helper()
	dy := 0
	for dy < input.WheelDetent {
		ev := r.next(t)
		if ev.Type != input.Wheel {
			t.Fatalf("got %s, want wheel", describe(ev))
		}
		dy += int(ev.DY)
	}
	return dy
}
