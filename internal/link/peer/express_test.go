package peer

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v5/vnet"
)

// TestInputLane sends input over the lane across a virtual NAT path that
// drops a quarter of the packets each way once connected: every message
// arrives once, in order, and the timer had to resend.
func TestInputLane(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 60*time.Second)
	p := newPair(t, Config{Net: w.net0, ICEServers: iceServers(t)}, Config{Net: w.net1, ICEServers: iceServers(t)}, nil)
	p.connect(ctx, t)
	if !p.off.InputLane() {
		t.Fatal("the answer did not accept the input lane")
	}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	drop := func(vnet.Chunk) bool {
		mu.Lock()
		defer mu.Unlock()
		return rng.Float64() < 0.25
	}
	w.drop.Store(&drop)
	const n = 300
	go func() {
		for i := range n {
			// Some messages larger than the rest, so that a packet
			// cannot always carry every message waiting.
			msg := binary.BigEndian.AppendUint32(nil, uint32(i))
			if i%50 == 0 {
				msg = append(msg, bytes.Repeat([]byte{byte(i)}, 900)...)
			}
			if err := p.off.SendInput(ctx, msg); err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	in := p.ans.Channel(ChannelInput)
	for i := range n {
		m, err := in.Recv(ctx)
		check(t, err)
		if got := binary.BigEndian.Uint32(m); got != uint32(i) {
			t.Fatalf("message %d arrived as message %d", got, i)
		}
		if i%50 == 0 && len(m) != 904 {
			t.Fatalf("message %d is %d bytes, want 904", i, len(m))
		}
	}
	w.drop.Store(nil)
	s := p.off.express
	s.mu.Lock()
	resent, waiting, srtt := s.resent, len(s.queue), s.srtt
	s.mu.Unlock()
	t.Logf("resent by the timer: %d packets; round trip %v", resent, srtt)
	if resent == 0 {
		t.Fatal("nothing resent by the timer with a quarter of the packets dropped")
	}
	// The last acknowledgements may still be on their way.
	waitFor(ctx, t, "every message acknowledged", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		waiting = len(s.queue)
		return waiting == 0
	})
}

// TestInputLaneOlderPeer: a side built without the lane (an older agent
// or technician) still gets every input message, over the data channel.
func TestInputLaneOlderPeer(t *testing.T) {
	checkLeaks(t)
	for _, tc := range []struct {
		name     string
		off, ans bool // built without the lane
	}{{"older agent", false, true}, {"older technician", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t, 30*time.Second)
			p := newPair(t, Config{IncludeLoopback: true, noExpress: tc.off}, Config{IncludeLoopback: true, noExpress: tc.ans}, nil)
			p.connect(ctx, t)
			if p.off.InputLane() {
				t.Fatal("input lane in use with a side that has none")
			}
			for i := range 20 {
				check(t, p.off.SendInput(ctx, []byte(fmt.Sprint(i))))
			}
			for i := range 20 {
				m, err := p.ans.Channel(ChannelInput).Recv(ctx)
				check(t, err)
				if string(m) != fmt.Sprint(i) {
					t.Fatalf("got %q, want %d", m, i)
				}
			}
		})
	}
}

// TestParseExpress covers what a receiver does with each kind of packet.
func TestParseExpress(t *testing.T) {
	pkt := func(packet, first uint32, msgs ...string) []byte {
		b := []byte{expressVersion}
		b = binary.BigEndian.AppendUint32(b, packet)
		b = binary.BigEndian.AppendUint32(b, first)
		for _, m := range msgs {
			b = binary.BigEndian.AppendUint16(b, uint16(len(m)))
			b = append(b, m...)
		}
		return b
	}
	for _, tc := range []struct {
		name      string
		b         []byte
		delivered uint32
		want      []string
		ok        bool
	}{
		{"first", pkt(1, 1, "a", "b"), 0, []string{"a", "b"}, true},
		{"overlap", pkt(2, 1, "a", "b", "c"), 2, []string{"c"}, true},
		{"duplicate", pkt(3, 1, "a", "b"), 2, nil, true},
		{"ahead", pkt(4, 5, "e"), 2, nil, true},
		{"empty message", pkt(5, 3, ""), 2, []string{""}, true},
		{"wrapped sequence", pkt(6, 0xffffffff, "y", "z"), 0xfffffffe, []string{"y", "z"}, true},
		{"short header", []byte{expressVersion, 0, 0}, 0, nil, false},
		{"other version", append([]byte{2}, pkt(7, 1, "a")[1:]...), 0, nil, false},
		{"cut length", pkt(8, 1, "ab")[:10], 0, nil, false},
		{"cut message", pkt(9, 1, "abc")[:13], 0, nil, false},
	} {
		_, msgs, ok := parseExpress(tc.b, tc.delivered)
		var got []string
		for _, m := range msgs {
			got = append(got, string(m))
		}
		if ok != tc.ok || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %q ok=%v, want %q ok=%v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestInputLaneTooLong: a message a packet cannot carry is refused, not
// cut or sent another way.
func TestInputLaneTooLong(t *testing.T) {
	s, err := newExpressSender()
	check(t, err)
	s.accepted(true)
	defer s.close()
	if err := s.send(context.Background(), make([]byte, ExpressMaxMessage+1)); err == nil {
		t.Fatal("an oversized message was taken")
	}
	check(t, s.send(context.Background(), make([]byte, ExpressMaxMessage)))
}
