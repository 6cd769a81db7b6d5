package peer

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// judgeRun simulates a sender whose content wants want bit/s through a
// path that loses random of every packet and, with capacity > 0, drops
// what exceeds capacity (a policer). The sender sends min(want, target);
// GCC's average loss follows the path's with noise; the delay-based
// estimate is 18 Mbit/s (no queue). It returns the target and the loss at
// the end of 60 s.
func judgeRun(t *testing.T, want, random, capacity float64) (target int, loss float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var j lossJudge
	now := time.Unix(0, 0)
	var sent float64
	avg := 0.0
	target = InitialBitrate
	for range 60 * 20 { // a frame every 50 ms
		rate := min(want, float64(target))
		sent += rate / 8 / 20
		loss = random
		if capacity > 0 && rate > capacity {
			loss = 1 - (1-random)*capacity/rate
		}
		avg = 0.6*avg + 0.4*math.Max(0, loss+0.03*rng.NormFloat64())
		target = j.update(now, int64(sent), avg, 18_000_000)
		if target == 0 {
			t.Fatal("no target with a delay-based estimate")
		}
		now = now.Add(50 * time.Millisecond)
	}
	return target, loss
}

// TestLossJudge: random loss that lowering the rate does not remove is
// taken for the path's own, and the target goes back up to what the
// delay-based estimate allows; loss that comes with the rate (a policer)
// still holds the rate near the path's capacity, alone or on top of
// random loss; with no loss the target is the delay-based estimate.
func TestLossJudge(t *testing.T) {
	for _, c := range []struct {
		name                   string
		want, random, capacity float64
		minTarget, maxTarget   int
	}{
		{"clean", 8e6, 0, 0, 17_000_000, 18_000_000},
		{"10 % random", 8e6, 0.10, 0, 8_000_000, 18_000_000},
		{"20 % random", 8e6, 0.20, 0, 8_000_000, 18_000_000},
		{"10 % random, light content", 2.3e6, 0.10, 0, 8_000_000, 18_000_000},
		{"policer 2 Mbit/s, light content", 2.3e6, 0, 2e6, MinBitrate, 2_600_000},
		{"policer 2 Mbit/s", 8e6, 0, 2e6, MinBitrate, 2_600_000},
		{"policer 2 Mbit/s and 10 % random", 8e6, 0.10, 2e6, MinBitrate, 2_600_000},
	} {
		target, loss := judgeRun(t, c.want, c.random, c.capacity)
		t.Logf("%s: target %d kbit/s, loss %.2f", c.name, target/1000, loss)
		if target < c.minTarget || target > c.maxTarget {
			t.Errorf("%s: target %d, want %d-%d (loss %.2f)", c.name, target, c.minTarget, c.maxTarget, loss)
		}
	}
}

// TestLossJudgeWaitsForGCC: before GCC's first delay-based estimate the
// judge gives no target (the link keeps GCC's initial one) and does not
// start from zero (it once did, and was stuck at the floor).
func TestLossJudgeWaitsForGCC(t *testing.T) {
	var j lossJudge
	now := time.Unix(0, 0)
	if got := j.update(now, 0, 0, 0); got != 0 {
		t.Fatalf("target %d before any estimate", got)
	}
	if got := j.update(now.Add(50*time.Millisecond), 1000, 0, 10_000_000); got < 10_000_000 {
		t.Fatalf("first target %d, want the delay-based 10 Mbit/s", got)
	}
}
