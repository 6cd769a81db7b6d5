package peer

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestIdleLinkTimers checks the two 5-20 ms loops pion runs per link: the
// NACK generator's runs on the side that receives video and not on the
// side that only sends it, although both announce a track as the agent and
// the technician do, and the GCC pacer's only while video is being sent.
// Before, every link ran both from its start, the wake-ups of an idle
// agent. The receiving side still asks for what it misses:
// TestLostPacketOfLargeFrameRepaired.
func TestIdleLinkTimers(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 30*time.Second)
	p := newPair(t, Config{Net: w.net0, ICEServers: iceServers(t), Video: VideoBoth},
		Config{Net: w.net1, ICEServers: iceServers(t), Video: VideoBoth}, nil)
	p.connect(ctx, t)
	if !p.off.Lane() {
		t.Fatal("no express lane")
	}
	// The express lane carries control, input and chat both ways: it
	// takes no NACK and bypasses the pacer, so it starts neither loop.
	for _, ch := range []string{ChannelControl, ChannelInput, ChannelChat} {
		check(t, p.off.Channel(ch).Send(ctx, []byte("x")))
		check(t, p.ans.Channel(ch).Send(ctx, []byte("y")))
		for _, l := range []*Link{p.off, p.ans} {
			if _, err := l.Channel(ch).Recv(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, m := nackLoops(), pacerLoops(); n != 0 || m != 0 {
		t.Errorf("%d NACK generator and %d pacer loops running before any video, want none", n, m)
	}
	checkVideoFlow(ctx, t, p.ans, p.off)
	if n := nackLoops(); n != 1 {
		t.Errorf("%d NACK generator loops running, want 1 (the receiver's)", n)
	}
	checkVideoFlow(ctx, t, p.off, p.ans) // the technician demonstrates
	if n := nackLoops(); n != 2 {
		t.Errorf("%d NACK generator loops running with video both ways, want 2", n)
	}
	waitUntil(t, "the pacers to go once video stopped", func() bool { return pacerLoops() == 0 })
}

// nackLoops counts the goroutines running pion's NACK generator loop.
func nackLoops() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "nack.(*GeneratorInterceptor).loop")
}
