package peer

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// TestICERestartAfterCut cuts the network until ICE fails on both sides,
// holds the cut 20 s, then restores it: the offerer restarts ICE, and the
// same link and channels carry messages again, including the one sent
// during the cut, within 15 s of the network's return. With SCTP's default
// back-off (up to 60 s) it came 14 s after a 10 s cut and 29 s after a
// 12 s one; with sctpRTOMax, 1-3 s.
func TestICERestartAfterCut(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 90*time.Second)
	a, b := fastRestarts(t), fastRestarts(t)
	a.Net, b.Net = w.net0, w.net1
	p := newPair(t, a, b, nil)
	p.connect(ctx, t)
	roundTrip(ctx, t, p.off, p.ans)
	control := p.ans.Channel(ChannelControl)

	w.cut.Store(true)
	waitFor(ctx, t, "ice failed on both sides", func() bool {
		return p.off.pc.ICEConnectionState() == webrtc.ICEConnectionStateFailed &&
			p.ans.pc.ICEConnectionState() == webrtc.ICEConnectionStateFailed
	})
	waitFor(ctx, t, "offerer restarts ice", func() bool { return p.off.restarts.Load() > 0 })
	during := []byte("sent during the cut")
	check(t, p.off.Channel(ChannelControl).Send(ctx, during))
	time.Sleep(20 * time.Second) // a cut long enough for SCTP's back-off to grow
	w.cut.Store(false)
	back := time.Now()

	soon, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	got, err := control.Recv(soon)
	check(t, err)
	t.Logf("the message sent during the cut arrived %v after the network came back", time.Since(back).Round(time.Millisecond))
	if !bytes.Equal(got, during) {
		t.Fatalf("received %q, want %q", got, during)
	}
	roundTrip(ctx, t, p.off, p.ans)
	if p.ans.Channel(ChannelControl) != control || p.off.Err() != nil || p.ans.Err() != nil {
		t.Fatalf("link replaced or ended: %v / %v", p.off.Err(), p.ans.Err())
	}
	waitFor(ctx, t, "ice connected", func() bool {
		return p.off.pc.ICEConnectionState() == webrtc.ICEConnectionStateConnected
	})
	path, err := p.off.Path()
	check(t, err)
	t.Logf("after %d restarts: %s", p.off.restarts.Load(), path)
}

// TestICERestartAnswerLost drops the answer to the first restart offer:
// the next restart rolls that offer back and the link recovers. (pion
// refused a rollback without an SDP, so every later restart failed the
// same way and the link could never come back.)
func TestICERestartAnswerLost(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 90*time.Second)
	a, b := fastRestarts(t), fastRestarts(t)
	a.Net, b.Net = w.net0, w.net1
	var answers, dropped atomic.Int32
	dropFirstRestartAnswer := func(from Role, s Signal) (Signal, bool) {
		if from == Answerer && s.Description != nil && s.Description.Type == webrtc.SDPTypeAnswer {
			if answers.Add(1) == 2 {
				dropped.Add(1)
				return s, false
			}
		}
		return s, true
	}
	p := newPair(t, a, b, dropFirstRestartAnswer)
	p.connect(ctx, t)
	roundTrip(ctx, t, p.off, p.ans)

	w.cut.Store(true)
	waitFor(ctx, t, "the first restart's answer dropped", func() bool { return dropped.Load() == 1 })
	w.cut.Store(false)
	waitFor(ctx, t, "a later restart answered", func() bool { return answers.Load() >= 3 })
	waitFor(ctx, t, "ice connected", func() bool {
		return p.off.pc.ICEConnectionState() == webrtc.ICEConnectionStateConnected &&
			p.off.pc.SignalingState() == webrtc.SignalingStateStable
	})
	roundTrip(ctx, t, p.off, p.ans)
	if p.off.Err() != nil || p.ans.Err() != nil {
		t.Fatalf("link ended: %v / %v", p.off.Err(), p.ans.Err())
	}
	t.Logf("recovered after %d restarts", p.off.restarts.Load())
}

// fastRestarts is a config whose ICE notices a cut within a second and
// restarts 300 ms later.
func fastRestarts(t *testing.T) Config {
	return Config{
		ICEServers:          iceServers(t),
		DisconnectedTimeout: 500 * time.Millisecond,
		FailedTimeout:       time.Second,
		KeepaliveInterval:   200 * time.Millisecond,
		RestartAfter:        300 * time.Millisecond,
		GiveUpAfter:         time.Minute,
	}
}
