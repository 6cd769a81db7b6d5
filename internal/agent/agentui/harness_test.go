package agentui

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

var update = flag.Bool("update", false, "write screenshots of the window under testdata/ for a human to look at")

// opened is a UI open on a private Xvfb.
type opened struct {
	u *UI
	x *xvfb.Client
}

// openUI starts a 1280×800 Xvfb, points DISPLAY at it and opens the UI in
// English; cleanup closes it and checks that nothing it started runs on.
func openUI(t testing.TB) *opened {
	t.Helper()
	return openUIAfter(t, func(*xvfb.Client) {})
}

// openUIAfter is openUI, with setup shaping the display first.
func openUIAfter(t testing.TB, setup func(*xvfb.Client)) *opened {
	t.Helper()
	return openUIIn(t, "en", setup)
}

// openUIIn is openUIAfter with the window's texts in lang.
func openUIIn(t testing.TB, lang string, setup func(*xvfb.Client)) *opened {
	t.Helper()
	leakcheck.Check(t)
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (apt-get install xdotool); window tests skipped")
	}
	display := xvfb.Start(t, 1280, 800)
	t.Setenv("DISPLAY", display)
	// No Wayland: Gio tries it first.
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	x := xvfb.Connect(t, display)
	setup(x)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	u, err := Open(ctx, Options{Title: "tandem-agentui-test", Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return &opened{u: u, x: x}
}

// info is what the last frame drew.
func (o *opened) info() layoutInfo {
	o.u.mu.Lock()
	defer o.u.mu.Unlock()
	return o.u.layout
}

// waitDrawn waits until a frame that satisfies cond is on screen, in a
// window that fits it, at the window's current place, and returns it.
func (o *opened) waitDrawn(t *testing.T, what string, cond func(layoutInfo) bool) layoutInfo {
	t.Helper()
	var info layoutInfo
	waitFor(t, what, func() bool {
		info = o.info()
		b := o.u.Bounds()
		return cond(info) && info.fits && len(b) == 1 && b[0].Size() == info.size && b[0].In(image.Rect(0, 0, 1280, 800))
	})
	return info
}

// at is the screen position of the centre of a named thing.
func (o *opened) at(t *testing.T, name string) image.Point {
	t.Helper()
	r, ok := o.info().Rects[name]
	if !ok {
		t.Fatalf("%q is not on screen; drawn: %v", name, o.info().Texts)
	}
	return r.Min.Add(r.Max).Div(2).Add(o.u.Bounds()[0].Min)
}

// click clicks the named thing with the real pointer.
func (o *opened) click(t *testing.T, name string) {
	t.Helper()
	p := o.at(t, name)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
}

// key presses one key and waits until the window has drawn a frame
// since, so that each key acts on what the one before it did.
func (o *opened) key(t *testing.T, k string) {
	t.Helper()
	frames := func() uint64 {
		o.u.mu.Lock()
		defer o.u.mu.Unlock()
		return o.u.frames
	}
	n := frames()
	xdotool(t, "key", k)
	waitFor(t, "a frame after key "+k, func() bool { return frames() > n })
}

// action returns the next action, failing after 10 s.
func (o *opened) action(t *testing.T) Action {
	t.Helper()
	select {
	case a := <-o.u.Actions():
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no action within 10 s")
	}
	return Action{}
}

// ask runs Ask in a goroutine; the answer comes on the channel.
func (o *opened) ask(r Request) <-chan reply {
	ch := make(chan reply, 1)
	go func() {
		a, err := o.u.Ask(context.Background(), r)
		ch <- reply{a, err}
	}()
	return ch
}

func answerOf(t *testing.T, ch <-chan reply) Answer {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("Ask: %v", r.err)
		}
		return r.a
	case <-time.After(20 * time.Second):
		t.Fatal("no answer within 20 s")
	}
	return 0
}

// xdotool runs xdotool against the test's display. A minute bounds it:
// its --sync waits have no end of their own.
func xdotool(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// moveKept moves window id where the window's keeper will move it back
// from. xdotool's --sync waits until it sees the window there, and never
// ends when the keeper was quicker than its look (a CI-clone run hung
// 18 minutes in TestPrimaryMonitor): so a few seconds bound the wait, and
// the caller's waitFor judges where the window ends up.
func moveKept(t testing.TB, id string, to image.Point) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "xdotool", "windowmove", "--sync", id, fmt.Sprint(to.X), fmt.Sprint(to.Y)).CombinedOutput()
	if err != nil && ctx.Err() == nil {
		t.Fatalf("xdotool windowmove %s %v: %v\n%s", id, to, err, out)
	}
}

// waitFor polls cond until it holds, for at most 20 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// inked counts the pixels of r (screen coordinates) that stand out from
// the window's background: text drawn there.
func inked(img *image.RGBA, r image.Rectangle) int {
	n := 0
	want := color.RGBA{R: pal.Bg.R, G: pal.Bg.G, B: pal.Bg.B, A: 0xff}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			if absDiff(c.R, want.R)+absDiff(c.G, want.G)+absDiff(c.B, want.B) > 120 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// savePNG writes the window's part of img into the test's temporary
// directory and, with -update, under testdata for a human to look at.
func savePNG(t testing.TB, name string, img *image.RGBA, r image.Rectangle) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if *update {
		dirs = append(dirs, "testdata")
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(d, name))
		if err != nil {
			t.Fatal(err)
		}
		err = png.Encode(f, img.SubImage(r))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}
