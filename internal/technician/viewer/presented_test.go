package viewer

import (
	"testing"
	"time"
)

// TestPresentedHook checks that a frame's Presented hook is called once,
// from the window frame that draws it (after Show, with the picture
// counted as drawn), and not again when the window redraws for
// something else; a picture replaced before being drawn never reports.
func TestPresentedHook(t *testing.T) {
	const w, h = 640, 400
	r := openPattern(t, w, h)

	calls := make(chan time.Time, 4)
	shown := time.Now()
	drawn := r.v.Stats().Drawn
	r.v.Show(Frame{Image: pattern(w, h), Presented: func(at time.Time) { calls <- at }})
	var at time.Time
	select {
	case at = <-calls:
	case <-time.After(30 * time.Second): // a hang guard
		t.Fatal("the shown frame was never reported presented")
	}
	if at.Before(shown) {
		t.Errorf("presented at %v, before Show at %v", at, shown)
	}
	if got := r.v.Stats().Drawn; got != drawn+1 {
		t.Errorf("presented with %d pictures drawn since, want 1", got-drawn)
	}

	redraws := r.v.Stats().Redraws
	r.v.SetStatus(Status{Peer: "redraw"})
	waitFor(t, "the status redraw", func() bool { return r.v.Stats().Redraws > redraws })
	select {
	case <-calls:
		t.Error("Presented called again for a redraw without a new picture")
	default:
	}
}

// TestPresentedNotForDropped: a picture replaced before any window frame
// drew it is handed back, never reported presented.
func TestPresentedNotForDropped(t *testing.T) {
	v := New(Config{})
	reported := false
	v.Show(Frame{Image: pattern(8, 8), Presented: func(time.Time) { reported = true }})
	v.Show(Frame{Image: pattern(8, 8)})
	v.detach()
	if reported {
		t.Error("a dropped picture was reported presented")
	}
}
