package peer

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestNackLoopOnlyWhereVideoArrives checks that the NACK generator's
// 20 ms loop runs on the side that receives video and not on the side that
// only sends it, although both announce a track as the agent and the
// technician do (an idle agent): before, every link ran one from its
// start. The receiving side still asks for what it misses:
// TestLostPacketOfLargeFrameRepaired.
func TestNackLoopOnlyWhereVideoArrives(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 30*time.Second)
	p := newPair(t, Config{Net: w.net0, ICEServers: iceServers(t), Video: VideoBoth},
		Config{Net: w.net1, ICEServers: iceServers(t), Video: VideoBoth}, nil)
	p.connect(ctx, t)
	if n := nackLoops(); n != 0 {
		t.Errorf("%d NACK generator loops running before any video, want 0", n)
	}
	checkVideoFlow(ctx, t, p.ans, p.off)
	if n := nackLoops(); n != 1 {
		t.Errorf("%d NACK generator loops running, want 1 (the receiver's)", n)
	}
	checkVideoFlow(ctx, t, p.off, p.ans) // the technician demonstrates
	if n := nackLoops(); n != 2 {
		t.Errorf("%d NACK generator loops running with video both ways, want 2", n)
	}
}

// nackLoops counts the goroutines running pion's NACK generator loop.
func nackLoops() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "nack.(*GeneratorInterceptor).loop")
}
