package viewer

import (
	"image"
	"testing"
)

// TestShowKeepsNewest checks that frames shown before they can be drawn
// are dropped, not queued, and handed back through Done.
func TestShowKeepsNewest(t *testing.T) {
	v := New(Config{})
	var done []int
	for i := range 3 {
		v.Show(Frame{Image: image.NewRGBA(image.Rect(0, 0, 4, 4)), Seq: uint64(i), Done: func() { done = append(done, i) }})
	}
	if v.next == nil || v.next.Seq != 2 {
		t.Fatalf("next frame %+v, want seq 2", v.next)
	}
	if st := v.Stats(); st.Shown != 3 || st.Dropped != 2 {
		t.Errorf("stats %+v, want 3 shown and 2 dropped", st)
	}
	if len(done) != 2 || done[0] != 0 || done[1] != 1 {
		t.Errorf("Done called for %v, want [0 1]", done)
	}
	v.Show(Frame{}) // no picture: ignored
	if v.next.Seq != 2 {
		t.Error("a frame without a picture replaced the newest one")
	}
}

func TestStatusText(t *testing.T) {
	tests := []struct {
		st       Status
		viewOnly bool
		want     string
	}{
		{Status{}, false, "connecting… · RTT 0 ms · 0 fps · 0 kbit/s · control"},
		{Status{Path: "relayed turn/tls 443", RTTms: 41.6, FPS: 29.7, Kbps: 3120.4, Peer: "123 456 789"}, true,
			"123 456 789 · relayed turn/tls 443 · RTT 42 ms · 30 fps · 3120 kbit/s · view only"},
	}
	for _, tt := range tests {
		if got := statusText(tt.st, tt.viewOnly); got != tt.want {
			t.Errorf("statusText(%+v) = %q, want %q", tt.st, got, tt.want)
		}
	}
}
