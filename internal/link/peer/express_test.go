package peer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v5/vnet"
)

// TestExpressLane sends on the control, input and chat channels across a
// virtual NAT path that drops a quarter of the packets each way once
// connected, both ways at once, with messages of every size up to 64 KiB:
// each arrives once, in order on its channel, and the timer had to resend.
func TestExpressLane(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 90*time.Second)
	p := newPair(t, Config{Net: w.net0, ICEServers: iceServers(t)}, Config{Net: w.net1, ICEServers: iceServers(t)}, nil)
	po, pa := p.connect(ctx, t)
	if !p.off.Lane() || !p.ans.Lane() || !po.Lane || !pa.Lane {
		t.Fatalf("lane not negotiated: %v / %v", po, pa)
	}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	drop := func(vnet.Chunk) bool {
		mu.Lock()
		defer mu.Unlock()
		return rng.Float64() < 0.25
	}
	w.drop.Store(&drop)
	const n = 150
	msg := func(ch string, i int) []byte {
		b := binary.BigEndian.AppendUint32([]byte(ch), uint32(i))
		if i%25 == 0 { // larger than a packet, up to a whole data-channel message
			b = append(b, bytes.Repeat([]byte{byte(i)}, (i*997)%(64<<10))...)
		}
		return b
	}
	var wg sync.WaitGroup
	for _, dir := range [][2]*Link{{p.off, p.ans}, {p.ans, p.off}} {
		for _, ch := range []string{ChannelControl, ChannelInput, ChannelChat} {
			from, to := dir[0], dir[1]
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range n {
					if err := from.Channel(ch).Send(ctx, msg(ch, i)); err != nil {
						t.Errorf("send %s %d: %v", ch, i, err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
			go func() {
				defer wg.Done()
				for i := range n {
					m, err := to.Channel(ch).Recv(ctx)
					if err != nil {
						t.Errorf("recv %s %d: %v", ch, i, err)
						return
					}
					if !bytes.Equal(m, msg(ch, i)) {
						t.Errorf("%s: message %d differs (%d bytes, want %d)", ch, i, len(m), len(msg(ch, i)))
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	w.drop.Store(nil)
	for _, l := range []*Link{p.off, p.ans} {
		s := l.lane()
		s.mu.Lock()
		resent, srtt := s.resent, s.srtt
		s.mu.Unlock()
		t.Logf("%s: resent by the timer %d times; round trip %v", l.cfg.Role, resent, srtt)
		if resent == 0 {
			t.Errorf("%s: nothing resent by the timer with a quarter of the packets dropped", l.cfg.Role)
		}
	}
}

// TestExpressLaneOlderPeer: with a side built without the lane (an older
// agent or technician) every channel still carries its messages, on SCTP.
func TestExpressLaneOlderPeer(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		name     string
		off, ans bool // built without the lane
	}{{"older agent", false, true}, {"older technician", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t, 30*time.Second)
			p := newPair(t, Config{IncludeLoopback: true, noExpress: tc.off}, Config{IncludeLoopback: true, noExpress: tc.ans}, nil)
			po, pa := p.connect(ctx, t)
			if p.off.Lane() || p.ans.Lane() || po.Lane || pa.Lane {
				t.Fatal("lane in use with a side that has none")
			}
			for _, ch := range []string{ChannelControl, ChannelInput, ChannelChat} {
				for i := range 5 {
					check(t, p.off.Channel(ch).Send(ctx, []byte(fmt.Sprint(ch, i))))
					check(t, p.ans.Channel(ch).Send(ctx, []byte(fmt.Sprint(ch, i))))
				}
				for i := range 5 {
					for _, l := range []*Link{p.ans, p.off} {
						m, err := l.Channel(ch).Recv(ctx)
						check(t, err)
						if string(m) != fmt.Sprint(ch, i) {
							t.Fatalf("got %q, want %s%d", m, ch, i)
						}
					}
				}
			}
		})
	}
}

// TestExpressCloseDelivers: a message sent just before Close arrives (the
// lane drains as SCTP's graceful close does).
func TestExpressCloseDelivers(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 30*time.Second)
	p := newPair(t, Config{IncludeLoopback: true}, Config{IncludeLoopback: true}, nil)
	p.connect(ctx, t)
	check(t, p.ans.Channel(ChannelControl).Send(ctx, []byte("bye")))
	check(t, p.ans.Close())
	m, err := p.off.Channel(ChannelControl).Recv(ctx)
	check(t, err)
	if string(m) != "bye" {
		t.Fatalf("got %q, want bye", m)
	}
}

// TestExpressReceiver covers what a receiver does with each kind of packet.
func TestExpressReceiver(t *testing.T) {
	frag := func(more bool, s string) []byte {
		h := uint16(len(s))
		if more {
			h |= expressMore
		}
		return append(binary.BigEndian.AppendUint16(nil, h), s...)
	}
	pkt := func(packet, first uint32, frags ...[]byte) []byte {
		b := []byte{expressVersion}
		b = binary.BigEndian.AppendUint32(b, packet)
		b = binary.BigEndian.AppendUint32(b, first)
		for _, f := range frags {
			b = append(b, f...)
		}
		return b
	}
	var r expressReceiver
	steps := []struct {
		name string
		b    []byte
		want []string
		ok   bool
	}{
		{"first", pkt(1, 1, frag(false, "\x00a"), frag(false, "\x01b")), []string{"\x00a", "\x01b"}, true},
		{"overlap", pkt(2, 1, frag(false, "\x00a"), frag(false, "\x01b"), frag(false, "\x03c")), []string{"\x03c"}, true},
		{"duplicate", pkt(3, 2, frag(false, "\x01b")), nil, true},
		{"ahead", pkt(4, 9, frag(false, "\x00z")), nil, true},
		{"fragments", pkt(5, 4, frag(true, "\x00he"), frag(true, "ll")), nil, true},
		{"last fragment, and its start again", pkt(6, 4, frag(true, "\x00he"), frag(true, "ll"), frag(false, "o")), []string{"\x00hello"}, true},
		{"short header", []byte{expressVersion, 0, 0}, nil, false},
		{"other version", append([]byte{2}, pkt(7, 7, frag(false, "\x00a"))[1:]...), nil, false},
		{"cut length", pkt(8, 7, frag(false, "\x00ab"))[:10], nil, false},
		{"cut fragment", pkt(9, 7, frag(false, "\x00ab"), frag(false, "\x00abc"))[:18], nil, false},
		{"after a bad packet", pkt(10, 7, frag(false, "\x00x")), []string{"\x00x"}, true},
		{"the gap before the one kept ahead", pkt(11, 8, frag(false, "\x01y")), []string{"\x01y", "\x00z"}, true},
		{"too far ahead to keep", pkt(12, 10+expressAhead, frag(false, "\x00w")), nil, true},
		{"kept ahead in two fragments", pkt(13, 11, frag(true, "\x03c"), frag(false, "d")), nil, true},
		{"the gap", pkt(14, 10, frag(false, "\x00v")), []string{"\x00v", "\x03cd"}, true},
	}
	for _, s := range steps {
		_, msgs, ok := r.take(s.b)
		var got []string
		for _, m := range msgs {
			got = append(got, string(m))
		}
		if ok != s.ok || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", s.want) {
			t.Errorf("%s: got %q ok=%v, want %q ok=%v", s.name, got, ok, s.want, s.ok)
		}
	}
	// Sequence numbers wrap.
	r = expressReceiver{delivered: 0xfffffffe}
	if _, msgs, _ := r.take(pkt(1, 0xffffffff, frag(false, "\x00y"), frag(false, "\x00z"))); len(msgs) != 2 || r.delivered != 0 {
		t.Errorf("across the wrap: %q, delivered %d", msgs, r.delivered)
	}
}

// TestExpressWindowWakesEverySender: two senders wait on a full window;
// one acknowledgement that frees room for both lets both through.
func TestExpressWindowWakesEverySender(t *testing.T) {
	s, err := newExpressSender()
	check(t, err)
	s.accepted(true)
	defer s.close()
	ctx := testContext(t, 10*time.Second)
	for range expressWindow {
		check(t, s.send(ctx, 0, nil))
	}
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- s.send(ctx, 0, nil) }()
	}
	time.Sleep(50 * time.Millisecond) // both wait
	s.ack(2, 0)
	for range 2 {
		check(t, <-done)
	}
}
