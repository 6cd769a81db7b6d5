package techdesk

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/deskui"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestStartSessionShowsTimeLeft drives the desk window's Start a session
// as the technician does (a session that prints its code in text, as
// without -json): the window shows the code in groups, its link and the
// time left until the code expires, counting down and never beyond the
// code's expiry; the session's end takes the card away.
func TestStartSessionShowsTimeLeft(t *testing.T) {
	leakcheck.Check(t)
	t.Setenv("DISPLAY", xvfb.Start(t, 1280, 800))
	t.Setenv("WAYLAND_DISPLAY", "") // Gio tries Wayland first
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	win := deskui.New(deskui.Config{Title: "tandem-desk-test"})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- win.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	var out bytes.Buffer
	lw := NewLineWriter(&out)
	expires := time.Now().Add(10 * time.Minute)
	sessCtx, endSession := context.WithCancel(ctx)
	g := &deskGUI{out: lw, win: win, server: "https://localhost:8443", session: func(ctx context.Context) error {
		session.NewReporter(lw, false).Code("123456789", expires)
		<-ctx.Done()
		return nil
	}}
	g.invite(ctx, sessCtx, "") // what Start a session does
	for _, want := range []string{"123 456 789", "https://localhost:8443/s/123456789", "Copy link"} {
		shows(t, win, want)
	}
	first := timeLeft(t, win)
	if until := time.Until(expires); first > until || first < until-2*time.Minute {
		t.Errorf("time left %v drawn, the code expires in %v", first, until)
	}
	waitFor(t, "the time left to count down from "+first.String(), func() bool { return timeLeft(t, win) < first })
	endSession()
	g.wait()
	shows(t, win, "Start a session")
	if texts := win.Texts(); slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "123 456 789") }) {
		t.Errorf("the code outlives its session: %q", texts)
	}
}

func shows(t *testing.T, win *deskui.Desk, text string) {
	t.Helper()
	waitFor(t, text+" drawn", func() bool {
		return slices.ContainsFunc(win.Texts(), func(s string) bool { return strings.Contains(s, text) })
	})
}

// timeLeft is the card's time left, as last drawn ("Expires in 9:41").
func timeLeft(t *testing.T, win *deskui.Desk) time.Duration {
	t.Helper()
	var left time.Duration
	waitFor(t, "the time left drawn", func() bool {
		for _, s := range win.Texts() {
			if rest, ok := strings.CutPrefix(s, "Expires in "); ok {
				m, sec, _ := strings.Cut(rest, ":")
				d, err := time.ParseDuration(m + "m" + sec + "s")
				left = d
				return err == nil
			}
		}
		return false
	})
	return left
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
