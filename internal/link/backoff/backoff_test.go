package backoff

import (
	"testing"
	"time"
)

func TestNextDoublesWithinJitterUpToMax(t *testing.T) {
	b := New(100*time.Millisecond, 800*time.Millisecond)
	want := []time.Duration{100, 200, 400, 800, 800, 800}
	for i, w := range want {
		w *= time.Millisecond
		if got := b.Next(); got < w/2 || got >= w/2+w {
			t.Fatalf("wait %d: %v, want in [%v, %v)", i, got, w/2, w/2+w)
		}
	}
}

func TestNextIsRandom(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[Redial().Next()] = true
	}
	if len(seen) < 2 {
		t.Fatal("20 first waits were all the same: no jitter")
	}
}
