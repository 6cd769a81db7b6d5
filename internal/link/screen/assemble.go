package screen

import (
	"fmt"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// maxPending bounds how many incomplete frames the assembler holds while
// waiting for retransmissions (two seconds at 30 frames a second, so that a
// keyframe held for keyHold does not overflow it). holdFor is how long a
// delta frame with missing packets may hold back a complete frame behind it,
// counted from when it started to: long enough for several NACK rounds on a
// LAN or a typical WAN path. keyHold is the same for a keyframe, and for any
// frame while the decoder waits for one: giving it up costs a new keyframe,
// at least a second away (minKeyframeGap), while every frame behind it is
// either waiting for it or useless without it.
const (
	maxPending = 64
	holdFor    = 150 * time.Millisecond
	keyHold    = time.Second
)

// assembler rebuilds encoded frames from RTP packets and hands them out in
// order. A frame is complete when its first packet (by the codec's
// start-of-frame flag), its last (by the marker bit) and every sequence
// number in between have arrived. An incomplete frame that has held back a
// complete later frame for holdFor (keyHold for a keyframe) is given up,
// which breaks the decoder's reference chain (the caller then asks for a
// keyframe). The hold counts from when a later frame completed, not from
// the frame's first packet: at a low bitrate the pacer spreads one frame
// over more than holdFor, and its repairs come after its last packet.
type assembler struct {
	codec     vpx.Codec
	pending   []*partial // oldest first
	now       func() time.Time
	handedOut bool      // a frame was handed out or given up
	lastOut   uint32    // its timestamp
	blocked   time.Time // when the head started holding back a complete frame; zero if not
	// lastPID is the picture ID of the frame last handed out or given up,
	// -1 when unknown; gapSince is when a complete delta frame at the head
	// was first found not to follow it (zero if not).
	lastPID  int
	gapSince time.Time
	// awaitKey is set by the caller while its decoder needs a keyframe:
	// then a delta frame is worth nothing, and an incomplete one is dropped
	// at once (not counted as lost), as is any incomplete frame ahead of a
	// complete keyframe, while a keyframe or a frame whose first packet is
	// missing is held for keyHold.
	awaitKey bool
	// gaveUp describes the last frame given up, for the log.
	gaveUp string
}

type partial struct {
	ts         uint32
	pid        int // picture ID from the first packet, -1 if none
	start, end uint16
	hasStart   bool
	hasEnd     bool
	payloads   map[uint16][]byte
}

// ready is one complete frame handed out by push.
type ready struct {
	frame []byte
	ts    uint32
}

// push adds one packet and returns the frames now ready, oldest first, and
// whether frames had to be given up before them.
func (a *assembler) push(p *rtp.Packet) (out []ready, lost bool) {
	payload, start, pid, err := a.depacketize(p.Payload)
	if err != nil || len(payload) == 0 {
		return nil, false
	}
	f := a.frameFor(p.Timestamp)
	if f == nil {
		return nil, false // older than every frame held: late or duplicate
	}
	f.payloads[p.SequenceNumber] = append([]byte(nil), payload...)
	if start {
		f.start, f.hasStart, f.pid = p.SequenceNumber, true, pid
	}
	if p.Marker {
		f.end, f.hasEnd = p.SequenceNumber, true
	}
	return a.drain()
}

// drain hands out complete frames from the head, giving up an incomplete
// head once it has held back a complete frame for its hold, or when too
// many frames are pending.
func (a *assembler) drain() (out []ready, lost bool) {
	for len(a.pending) > 0 {
		head := a.pending[0]
		if head.complete() && !a.awaitKey && a.missingBefore(head) {
			// Whole frames between the last one and this delta were
			// lost (no packet of theirs came, a one-packet frame's
			// only packet for instance): decoding it on a reference the
			// decoder never had would show a wrong picture. Wait for
			// their repair as for a missing packet, then give up.
			now := a.clock()
			if a.gapSince.IsZero() {
				a.gapSince = now
			}
			if now.Sub(a.gapSince) < holdFor && len(a.pending) <= maxPending {
				break
			}
			a.gaveUp = head.describe("whole frames before it lost")
			a.pop()
			lost = true
			continue
		}
		if head.complete() {
			out = append(out, ready{frame: head.join(), ts: head.ts})
			a.pop()
			continue
		}
		if a.awaitKey && (head.isDelta(a.codec) || a.laterCompleteKey()) {
			// Undecodable either way, or superseded by a complete
			// keyframe behind it: not a loss.
			a.pop()
			continue
		}
		if len(a.pending) > maxPending || a.heldTooLong(head) {
			a.gaveUp = head.describe("incomplete")
			a.pop()
			lost = true
			continue
		}
		break
	}
	return out, lost
}

// heldTooLong reports whether the incomplete head has held back a complete
// frame for longer than its hold, noting when it started to.
func (a *assembler) heldTooLong(head *partial) bool {
	if !a.laterComplete() {
		a.blocked = time.Time{}
		return false
	}
	now := a.clock()
	if a.blocked.IsZero() {
		a.blocked = now
	}
	hold := holdFor
	if a.awaitKey || !head.isDelta(a.codec) {
		hold = keyHold
	}
	return now.Sub(a.blocked) >= hold
}

// missingBefore reports whether a complete delta frame does not follow
// the frame last handed out: picture IDs count the frames the sender
// packetized, 15 bits.
func (a *assembler) missingBefore(f *partial) bool {
	if !a.handedOut || a.lastPID < 0 || f.pid < 0 || !f.isDelta(a.codec) {
		return false
	}
	return f.pid != (a.lastPID+1)&0x7fff
}

func (a *assembler) pop() {
	a.handedOut, a.lastOut = true, a.pending[0].ts
	a.lastPID = a.pending[0].pid
	a.gapSince = time.Time{}
	a.blocked = time.Time{}
	a.pending = a.pending[1:]
}

// startMissing reports whether nothing has been handed out yet and the
// first frame held lacks its first packet: the stream's start was lost.
func (a *assembler) startMissing() bool {
	return !a.handedOut && len(a.pending) > 0 && !a.pending[0].hasStart
}

// waiting reports whether a complete frame is held back by an incomplete
// one, so that time alone can release it.
func (a *assembler) waiting() bool {
	return len(a.pending) > 1 && a.laterComplete() || !a.gapSince.IsZero()
}

func (a *assembler) laterComplete() bool {
	for _, f := range a.pending[1:] {
		if f.complete() {
			return true
		}
	}
	return false
}

// laterCompleteKey reports whether a complete keyframe waits behind the
// head.
func (a *assembler) laterCompleteKey() bool {
	for _, f := range a.pending[1:] {
		if f.complete() && !f.isDelta(a.codec) {
			return true
		}
	}
	return false
}

func (a *assembler) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// describe says what of the frame has arrived, for the log.
func (f *partial) describe(why string) string {
	return fmt.Sprintf("%s: ts %d, %d packets, first %v (%d), last %v (%d)",
		why, f.ts, len(f.payloads), f.hasStart, f.start, f.hasEnd, f.end)
}

func (f *partial) join() []byte {
	var b []byte
	for s := f.start; ; s++ {
		b = append(b, f.payloads[s]...)
		if s == f.end {
			return b
		}
	}
}

// isDelta reports whether the frame is known not to be a keyframe: its
// first packet has arrived and says so. A frame whose first packet is
// missing may be a keyframe.
func (f *partial) isDelta(codec vpx.Codec) bool {
	if !f.hasStart {
		return false
	}
	return !isKeyframe(codec, f.payloads[f.start])
}

func (f *partial) complete() bool {
	if !f.hasStart || !f.hasEnd {
		return false
	}
	n := int(uint16(f.end-f.start)) + 1
	return n <= len(f.payloads) && n < 1<<15
}

// frameFor finds or starts the frame of timestamp ts, keeping pending in
// timestamp order. It returns nil for a packet older than every frame
// held once the oldest has been handed out.
func (a *assembler) frameFor(ts uint32) *partial {
	i := 0
	for ; i < len(a.pending); i++ {
		f := a.pending[i]
		if f.ts == ts {
			return f
		}
		if newer(f.ts, ts) {
			break
		}
	}
	if i == 0 && a.handedOut && !newer(ts, a.lastOut) {
		return nil
	}
	f := &partial{ts: ts, pid: -1, payloads: map[uint16][]byte{}}
	if i == 0 {
		a.blocked = time.Time{} // a new head: its hold starts afresh
	}
	a.pending = append(a.pending, nil)
	copy(a.pending[i+1:], a.pending[i:])
	a.pending[i] = f
	return f
}

// newer reports whether timestamp a is after b, with wrap-around.
func newer(a, b uint32) bool { return a != b && a-b < 1<<31 }

// depacketize returns the packet's frame data, whether it starts a frame,
// and its picture ID (-1 if it has none).
func (a *assembler) depacketize(payload []byte) ([]byte, bool, int, error) {
	if a.codec == vpx.VP9 {
		var p codecs.VP9Packet
		out, err := p.Unmarshal(payload)
		pid := -1
		if p.I {
			pid = int(p.PictureID)
		}
		return out, p.B, pid, err
	}
	var p codecs.VP8Packet
	out, err := p.Unmarshal(payload)
	pid := -1
	if p.I == 1 {
		pid = int(p.PictureID)
	}
	return out, p.S == 1 && p.PID == 0, pid, err
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
