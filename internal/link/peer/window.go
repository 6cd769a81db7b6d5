package peer

import (
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// How much a channel may have queued in SCTP before Send waits. SCTP counts
// a message as queued until its receiver acknowledges it, so the queue
// holds what is in flight and what waits to be sent. Too little and the
// path is never full: at a 50 ms round trip, 1 MiB carries at most
// 168 Mbit/s. Too much and the rest waits in pion's send queue, which all
// streams share in order: a key press or a chat line sent on another
// channel waits behind it.
//
// So the high water follows the path: windowGain times the bandwidth-delay
// product, estimated as the rate SCTP sent at times the smallest round
// trip the link has seen. A queue that large fills the path and keeps
// SCTP's congestion window growing (pion grows it only while data waits),
// while what waits beyond the path stays about half a round trip's worth.
// The smallest round trip, not the latest, because a full queue inflates
// the latest: the estimate would chase its own queueing delay upward.
// Between windowMin (the fixed high water measured best on loopback, where
// the round trip is below a millisecond) and windowMax.
const (
	windowGain  = 1.5
	windowMin   = 1 << 20
	windowMax   = 8 << 20
	windowEvery = 100 * time.Millisecond
)

// sctpReceiveBuffer is the window each side advertises (pion's default is
// 1 MiB, which would cap what a sender may have in flight below windowMax).
// It costs memory only while the application reads slower than the path
// delivers.
const sctpReceiveBuffer = windowMax

// sendWindow is a link's high water, shared by its channels.
type sendWindow struct {
	stats  func() webrtc.SCTPTransportStats
	iceRTT func() float64 // ICE's latest round trip in seconds, 0 if none yet
	now    func() time.Time

	mu         sync.Mutex
	high       uint64
	at         time.Time // of the last estimate
	sent       uint64    // SCTP's bytes sent at the last estimate
	minRTT     float64   // seconds; 0 until one is measured
	estimating bool
}

func newSendWindow(pc *webrtc.PeerConnection) *sendWindow {
	sctp := pc.SCTP()
	return &sendWindow{
		stats: sctp.Stats,
		iceRTT: func() float64 {
			pair, ok := sctp.Transport().ICETransport().GetSelectedCandidatePairStats()
			if !ok {
				return 0
			}
			return pair.CurrentRoundTripTime
		},
		now:  time.Now,
		high: windowMin,
	}
}

// highWater returns the current high water, estimating it again when the
// last estimate is windowEvery old. Send calls it only while more than
// windowMin is queued, so the rate measured is the rate while something
// was sending.
//
// The smallest round trip comes from SCTP and from ICE's consent checks.
// SCTP's own samples include the time a full queue takes to process (4–14
// ms on this host's loopback); ICE's checks, answered by the peer's ICE
// agent, measure the path as it was before the queue filled.
func (w *sendWindow) highWater() uint64 {
	w.mu.Lock()
	now := w.now()
	if w.estimating || !w.at.IsZero() && now.Sub(w.at) < windowEvery {
		defer w.mu.Unlock()
		return w.high
	}
	// Stats takes pion's locks: fetch them without holding w.mu, so that
	// other channels' Sends go on with the last estimate meanwhile.
	w.estimating = true
	w.mu.Unlock()
	st, ice := w.stats(), w.iceRTT()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.estimating = false
	for _, rtt := range []float64{st.SmoothedRoundTripTime, ice} {
		if rtt > 0 && (w.minRTT == 0 || rtt < w.minRTT) {
			w.minRTT = rtt
		}
	}
	if !w.at.IsZero() && st.BytesSent >= w.sent {
		rate := float64(st.BytesSent-w.sent) / now.Sub(w.at).Seconds()
		w.high = windowFor(rate, w.minRTT, st.CongestionWindow)
	}
	w.at, w.sent = now, st.BytesSent
	return w.high
}

// windowFor is the high water for a path carrying rate bytes a second with
// a round trip of rtt seconds and SCTP's congestion window cwnd. The
// window bounds it too: after a loss or a timeout cwnd falls at once,
// while the rate measured over the last windowEvery still remembers the
// path before, and whatever was queued meanwhile waits ahead of every
// other channel's messages.
func windowFor(rate, rtt float64, cwnd uint32) uint64 {
	bdp := min(windowGain*rate*rtt, windowGain*float64(cwnd))
	switch {
	case bdp <= windowMin:
		return windowMin
	case bdp >= windowMax:
		return windowMax
	}
	return uint64(bdp)
}
