package giowin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gioui.org/app"
	"gioui.org/op"
	"gioui.org/op/paint"
	"gioui.org/unit"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

const title = "tandem-giowin-test"

// shown is a Window that Run serves on a private Xvfb.
type shown struct {
	w      *Window
	x      *xgb.Conn
	id     xproto.Window // the X window, from the view event
	frames atomic.Uint64
	cancel context.CancelFunc
	done   chan error // Run's result
}

// show starts a display and runs a window on it that fills its frames
// with the dark palette's background, and waits for its first frame.
func show(t *testing.T) *shown {
	t.Helper()
	leakcheck.Check(t)
	display := xvfb.Start(t, 800, 600)
	t.Setenv("DISPLAY", display)
	t.Setenv("WAYLAND_DISPLAY", "") // Gio tries Wayland first
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	x, err := xconn.Dial(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(x.Close)
	s := &shown{w: New(app.Title(title), app.Size(unit.Dp(320), unit.Dp(200))), x: x, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	views := make(chan xproto.Window, 1)
	var ops op.Ops
	h := Handler{
		Frame: func(e app.FrameEvent) {
			ops.Reset()
			paint.Fill(&ops, Dark.Bg)
			e.Frame(&ops)
			s.frames.Add(1)
		},
		View: func(e app.ViewEvent) { views <- xproto.Window(e.(app.X11ViewEvent).Window) },
	}
	go func() { s.done <- s.w.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		s.result(t)
	})
	select {
	case s.id = <-views:
	case err := <-s.done:
		t.Fatalf("Run ended before the window showed: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no view event within 20 s")
	}
	waitFor(t, "the first frame", func() bool { return s.frames.Load() > 0 })
	return s
}

// result waits for Run's result; it can be read once, and cleanup reads
// it when the test has not.
func (s *shown) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s")
	}
	return nil
}

// TestRunEnds checks both ways a window ends: the user closes it (Run
// returns nil) or its context ends (Run returns the context's error).
// Either way the window is gone from the screen, Gio made one window and
// no other, and Run cannot run again.
func TestRunEnds(t *testing.T) {
	for _, byUser := range []bool{true, false} {
		t.Run("by user "+strconv.FormatBool(byUser), func(t *testing.T) {
			s := show(t)
			if byUser {
				deleteWindow(t, s.x, s.id)
			} else {
				s.cancel()
			}
			err := s.result(t)
			if byUser && err != nil || !byUser && !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
			waitFor(t, "the window to go", func() bool { return !exists(s.x, s.id) })
			if n := s.w.Views(); n != 1 {
				t.Errorf("Gio made %d windows for one Run, want 1", n)
			}
			if n := titled(t, s.x); n != 0 {
				t.Errorf("%d windows titled %q left on the screen", n, title)
			}
			s.w.Invalidate() // after Run: nothing to wake, and no new window
			if err := s.w.Run(context.Background(), Handler{}); !errors.Is(err, ErrRunning) {
				t.Errorf("second Run = %v, want ErrRunning", err)
			}
		})
	}
}

// TestInvalidateAndOption: another goroutine wakes the window for a new
// frame, and changes its size while it runs.
func TestInvalidateAndOption(t *testing.T) {
	s := show(t)
	waitFor(t, "the frames to settle", func() bool {
		n := s.frames.Load()
		time.Sleep(100 * time.Millisecond)
		return s.frames.Load() == n
	})
	n := s.frames.Load()
	go s.w.Invalidate()
	waitFor(t, "a frame after Invalidate", func() bool { return s.frames.Load() > n })

	s.w.Option(app.Size(unit.Dp(500), unit.Dp(300)))
	waitFor(t, "the window at its new size", func() bool {
		g, err := xproto.GetGeometry(s.x, xproto.Drawable(s.id)).Reply()
		return err == nil && g.Width == 500 && g.Height == 300
	})
}

// deleteWindow asks the window to close as a window manager's close button
// does (WM_DELETE_WINDOW).
func deleteWindow(t *testing.T, c *xgb.Conn, win xproto.Window) {
	t.Helper()
	ev := xproto.ClientMessageEvent{Format: 32, Window: win, Type: atom(t, c, "WM_PROTOCOLS"),
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(atom(t, c, "WM_DELETE_WINDOW")), 0, 0, 0, 0})}
	if err := xproto.SendEventChecked(c, false, win, 0, string(ev.Bytes())).Check(); err != nil {
		t.Fatal(err)
	}
}

func atom(t *testing.T, c *xgb.Conn, name string) xproto.Atom {
	t.Helper()
	r, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return r.Atom
}

// exists reports whether the X window is still there.
func exists(c *xgb.Conn, win xproto.Window) bool {
	_, err := xproto.GetWindowAttributes(c, win).Reply()
	return err == nil
}

// titled counts the top-level windows whose title is the test's.
func titled(t *testing.T, c *xgb.Conn) int {
	t.Helper()
	tree, err := xproto.QueryTree(c, xproto.Setup(c).DefaultScreen(c).Root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, w := range tree.Children {
		p, err := xproto.GetProperty(c, false, w, atom(t, c, "_NET_WM_NAME"), xproto.GetPropertyTypeAny, 0, 64).Reply()
		if err == nil && strings.Contains(string(p.Value), title) {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds, for at most 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestRunEndedContext: a context that ended before Run still ends it, once
// Gio has shown the window it asked for.
func TestRunEndedContext(t *testing.T) {
	leakcheck.Check(t)
	t.Setenv("DISPLAY", xvfb.Start(t, 800, 600))
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := New(app.Title(title))
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, Handler{Frame: func(e app.FrameEvent) { e.Frame(new(op.Ops)) }}) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return within 20 s")
	}
	if n := w.Views(); n > 1 {
		t.Errorf("Gio made %d windows, want at most 1", n)
	}
}
