package techsession

import (
	"testing"
	"testing/synctest"
)

// TestSayWaitsForRoom: a chat line that finds the queue full waits for
// room rather than being dropped, and gives up only when the session ends.
func TestSayWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(TechnicianConfig{})
		for i := range cap(s.req.say) {
			if !s.Say("line") {
				t.Fatalf("Say %d refused with room in the queue", i)
			}
		}
		taken := make(chan bool, 1)
		go func() { taken <- s.Say("one more") }()
		synctest.Wait()
		select {
		case ok := <-taken:
			t.Fatalf("Say on a full queue returned %v at once, want it to wait", ok)
		default:
		}
		<-s.req.say // the session takes one line
		if !<-taken {
			t.Fatal("Say did not take the line once there was room")
		}
		// The queue is full again (15 lines and "one more"): once the
		// session has ended, a line is refused rather than waiting forever.
		go func() { taken <- s.Say("after the end") }()
		synctest.Wait()
		close(s.done)
		if <-taken {
			t.Fatal("Say took a line on a full queue after the session ended")
		}
	})
}
