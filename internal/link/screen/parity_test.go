package screen

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

const testParityExt = 5

// parityFrames packetizes frames of the given sizes (bytes) with parity at
// ratio r and returns every packet written, in order.
func parityFrames(t *testing.T, sizes []int, r float64, rng *rand.Rand) []*rtp.Packet {
	t.Helper()
	pk, err := newPacketizer(vpx.VP8)
	if err != nil {
		t.Fatal(err)
	}
	pk.seq = 65500 // wrap within the run
	var out []*rtp.Packet
	w := writerFunc(func(p *rtp.Packet) error {
		c := *p
		c.Payload = append([]byte(nil), p.Payload...)
		c.Extensions = append([]rtp.Extension(nil), p.Extensions...)
		out = append(out, &c)
		return nil
	})
	for i, n := range sizes {
		frame := make([]byte, n)
		for j := range frame {
			frame[j] = byte(rng.Uint32())
		}
		if err := pk.write(w, frame, uint32(i*3000), testParityExt, r); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func isParity(p *rtp.Packet) bool { return p.GetExtension(testParityExt) != nil }

// TestParityRebuilds: under random loss of media and parity packets, with
// some reordering and retransmissions of packets already rebuilt, every
// packet the rebuilder hands out is the lost one, byte for byte, and every
// packet that could be rebuilt (a parity packet arrived and at most one of
// its share was lost, counting packets rebuilt by others) is.
func TestParityRebuilds(t *testing.T) {
	for _, loss := range []float64{0.05, 0.1, 0.2, 0.3} {
		rng := rand.New(rand.NewPCG(uint64(loss*100), 7))
		var sizes []int
		for range 300 {
			switch rng.IntN(10) {
			case 0:
				sizes = append(sizes, 20_000+rng.IntN(200_000)) // a keyframe or a scroll
			default:
				sizes = append(sizes, 50+rng.IntN(4000))
			}
		}
		pkts := parityFrames(t, sizes, parityRatio(loss), rng)
		orig := map[uint16]*rtp.Packet{}
		var media, parities int
		for _, p := range pkts {
			if isParity(p) {
				parities++
			} else {
				media++
				orig[p.SequenceNumber] = p
			}
		}
		// Lose some, swap neighbours now and then.
		var got []*rtp.Packet
		lost := map[uint16]bool{}
		for _, p := range pkts {
			if rng.Float64() < loss {
				if !isParity(p) {
					lost[p.SequenceNumber] = true
				}
				continue
			}
			got = append(got, p)
		}
		for i := 1; i < len(got); i++ {
			if rng.IntN(20) == 0 {
				got[i-1], got[i] = got[i], got[i-1]
			}
		}
		var r rebuilder
		have := map[uint16]bool{}
		rebuilt := 0
		check := func(out []*rtp.Packet) {
			for _, q := range out {
				o := orig[q.SequenceNumber]
				// A packet swapped behind its parity is rebuilt before it comes.
				if o == nil || have[q.SequenceNumber] {
					t.Fatalf("loss %v: rebuilt %d, which was already there", loss, q.SequenceNumber)
				}
				if q.Marker != o.Marker || q.Timestamp != o.Timestamp || !bytes.Equal(q.Payload, o.Payload) {
					t.Fatalf("loss %v: packet %d rebuilt wrong", loss, q.SequenceNumber)
				}
				have[q.SequenceNumber] = true
				if lost[q.SequenceNumber] {
					rebuilt++
				}
			}
		}
		for i, p := range got {
			if isParity(p) {
				check(r.parity(p.Payload))
				continue
			}
			have[p.SequenceNumber] = true
			check(r.media(p))
			if i%50 == 0 { // a retransmission of something rebuilt
				for s := range have {
					if lost[s] {
						check(r.media(orig[s]))
						break
					}
				}
			}
		}
		// What could have been rebuilt: iterate the shares to a fixed point.
		possible := map[uint16]bool{}
		for s := range orig {
			possible[s] = !lost[s]
		}
		var arrived []*parity
		for _, p := range got {
			if isParity(p) {
				q, _ := parseParity(p.Payload)
				arrived = append(arrived, q)
			}
		}
		for again := true; again; {
			again = false
			for _, q := range arrived {
				var miss []uint16
				for i := range q.count {
					if !possible[q.seq(i)] {
						miss = append(miss, q.seq(i))
					}
				}
				if len(miss) == 1 {
					possible[miss[0]], again = true, true
				}
			}
		}
		want := 0
		for s := range lost {
			if possible[s] {
				want++
			}
		}
		t.Logf("loss %.0f %%: %d media, %d parity (%.0f %%), %d lost, %d rebuilt (%d possible)",
			100*loss, media, parities, 100*float64(parities)/float64(media), len(lost), rebuilt, want)
		if rebuilt != want {
			t.Errorf("loss %v: rebuilt %d of the %d packets parity could rebuild", loss, rebuilt, want)
		}
		if loss <= 0.1 && rebuilt*2 < len(lost) {
			t.Errorf("loss %v: parity rebuilt only %d of %d lost packets", loss, rebuilt, len(lost))
		}
	}
}

// TestParityShares: the count per frame follows the ratio, every media
// packet is in exactly one share, and a frame's parity follows its last
// packet with the frame's timestamp.
func TestParityShares(t *testing.T) {
	for _, c := range []struct {
		loss float64
		n, k int
	}{{0, 5, 0}, {0.005, 5, 0}, {0.02, 1, 1}, {0.02, 10, 2}, {0.1, 5, 2}, {0.1, 150, 45}, {0.3, 3, 2}, {0.5, 10, 6}} {
		if k := parityCount(c.n, parityRatio(c.loss)); k != c.k {
			t.Errorf("loss %v, %d packets: %d parity, want %d", c.loss, c.n, k, c.k)
		}
	}
	if k := parityCount(2000, 0.15); k < 2000/255 {
		t.Errorf("a 2000-packet frame got %d parity packets: a share exceeds 255", k)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pkts := parityFrames(t, []int{mtu*40 + 17, 30}, 0.3, rng)
	covered := map[uint16]int{}
	var ts uint32
	for i, p := range pkts {
		if !isParity(p) {
			ts = p.Timestamp
			continue
		}
		if !pkts[i-1].Marker && !isParity(pkts[i-1]) || p.Timestamp != ts {
			t.Fatalf("parity packet %d not right after its frame", i)
		}
		q, ok := parseParity(p.Payload)
		if !ok {
			t.Fatalf("parity packet %d does not parse", i)
		}
		for j := range q.count {
			covered[q.seq(j)]++
		}
	}
	for _, p := range pkts {
		if !isParity(p) && covered[p.SequenceNumber] != 1 {
			t.Errorf("media packet %d in %d shares", p.SequenceNumber, covered[p.SequenceNumber])
		}
	}
}

// TestReceiverParity: over a lossy pipe with no retransmission, a receiver
// taking parity decodes more frames than one without (TestParityRebuilds
// checks what is rebuilt byte for byte).
func TestReceiverParity(t *testing.T) {
	run := func(ext uint8) (decoded, rebuilt int64) {
		rng := rand.New(rand.NewPCG(3, 4))
		enc, err := vpx.NewEncoder(vpx.Config{Codec: vpx.VP8, Width: 320, Height: 240, BitrateKbps: 2000, FPS: 30})
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		p := newPipe()
		p.drop = func(*rtp.Packet) bool { return rng.Float64() < 0.1 }
		rcv, err := NewReceiver(ReceiverConfig{Track: p, ParityExtension: ext,
			OnFrame: func(*vpx.I420, uint32) {}})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { rcv.Run(); close(done) }()
		pk, err := newPacketizer(vpx.VP8)
		if err != nil {
			t.Fatal(err)
		}
		pic := vpx.NewI420(320, 240)
		for i := range 120 {
			// A few changed blocks a frame: deltas of a packet or a few.
			for range 1 + rng.IntN(6) {
				x, y := rng.IntN(300), rng.IntN(220)
				for r := y; r < y+20; r++ {
					for c := x; c < x+20; c++ {
						pic.Y[r*pic.StrideY+c] = byte(rng.Uint32())
					}
				}
			}
			frame, _, err := enc.Encode(pic, int64(i*3000), i%10 == 0)
			if err != nil {
				t.Fatal(err)
			}
			if frame != nil {
				if err := pk.write(p, frame, uint32(i*3000), ext, parityRatio(0.1)); err != nil {
					t.Fatal(err)
				}
			}
		}
		close(p.ch)
		<-done
		return rcv.Decoded(), rcv.Rebuilt()
	}
	plainDecoded, _ := run(0)
	decoded, rebuilt := run(testParityExt)
	t.Logf("10 %% loss, no retransmission: %d frames decoded without parity, %d with (%d packets rebuilt)",
		plainDecoded, decoded, rebuilt)
	if rebuilt == 0 || decoded <= plainDecoded {
		t.Errorf("parity did not help: %d frames decoded without, %d with (%d rebuilt)", plainDecoded, decoded, rebuilt)
	}
}

// TestParityNewOrigin: a sender that starts again numbers its packets
// from elsewhere; the rebuilder follows it, and a late packet just behind
// the window does not throw the window away.
func TestParityNewOrigin(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var r rebuilder
	feed := func(pkts []*rtp.Packet, lose uint16) (rebuilt int) {
		for _, p := range pkts {
			switch {
			case isParity(p):
				rebuilt += len(r.parity(p.Payload))
			case p.SequenceNumber != lose:
				rebuilt += len(r.media(p))
			}
		}
		return rebuilt
	}
	first := parityFrames(t, []int{3000, 3000}, 0.3, rng)
	if n := feed(first, first[1].SequenceNumber); n != 1 {
		t.Fatalf("rebuilt %d, want 1", n)
	}
	late := *first[0]
	late.SequenceNumber -= 2 * parityWindow // behind the window: ignored
	r.media(&late)
	if !r.has(first[2].SequenceNumber) {
		t.Fatal("a late packet emptied the window")
	}
	second := parityFrames(t, []int{3000}, 0.3, rng)
	shift := first[0].SequenceNumber + 20000 // far away
	for _, p := range second {
		p.SequenceNumber += shift
		if isParity(p) {
			binary.BigEndian.PutUint16(p.Payload, binary.BigEndian.Uint16(p.Payload)+shift)
		}
	}
	if n := feed(second, second[0].SequenceNumber); n != 1 {
		t.Fatalf("after a new origin, rebuilt %d, want 1", n)
	}
}
