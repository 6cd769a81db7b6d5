package localinput

import (
	"context"
	"image"
	"os/exec"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"

	"github.com/tandem-remote/tandem/internal/media/xconn"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// agent plays internal/link/input: it injects with XTEST on its own connection
// and, when journaled, tells the watcher first.
type agent struct {
	t    *testing.T
	conn *xgb.Conn
	root xproto.Window
	w    *Watcher
}

func newAgent(t *testing.T, display string, w *Watcher) *agent {
	t.Helper()
	c, err := xconn.Dial(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(c.Close)
	if err := xtest.Init(c); err != nil {
		t.Fatalf("xtest: %v", err)
	}
	return &agent{t: t, conn: c, root: xproto.Setup(c).DefaultScreen(c).Root, w: w}
}

func (a *agent) key(code byte, down, journaled bool) {
	kind, typ := KeyUp, byte(xproto.KeyRelease)
	if down {
		kind, typ = KeyDown, xproto.KeyPress
	}
	if journaled {
		a.w.Injecting(kind, uint32(code), image.Point{})
	}
	xtest.FakeInput(a.conn, typ, code, 0, a.root, 0, 0, 0)
}

func (a *agent) button(b byte, down bool) {
	kind, typ := ButtonUp, byte(xproto.ButtonRelease)
	if down {
		kind, typ = ButtonDown, xproto.ButtonPress
	}
	a.w.Injecting(kind, uint32(b), image.Point{})
	xtest.FakeInput(a.conn, typ, b, 0, a.root, 0, 0, 0)
}

func (a *agent) move(p image.Point) {
	a.w.Injecting(Motion, 0, p)
	xtest.FakeInput(a.conn, xproto.MotionNotify, 0, 0, a.root, int16(p.X), int16(p.Y), 0)
}

func (a *agent) sync() { xproto.GetInputFocus(a.conn).Reply() }

func openWatcher(t *testing.T, display string) *Watcher {
	t.Helper()
	w, err := Open(context.Background(), Options{Display: display})
	if err != nil {
		t.Fatalf("open watcher: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// waitActivity waits for Activity; the deadline only stops a broken test.
func waitActivity(t *testing.T, w *Watcher, what string) {
	t.Helper()
	select {
	case <-w.Activity():
	case <-time.After(10 * time.Second):
		t.Fatalf("no activity after %s", what)
	}
}

func (w *Watcher) unexplainedCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unexplained
}

// TestInjectedInputIsNotActivity injects keys, clicks, a wheel turn and a
// burst of motions through the journal, then one key the journal does not
// know as a marker: events arrive in order, so when the marker's Activity
// comes, everything before it has been judged, and exactly one event (the
// marker) may be unexplained.
func TestInjectedInputIsNotActivity(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	w := openWatcher(t, display)
	a := newAgent(t, display, w)

	for _, code := range []byte{38, 56, 54, 50} { // a b c, left shift
		a.key(code, true, true)
		a.key(code, false, true)
	}
	for _, b := range []byte{1, 3, 4, 5} {
		a.button(b, true)
		a.button(b, false)
	}
	for i := range 50 {
		a.move(image.Pt(10+i*7, 400-i*5))
	}
	a.move(image.Pt(5000, -20)) // off screen: the server clamps it
	a.sync()
	a.key(40, true, false) // the marker, not journaled
	a.key(40, false, true)
	waitActivity(t, w, "an unjournaled key")
	if n := w.unexplainedCount(); n != 1 {
		t.Errorf("%d events were taken for local activity, want 1 (the marker)", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOtherClientsInputIsActivity(t *testing.T) {
	leakcheck.Check(t)
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (apt-get install xdotool)")
	}
	display := xvfb.Start(t, 640, 480)
	w := openWatcher(t, display)
	a := newAgent(t, display, w)
	a.move(image.Pt(100, 100)) // the agent is busy too
	a.sync()
	for _, args := range [][]string{{"key", "a"}, {"click", "1"}, {"mousemove", "300", "200"}} {
		t.Run(args[0], func(t *testing.T) {
			for len(w.Activity()) > 0 {
				<-w.Activity()
			}
			before, beforeAt := w.unexplainedCount(), w.LastActivity()
			sent := time.Now()
			cmd := exec.Command("xdotool", args...)
			cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("xdotool %v: %v\n%s", args, err, out)
			}
			waitActivity(t, w, "xdotool "+args[0])
			if w.unexplainedCount() == before {
				t.Error("activity signalled, but no event counted as local")
			}
			if at := w.LastActivity(); !at.After(beforeAt) || at.Before(sent) {
				t.Errorf("LastActivity %v, want after the input was sent (%v)", at, sent)
			}
		})
	}
}

// TestIgnore: what Ignore accepts (here, anything over the left half of
// the screen, as the agent's own window would be) is not activity; the
// same input elsewhere is.
func TestIgnore(t *testing.T) {
	leakcheck.Check(t)
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (apt-get install xdotool)")
	}
	display := xvfb.Start(t, 640, 480)
	own := image.Rect(0, 0, 320, 480)
	w, err := Open(context.Background(), Options{Display: display, Ignore: func(_ Kind, at image.Point) bool { return at.In(own) }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	xdo := func(args ...string) {
		cmd := exec.Command("xdotool", args...)
		cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v\n%s", args, err, out)
		}
	}
	xdo("mousemove", "--sync", "100", "100", "click", "1", "key", "a", "mousemove", "--sync", "200", "300")
	// A marker outside: once its activity arrives, everything before it
	// was judged.
	xdo("mousemove", "--sync", "500", "100")
	waitActivity(t, w, "a move outside the ignored area")
	if n := w.unexplainedCount(); n != 1 {
		t.Errorf("%d events counted as local, want only the marker (the rest was over the ignored area)", n)
	}
}
