package peer

import (
	"slices"
	"time"
)

// lossJudge is the sender's loss-based bitrate control in place of GCC's:
// it tells loss that comes with the send rate (congestion: a queue that
// overflows, a policer's bucket) from loss that does not (a noisy radio
// link), and answers only the first.
//
// GCC's loss controller lowers its target by half the loss whenever loss
// stays over 10 % and raises it only under 2 %: at 10-20 % random loss it
// decays toward the floor (0.3-2.5 Mbit/s in the lab, 18 loss-free) while
// lowering the rate removes none of the loss. Ignoring loss instead would
// be wrong on a policed path (a token bucket with no queue, as mobile plans
// have), where loss is the only sign of congestion: the delay-based
// estimate sees no queue there.
//
// The judge keeps one sample a second of the send rate and the loss GCC
// measured meanwhile. Once the samples span rates at least judgeSpread
// apart, it compares the loss of the faster half with the slower half's:
// about the same, the loss is the path's own and all of it is inherent;
// more, only the slower half's loss is. Its controller then runs GCC's
// rules on the loss beyond the inherent (excess): down by half of it over
// 10 %, up 5 % under 2 %, never above the delay-based estimate. Until the
// samples say, the inherent loss is 0 and the judge is GCC's controller;
// GCC's own decreases make the spread on a path the content fills.
type lossJudge struct {
	samples  []lossSample // the last judgeWindow seconds that sent something, oldest first
	at       time.Time    // when the current second started
	bytes    int64        // bytes sent when it started
	inherent float64
	target   int // 0 before the first update
	up, down time.Time
	lossSum  float64 // GCC's average loss at each update this second
	lossN    int
	verdicts int  // judgements made (for the log)
	random   bool // the last judgement: loss independent of the rate
}

type lossSample struct {
	rate float64 // bit/s sent
	loss float64 // GCC's average loss at the second's end
}

const (
	judgeWindow  = 20  // one-second samples kept
	judgeMin     = 6   // samples before a judgement
	judgeSpread  = 1.3 // the faster half's mean rate over the slower half's
	judgeSlack   = 0.03
	inherentMax  = 0.3 // loss beyond this is never taken for the path's own
	judgeStep    = 200 * time.Millisecond
	lossUpBelow  = 0.02
	lossDownOver = 0.10
)

// update takes GCC's delay-based estimate (0 before its first) and
// average loss and the bytes the pacer has sent so far, and returns the
// target (0 while GCC has no estimate yet: keep GCC's initial one).
func (j *lossJudge) update(now time.Time, sent int64, loss float64, delayTarget int) int {
	if delayTarget <= 0 {
		return 0
	}
	if j.at.IsZero() {
		j.at, j.bytes = now, sent
	}
	j.lossSum += loss
	j.lossN++
	if dt := now.Sub(j.at); dt >= time.Second {
		if sent > j.bytes {
			j.samples = append(j.samples, lossSample{rate: float64(sent-j.bytes) * 8 / dt.Seconds(), loss: j.lossSum / float64(j.lossN)})
			if len(j.samples) > judgeWindow {
				j.samples = slices.Delete(j.samples, 0, len(j.samples)-judgeWindow)
			}
			j.judge()
		}
		j.at, j.bytes, j.lossSum, j.lossN = now, sent, 0, 0
	}
	if j.target == 0 {
		j.target = delayTarget
	}
	j.target = min(j.target, delayTarget)
	excess := loss - j.inherent
	switch {
	case excess < lossUpBelow && now.Sub(j.up) >= judgeStep:
		j.up = now
		j.target = int(float64(j.target) * 1.05)
	case excess > lossDownOver && now.Sub(j.down) >= judgeStep:
		j.down = now
		j.target = int(float64(j.target) * (1 - excess/2))
	}
	j.target = min(max(j.target, MinBitrate), MaxBitrate, max(delayTarget, MinBitrate))
	return j.target
}

// judge sets the inherent loss from the samples, when they span enough
// rates; the inherent loss also falls with the loss itself (the path got
// better).
func (j *lossJudge) judge() {
	n := len(j.samples)
	_, recent := meanSamples(j.samples[max(n-5, 0):])
	j.inherent = min(j.inherent, recent)
	if n < judgeMin {
		return
	}
	s := slices.Clone(j.samples)
	slices.SortFunc(s, func(a, b lossSample) int {
		switch {
		case a.rate < b.rate:
			return -1
		case a.rate > b.rate:
			return 1
		}
		return 0
	})
	mean := meanSamples
	slowRate, slowLoss := mean(s[:n/2])
	fastRate, fastLoss := mean(s[n-n/2:])
	if fastRate < judgeSpread*slowRate {
		return // too even a rate to tell
	}
	j.verdicts++
	j.random = fastLoss-slowLoss <= judgeSlack+slowLoss/4
	if j.random {
		_, all := mean(s)
		j.inherent = min(all, inherentMax)
	} else {
		j.inherent = min(slowLoss, inherentMax)
	}
}

// meanSamples is the mean rate and loss of xs (not empty).
func meanSamples(xs []lossSample) (rate, loss float64) {
	for _, x := range xs {
		rate += x.rate
		loss += x.loss
	}
	return rate / float64(len(xs)), loss / float64(len(xs))
}
