package peer

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

type countResend struct{ owners, released, sent int }

func (c *countResend) Retain() { c.owners++ }
func (c *countResend) Release(sent bool) {
	c.owners--
	c.released++
	if sent {
		c.sent++
	}
}

// TestBucketPacerRate: a backlog leaves at pacingFactor times the target,
// debt carried from tick to tick, whatever the packet size (pion's pacer
// sent a packet every 5 ms tick, 1.8 Mbit/s of these, at a 300 kbit/s
// target); after an idle spell only pacingBurst is saved up; a
// retransmission's hold is kept while queued and released once sent.
func TestBucketPacerRate(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := &bucketPacer{writers: map[uint32]interceptor.RTPWriter{}, kick: make(chan struct{}, 1),
		done: make(chan struct{}), last: t0}
	p.setTarget(300_000)
	var sent int
	p.addStream(1, interceptor.RTPWriterFunc(func(h *rtp.Header, b []byte, _ interceptor.Attributes) (int, error) {
		sent += h.MarshalSize() + len(b)
		return len(b), nil
	}))
	res := &countResend{}
	for i := range 200 {
		a := interceptor.Attributes{}
		if i == 0 {
			a["resend"] = res
		}
		if _, err := p.write(&rtp.Header{SSRC: 1, SequenceNumber: uint16(i)}, make([]byte, 1088), a); err != nil {
			t.Fatal(err)
		}
	}
	if res.owners != 1 || res.released != 0 {
		t.Fatalf("queued retransmission: %+v, want retained, not released", res)
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
	if res.owners != 0 || res.released != 1 || res.sent != 1 {
		t.Errorf("retransmission after sending: %+v, want released as sent", res)
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
