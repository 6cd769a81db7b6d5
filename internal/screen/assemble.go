package screen

import (
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/tandem-remote/tandem/internal/vpx"
)

// maxPending bounds how many incomplete frames the assembler holds while
// waiting for retransmissions.
const maxPending = 4

// assembler rebuilds encoded frames from RTP packets. A frame is complete
// when its first packet (by the codec's start-of-frame flag), its last (by
// the marker bit) and every sequence number in between have arrived.
type assembler struct {
	codec   vpx.Codec
	pending []*partial
	buf     []byte // the frame handed out last, reused
}

type partial struct {
	ts           uint32
	start, end   uint16
	hasStart     bool
	hasEnd       bool
	payloads     map[uint16][]byte
	keyframeSeen bool
}

// push adds one packet. It returns a complete frame (valid until the next
// push) and whether older incomplete frames had to be given up, which
// breaks the decoder's reference chain.
func (a *assembler) push(p *rtp.Packet) (frame []byte, ts uint32, lost bool) {
	payload, start, err := a.depacketize(p.Payload)
	if err != nil || len(payload) == 0 {
		return nil, 0, false
	}
	f := a.frameFor(p.Timestamp)
	if f == nil {
		return nil, 0, false // older than every frame held: a late duplicate
	}
	f.payloads[p.SequenceNumber] = append([]byte(nil), payload...)
	if start {
		f.start, f.hasStart = p.SequenceNumber, true
	}
	if p.Marker {
		f.end, f.hasEnd = p.SequenceNumber, true
	}
	if !f.complete() {
		return nil, 0, false
	}
	a.buf = a.buf[:0]
	for s := f.start; ; s++ {
		a.buf = append(a.buf, f.payloads[s]...)
		if s == f.end {
			break
		}
	}
	lost = a.dropUpTo(f)
	return a.buf, f.ts, lost
}

func (f *partial) complete() bool {
	if !f.hasStart || !f.hasEnd {
		return false
	}
	n := int(uint16(f.end-f.start)) + 1
	return n <= len(f.payloads) && n < 1<<15
}

// frameFor finds or starts the frame of timestamp ts, evicting the oldest
// when too many are pending. It returns nil for a packet older than all.
func (a *assembler) frameFor(ts uint32) *partial {
	for _, f := range a.pending {
		if f.ts == ts {
			return f
		}
	}
	if len(a.pending) > 0 && newer(a.pending[0].ts, ts) && len(a.pending) >= maxPending {
		return nil
	}
	f := &partial{ts: ts, payloads: map[uint16][]byte{}}
	a.pending = append(a.pending, f)
	if len(a.pending) > maxPending {
		a.pending = a.pending[1:]
	}
	return f
}

// dropUpTo removes f and every frame older than f, reporting whether any
// of those older frames was incomplete.
func (a *assembler) dropUpTo(f *partial) (lost bool) {
	kept := a.pending[:0]
	for _, p := range a.pending {
		switch {
		case p == f:
		case newer(f.ts, p.ts):
			lost = true
		default:
			kept = append(kept, p)
		}
	}
	a.pending = kept
	return lost
}

// newer reports whether timestamp a is after b, with wrap-around.
func newer(a, b uint32) bool { return a != b && a-b < 1<<31 }

func (a *assembler) depacketize(payload []byte) ([]byte, bool, error) {
	if a.codec == vpx.VP9 {
		var p codecs.VP9Packet
		out, err := p.Unmarshal(payload)
		return out, p.B, err
	}
	var p codecs.VP8Packet
	out, err := p.Unmarshal(payload)
	return out, p.S == 1 && p.PID == 0, err
}

// isKeyframe reports whether an assembled frame is a keyframe (RFC 7741
// §4.3 for VP8: the inverted P bit of the first byte; VP9: the frame header).
func isKeyframe(codec vpx.Codec, frame []byte) bool {
	if len(frame) == 0 {
		return false
	}
	if codec == vpx.VP9 {
		// profile 0/1 uncompressed header: frame_marker(2) profile(2)
		// show_existing(1) frame_type(1): 0 = key.
		return frame[0]&0xc0 == 0x80 && frame[0]&0x08 == 0 && frame[0]&0x04 == 0
	}
	return frame[0]&0x01 == 0
}
