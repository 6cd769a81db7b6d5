package filexfer

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestMeter: the first and last reports always go out; between them at
// most one per progressEvery.
func TestMeter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []int64
		m := newMeter(func(p Progress) { got = append(got, p.Done) }, Progress{Total: 100})
		m.report(10) // too soon after the first
		time.Sleep(progressEvery)
		m.report(20)
		m.report(30) // too soon
		time.Sleep(progressEvery / 2)
		m.report(40) // still too soon
		m.report(100)
		want := []int64{0, 20, 100}
		if len(got) != len(want) {
			t.Fatalf("reported %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("reported %v, want %v", got, want)
			}
		}
	})
}
