package deskui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
)

// TestDeskWaitingShowsCode: after Start a session, the queue's top shows
// the code in groups, the link with a button that copies it, and the time
// left counting down, until the customer joins; the session's end takes
// the card away.
func TestDeskWaitingShowsCode(t *testing.T) {
	o := openDesk(t)
	o.d.Update(deskclient.Message{Type: "queue"})
	o.click(t, "open")
	if a := o.action(t); a.Kind != Open {
		t.Fatalf("got %+v, want a session opened", a)
	}
	o.d.SetSession(true, "")
	o.shows(t, "Starting a session")
	w := NewWaiting("https://localhost:8443", "123456789", time.Now().Add(10*time.Minute))
	o.d.SetSession(true, w.Code)
	o.d.SetWaiting(w)
	o.shows(t, "123 456 789")
	o.shows(t, "https://localhost:8443/s/123456789")
	first := timeLeft(t, o)
	waitFor(t, "the time left to count down from "+first.String(), func() bool { return timeLeft(t, o) < first })

	clip, err := input.NewX11Clipboard(input.ClipboardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer clip.Close()
	o.click(t, giowin.NameCopy)
	waitFor(t, "the link on the clipboard", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s, _ := clip.Get(ctx)
		return s == w.Link
	})
	o.shows(t, "Copied")

	o.d.SetWaiting(Waiting{}) // the customer joined
	o.shows(t, "Session code 123 456 789: give it to the customer.")
	o.d.SetWaiting(w)
	o.shows(t, "Copy link")
	o.d.SetSession(false, "")
	o.shows(t, "Start a session")
	if texts := o.d.Texts(); slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "123 456 789") }) {
		t.Errorf("the code outlives its session: %q", texts)
	}
}

// timeLeft is the card's time left, as last drawn ("Expires in 9:41").
func timeLeft(t *testing.T, o *opened) time.Duration {
	t.Helper()
	var left time.Duration
	waitFor(t, "the time left drawn", func() bool {
		for _, s := range o.d.Texts() {
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
