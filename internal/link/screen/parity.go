package screen

import (
	"encoding/binary"
	"math"

	"github.com/pion/rtp"
)

// Forward error correction for the screen video: after each frame's
// packets, the sender adds parity packets, each the XOR of an interleaved
// share of the frame's packets (docs/wire.md section 10). A receiver missing one
// packet of a share rebuilds it from the others and the parity as soon as
// the parity arrives, instead of waiting a round trip or more for a NACK's
// retransmission (two or more when the retransmission is lost too).
//
// Parity packets travel in the video's own RTP stream, with the next
// sequence numbers and the frame's timestamp, marked by a header extension
// both sides negotiated (peer.ParityExtensionURI; its one byte of data is
// the format version, parityVersion): so they share the stream's congestion
// control, pacing, SRTP and retransmission, and a peer that did not offer
// the extension (a browser, an older version) gets none.

const (
	parityVersion = 1
	parityHeader  = 11 // base seq (2), stride, count, marker, timestamp (4), length (2)
	// paritySince is the loss below which frames go unprotected: a clean
	// path pays nothing, NACK repairs the odd loss.
	paritySince = 0.01
	// parityWindow is how many sequence numbers back the receiver keeps
	// packets to rebuild from (a 1080p keyframe is 150-300 packets).
	parityWindow  = 1024
	maxParityWait = 64 // parity packets held while two of their share are missing
)

// parityRatio is how many parity packets a frame gets per media packet at
// a loss rate (the congestion controller's average, 0..1): none under 1 %,
// then three times the loss, between 0.15 and 0.6. At 10 % loss a 5-packet
// frame gets two parity packets (shares of 3 and 2); a share of s packets
// and its parity is lost beyond repair when two of its s+1 are lost, 5 %
// of the time for s = 3, against 41 % for the frame without parity.
func parityRatio(loss float64) float64 {
	if loss < paritySince || math.IsNaN(loss) {
		return 0
	}
	return min(max(3*loss, 0.15), 0.6)
}

// parityCount is how many parity packets protect a frame of n packets at
// ratio r: at least one, at most n, and few enough shares that a share's
// stride and size fit a byte each.
func parityCount(n int, r float64) int {
	if r <= 0 || n <= 0 {
		return 0
	}
	k := int(math.Ceil(float64(n)*r - 1e-9))
	k = max(k, 1, (n+254)/255)
	return min(k, n, 255)
}

// parityPackets returns k parity packets for the frame's packets pkts
// (consecutive sequence numbers): packet j covers pkts[j], pkts[j+k], ...
// Each carries the XOR of its share's marker bits, timestamps, payload
// lengths and payloads (zero-padded to the longest).
func parityPackets(pkts []rtp.Packet, k int) [][]byte {
	out := make([][]byte, 0, k)
	for j := 0; j < k && j < len(pkts); j++ {
		longest, count := 0, 0
		for i := j; i < len(pkts); i += k {
			longest = max(longest, len(pkts[i].Payload))
			count++
		}
		b := make([]byte, parityHeader+longest)
		binary.BigEndian.PutUint16(b[0:], pkts[j].SequenceNumber)
		b[2], b[3] = byte(k), byte(count)
		for i := j; i < len(pkts); i += k {
			xorShare(b, pkts[i].Marker, pkts[i].Timestamp, pkts[i].Payload)
		}
		out = append(out, b)
	}
	return out
}

// xorShare folds one packet into a parity payload b.
func xorShare(b []byte, marker bool, ts uint32, payload []byte) {
	if marker {
		b[4] ^= 1
	}
	binary.BigEndian.PutUint32(b[5:], binary.BigEndian.Uint32(b[5:])^ts)
	binary.BigEndian.PutUint16(b[9:], binary.BigEndian.Uint16(b[9:])^uint16(len(payload)))
	for i, c := range payload {
		b[parityHeader+i] ^= c
	}
}

// parity is one received parity packet.
type parity struct {
	base          uint16
	stride, count int
	data          []byte // the whole payload, header included
}

func (p *parity) seq(i int) uint16 { return p.base + uint16(i*p.stride) }

// parseParity checks a parity packet's payload.
func parseParity(b []byte) (*parity, bool) {
	if len(b) < parityHeader || b[2] == 0 || b[3] == 0 {
		return nil, false
	}
	return &parity{base: binary.BigEndian.Uint16(b), stride: int(b[2]), count: int(b[3]),
		data: append([]byte(nil), b...)}, true
}

// kept is a media packet the rebuilder remembers.
type kept struct {
	seq     uint16
	ok      bool
	marker  bool
	ts      uint32
	payload []byte
}

// rebuilder keeps the last parityWindow media packets and the parity
// packets that could not yet rebuild anything, and rebuilds a lost packet
// once a parity packet's share lacks only that one.
type rebuilder struct {
	ring    [parityWindow]kept
	newest  uint16
	started bool
	waiting []*parity
}

func (r *rebuilder) has(seq uint16) bool {
	k := &r.ring[seq%parityWindow]
	return k.ok && k.seq == seq
}

// inWindow reports whether seq is recent enough to be kept.
func (r *rebuilder) inWindow(seq uint16) bool {
	return !r.started || int16(r.newest-seq) < parityWindow/2 && int16(seq-r.newest) < parityWindow/2
}

// keep remembers a media packet (received or rebuilt). A packet far
// from the window starts it afresh (a sender that started again numbers
// from elsewhere), unless it is a late one just behind it.
func (r *rebuilder) keep(seq uint16, marker bool, ts uint32, payload []byte) {
	if !r.inWindow(seq) {
		if behind := r.newest - seq; behind < 8*parityWindow {
			return
		}
		for i := range r.ring {
			r.ring[i].ok = false
		}
		r.started, r.waiting = false, nil
	}
	if !r.started {
		r.newest, r.started = seq, true
	}
	if int16(seq-r.newest) > 0 {
		// Forget what the sequence numbers skipped held a wrap ago.
		for s := r.newest + 1; s != seq; s++ {
			r.ring[s%parityWindow].ok = false
		}
		r.newest = seq
	}
	k := &r.ring[seq%parityWindow]
	k.seq, k.ok, k.marker, k.ts = seq, true, marker, ts
	k.payload = append(k.payload[:0], payload...)
}

// media notes a received media packet and returns the packets it lets
// waiting parity rebuild.
func (r *rebuilder) media(p *rtp.Packet) []*rtp.Packet {
	if r.has(p.SequenceNumber) {
		return nil // a retransmission of one already held or rebuilt
	}
	r.keep(p.SequenceNumber, p.Marker, p.Timestamp, p.Payload)
	if len(r.waiting) == 0 {
		return nil
	}
	return r.cascade(nil)
}

// parity takes a parity packet's payload and returns what it rebuilds.
func (r *rebuilder) parity(payload []byte) []*rtp.Packet {
	p, ok := parseParity(payload)
	if !ok {
		return nil
	}
	out, done := r.try(p, nil)
	if !done {
		if len(r.waiting) == maxParityWait {
			r.waiting = r.waiting[1:]
		}
		r.waiting = append(r.waiting, p)
		return out
	}
	if out != nil {
		return r.cascade(out)
	}
	return nil
}

// cascade retries every waiting parity packet until none rebuilds more,
// appending what they rebuild to out.
func (r *rebuilder) cascade(out []*rtp.Packet) []*rtp.Packet {
	for again := true; again; {
		again = false
		keep := r.waiting[:0]
		for _, p := range r.waiting {
			n := len(out)
			var done bool
			out, done = r.try(p, out)
			again = again || len(out) > n
			if !done {
				keep = append(keep, p)
			}
		}
		clear(r.waiting[len(keep):])
		r.waiting = keep
	}
	return out
}

// try rebuilds p's one missing packet, if only one is missing, appending
// it to out. done says p is of no further use: all its share is here, or
// it is too old to ever be.
func (r *rebuilder) try(p *parity, out []*rtp.Packet) ([]*rtp.Packet, bool) {
	missing := -1
	for i := range p.count {
		s := p.seq(i)
		if r.started && !r.inWindow(s) {
			return out, true
		}
		if r.has(s) {
			continue
		}
		if missing >= 0 {
			return out, false
		}
		missing = i
	}
	if missing < 0 {
		return out, true
	}
	b := append([]byte(nil), p.data...)
	for i := range p.count {
		if i == missing {
			continue
		}
		k := &r.ring[p.seq(i)%parityWindow]
		if len(k.payload) > len(b)-parityHeader {
			return out, true // not the share this parity was made of
		}
		xorShare(b, k.marker, k.ts, k.payload)
	}
	n := int(binary.BigEndian.Uint16(b[9:]))
	if n > len(b)-parityHeader {
		return out, true
	}
	seq := p.seq(missing)
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: b[4]&1 == 1, SequenceNumber: seq,
		Timestamp: binary.BigEndian.Uint32(b[5:])}, Payload: b[parityHeader : parityHeader+n]}
	r.keep(seq, pkt.Marker, pkt.Timestamp, pkt.Payload)
	return append(out, pkt), true
}
