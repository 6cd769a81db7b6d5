package viewer

import (
	"testing"
	"time"
)

// TestCloseOpensNoWindow: closing the viewer creates no new window on the
// way out — Gio's X11 window, asked for one more event after its
// shutdown, opens a new one (and under load could hang for ever there).
func TestCloseOpensNoWindow(t *testing.T) {
	r := openPattern(t, 640, 360)
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	r.done <- nil // for the harness's cleanup
	if n := r.v.Stats().Windows; n != 1 {
		t.Fatalf("Gio created %d windows for one Run, want 1", n)
	}
}
