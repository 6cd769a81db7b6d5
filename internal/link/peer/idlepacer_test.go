package peer

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// TestIdlePacer checks that the pacer exists only while there is
// something to pace: none before the first packet, packets delivered in
// order through it, gone once everything left and pacerIdle passed, made
// again by the next packet, and none after Close.
func TestIdlePacer(t *testing.T) {
	checkLeaks(t)
	var mu sync.Mutex
	var got []uint16
	p := newIdlePacer(1_000_000)
	p.AddStream(7, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, h.SequenceNumber)
		return len(payload), nil
	}))
	p.SetTargetBitrate(2_000_000)
	if n := pacerLoops(); n != 0 {
		t.Fatalf("%d pacer loops before any packet, want 0", n)
	}
	send := func(from, n uint16) {
		t.Helper()
		for seq := from; seq < from+n; seq++ {
			if _, err := p.Write(&rtp.Header{SSRC: 7, SequenceNumber: seq}, make([]byte, 1000), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	delivered := func(n int) {
		t.Helper()
		waitUntil(t, "packets through the pacer", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == n })
		mu.Lock()
		defer mu.Unlock()
		for i, seq := range got {
			if int(seq) != i {
				t.Fatalf("packets out of order: %v", got)
			}
		}
	}
	send(0, 20)
	// The pacer's loop is a goroutine, counted once it shows in a stack
	// (under load it once did not at once: a -race run beside the lab).
	waitUntil(t, "one pacer loop while pacing", func() bool { return pacerLoops() == 1 })
	delivered(20)
	waitUntil(t, "the idle pacer to go", func() bool { return pacerLoops() == 0 })
	send(20, 5)
	delivered(25)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the pacer to go after Close", func() bool { return pacerLoops() == 0 })
	if _, err := p.Write(&rtp.Header{SSRC: 7}, nil, nil); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write after Close: %v, want %v", err, io.ErrClosedPipe)
	}
}

// pacerLoops counts the goroutines running a bucketPacer.
func pacerLoops() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "peer.(*bucketPacer).run")
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
