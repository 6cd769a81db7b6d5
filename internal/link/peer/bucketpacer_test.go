package peer

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// TestBucketPacerRate: a backlog leaves at pacingFactor times the target,
// debt carried from tick to tick, whatever the packet size (pion's pacer
// sent a packet every 5 ms tick, 1.8 Mbit/s of these, at a 300 kbit/s
// target); after an idle spell only pacingBurst is saved up.
func TestBucketPacerRate(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := &bucketPacer{writers: map[uint32]interceptor.RTPWriter{}, kick: make(chan struct{}, 1),
		done: make(chan struct{}), last: t0, exact: true}
	p.setTarget(300_000)
	var sent int
	p.addStream(1, interceptor.RTPWriterFunc(func(h *rtp.Header, b []byte, _ interceptor.Attributes) (int, error) {
		sent += h.MarshalSize() + len(b)
		return len(b), nil
	}))
	for i := range 200 {
		if _, err := p.write(&rtp.Header{SSRC: 1, SequenceNumber: uint16(i)}, make([]byte, 1088), nil); err != nil {
			t.Fatal(err)
		}
	}
	now := t0
	for range 200 { // one second
		now = now.Add(pacingTick)
		p.send(now)
	}
	want := pacingFactor * 300_000 / 8
	if float64(sent) > want+1100 || float64(sent) < want-1100 {
		t.Errorf("sent %d bytes in a second at 300 kbit/s, want %.0f", sent, want)
	}
	// Drain, idle ten seconds, then a new backlog: only the burst leaves at once.
	for len(p.queue) > 0 {
		now = now.Add(pacingTick)
		p.send(now)
	}
	for i := range 50 {
		p.write(&rtp.Header{SSRC: 1, SequenceNumber: uint16(i)}, make([]byte, 1088), nil)
	}
	sent = 0
	p.send(now.Add(10 * time.Second))
	if burst := pacingFactor * 300_000 / 8 * pacingBurst.Seconds(); float64(sent) > max(burst, 2400)+1100 {
		t.Errorf("%d bytes at once after an idle spell, want at most the %v burst", sent, pacingBurst)
	}
	p.close()
}

// TestBucketPacerLeaky: not exact, the pacer is pion's leaky bucket, which
// the link keeps unless the loss split finds the path policed: a packet a
// tick at least (about 1.8 Mbit/s of 1100-byte packets at a 300 kbit/s
// target), and after an idle spell everything at once.
func TestBucketPacerLeaky(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := &bucketPacer{writers: map[uint32]interceptor.RTPWriter{}, kick: make(chan struct{}, 1),
		done: make(chan struct{}), last: t0}
	p.setTarget(300_000)
	var sent, packets int
	p.addStream(1, interceptor.RTPWriterFunc(func(h *rtp.Header, b []byte, _ interceptor.Attributes) (int, error) {
		sent += h.MarshalSize() + len(b)
		packets++
		return len(b), nil
	}))
	for i := range 400 {
		p.write(&rtp.Header{SSRC: 1, SequenceNumber: uint16(i)}, make([]byte, 1088), nil)
	}
	now := t0
	for range 200 { // one second
		now = now.Add(pacingTick)
		p.send(now)
	}
	if packets < 200 {
		t.Errorf("%d packets in 200 ticks, want one a tick at least", packets)
	}
	for len(p.queue) > 0 {
		now = now.Add(pacingTick)
		p.send(now)
	}
	for i := range 50 {
		p.write(&rtp.Header{SSRC: 1, SequenceNumber: uint16(i)}, make([]byte, 1088), nil)
	}
	packets = 0
	p.send(now.Add(10 * time.Second))
	if packets != 50 {
		t.Errorf("%d of 50 packets at once after an idle spell, want all", packets)
	}
	p.close()
}
