package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// The express lane carries the control, input and chat channels' messages
// as RTP on an m=audio section of their own, each side acknowledging what
// it received, so that they never wait out the SCTP association's
// retransmission timeouts. The file and cursor channels stay on SCTP.
//
// Why: every data channel shares one SCTP association. pion's RACK marks a
// lost chunk lost and resends it within a round trip, but never marks the
// resent copy lost again: when it is lost too (one time in ten at 10 %
// loss) only the retransmission timer recovers it, whose floor is 1 s
// (doubling, to the link's 3 s cap), and everything queued behind it on its
// stream waits as long. With a file streaming the association's window is
// full, so every stream waits. A key's p95 at 10 % loss each way was
// 0.76-1.2 s (BenchmarkKeyDelayUnderLoss). The lane shares only the ICE
// path and the SRTP keys with SCTP, and retransmits after a timeout that
// follows its own measured round trip.
//
// Wire (docs/wire.md section 5.5): each RTP packet's payload is
//
//	version u8 (1) | packet u32 | first u32 | fragments: (more<<15 | length) u16, bytes
//
// big-endian. Fragments are numbered first, first+1, ... in the order
// sent; consecutive fragments up to one without "more" make one message,
// whose first byte is the channel's SCTP stream ID (0 control, 1 input,
// 3 chat) and the rest the channel's message. A packet carries the oldest
// fragments not yet acknowledged, as many as fit in expressPayload (or, for
// a backlog longer than one packet, the next ones not sent yet). The
// receiver delivers each message once, in order, to the channel's queue,
// and answers every packet with an RTCP APP packet (name "TNDA", subtype
// 0, SSRC: the sender's lane SSRC) whose data is delivered u32 (every
// fragment up to this one was received in order) | packet u32 (the packet
// answered, for the round trip). The lane is used when the technician
// offered it and the agent's answer accepted it; an older agent rejects the
// section (port 0), an older technician or a browser console does not offer
// it, and then every channel stays on SCTP.
const (
	// ExpressMime is the lane's codec: "x-tandem-lane/1000".
	ExpressMime    = "audio/x-tandem-lane"
	expressPT      = 120
	expressVersion = 1
	expressAckName = "TNDA"
	// expressPayload bounds a packet's payload below every path's MTU
	// once SRTP, TURN and IPv6 headers are added; a fragment carries at
	// most expressFragment bytes.
	expressPayload  = 1100
	expressHeader   = 9
	expressFragment = expressPayload - expressHeader - 2
	expressMore     = 1 << 15
	// expressWindow bounds the fragments queued and not acknowledged
	// (about 1.1 MB: a channel's Send waits beyond it), expressInFlight
	// those sent and not acknowledged (about 70 KB a round trip).
	expressWindow   = 1024
	expressInFlight = 64
	// Retransmission timeout: before the first round trip is measured,
	// and its bounds. A timeout doubles the next one up to the cap.
	expressInitialRTO = 100 * time.Millisecond
	expressMinRTO     = 15 * time.Millisecond
	expressMaxRTO     = time.Second
	// expressDrain bounds how long Close waits for what was sent to be
	// acknowledged (a goodbye sent just before).
	expressDrain = time.Second
)

// laneChannels are the channels the lane carries, by SCTP stream ID.
var laneChannels = map[string]bool{ChannelControl: true, ChannelInput: true, ChannelChat: true}

var errExpressClosed = errors.New("peer: express lane closed")

// expressFrag is one fragment waiting for its acknowledgement.
type expressFrag struct {
	seq uint32
	p   []byte // the flag-and-length header's bytes, then the fragment
}

// expressSender is one side's sending end of the lane.
type expressSender struct {
	track *webrtc.TrackLocalStaticRTP
	now   func() time.Time

	mu       sync.Mutex
	ready    bool // the lane was negotiated
	decided  bool // ready is settled: the first answer decides
	closed   bool
	queue    []expressFrag // queued, not yet acknowledged, oldest first
	next     uint32        // the next fragment's seq
	sentTo   uint32        // the newest fragment sent at least once
	packet   uint32        // the last packet's number
	rtpSeq   uint16
	sentAt   [64]sentPacket // by packet number modulo 64
	srtt     time.Duration  // 0 until the first round trip
	rttvar   time.Duration
	rto      time.Duration
	timer    *time.Timer
	timerGen uint64        // the armed timer's; an older one that fires does nothing
	room     chan struct{} // signalled when acknowledgements free the window
	empty    chan struct{} // signalled when everything was acknowledged
	acked    uint64        // acknowledgements that moved the window
	resent   uint64        // packets sent by the timer
	fast     time.Time     // the last resend for a gap an acknowledgement showed
	onClosed chan struct{}
}

type sentPacket struct {
	id    uint32
	at    time.Time
	first uint32 // the packet's first fragment
}

func newExpressSender() (*expressSender, error) {
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: ExpressMime, ClockRate: 1000}, "lane", "tandem-lane")
	if err != nil {
		return nil, fmt.Errorf("lane track: %w", err)
	}
	return &expressSender{track: track, now: time.Now, next: 1, rto: expressInitialRTO,
		room: make(chan struct{}, 1), empty: make(chan struct{}, 1), onClosed: make(chan struct{})}, nil
}

// accepted records whether the lane was negotiated. The first answer
// decides: a channel never moves between the lane and SCTP.
func (s *expressSender) accepted(ok bool) {
	s.mu.Lock()
	if !s.decided {
		s.ready, s.decided = ok, true
	}
	s.mu.Unlock()
}

func (s *expressSender) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *expressSender) usable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready && !s.closed
}

// send queues the message p of channel id and sends what the window allows.
func (s *expressSender) send(ctx context.Context, id uint16, p []byte) error {
	msg := make([]byte, 0, 1+len(p))
	msg = append(append(msg, byte(id)), p...)
	n := (len(msg) + expressFragment - 1) / expressFragment
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return errExpressClosed
		}
		if len(s.queue) == 0 || len(s.queue)+n <= expressWindow {
			break
		}
		s.mu.Unlock()
		select {
		case <-s.room:
		case <-s.onClosed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer s.mu.Unlock()
	if len(s.queue)+n < expressWindow {
		// Pass a wake-up on: another sender may wait for the same room.
		select {
		case s.room <- struct{}{}:
		default:
		}
	}
	for len(msg) > 0 {
		k := min(len(msg), expressFragment)
		h := uint16(k)
		if k < len(msg) {
			h |= expressMore
		}
		f := binary.BigEndian.AppendUint16(make([]byte, 0, 2+k), h)
		s.queue = append(s.queue, expressFrag{seq: s.next, p: append(f, msg[:k]...)})
		s.next++
		msg = msg[k:]
	}
	s.flushLocked(s.fitsOnePacketLocked())
	if s.timer == nil {
		s.armLocked()
	}
	return nil
}

// fitsOnePacketLocked reports whether one packet carries the whole queue,
// which is then resent with every new message (a lost packet is repaired
// by the next one without waiting for the timer).
func (s *expressSender) fitsOnePacketLocked() bool {
	size := expressHeader
	for _, f := range s.queue {
		if size += len(f.p); size > expressPayload {
			return false
		}
	}
	return true
}

// flushLocked sends packets: from the oldest unacknowledged fragment when
// fromOldest is set, else from the first never sent, while fewer than
// expressInFlight fragments are out. A write error is left to the timer
// (the path may come back).
func (s *expressSender) flushLocked(fromOldest bool) {
	i := 0
	if !fromOldest {
		for i < len(s.queue) && int32(s.queue[i].seq-s.sentTo) <= 0 {
			i++
		}
	}
	for i < len(s.queue) && i < expressInFlight {
		i = s.transmitLocked(i)
	}
}

// transmitLocked sends one packet with the queue's fragments from index i
// that fit, and returns the index after the last one sent.
func (s *expressSender) transmitLocked(i int) int {
	s.packet++
	buf := make([]byte, expressHeader, expressPayload)
	buf[0] = expressVersion
	binary.BigEndian.PutUint32(buf[1:], s.packet)
	binary.BigEndian.PutUint32(buf[5:], s.queue[i].seq)
	for ; i < len(s.queue) && len(buf)+len(s.queue[i].p) <= expressPayload; i++ {
		buf = append(buf, s.queue[i].p...)
		if int32(s.queue[i].seq-s.sentTo) > 0 {
			s.sentTo = s.queue[i].seq
		}
	}
	now := s.now()
	s.sentAt[s.packet%64] = sentPacket{id: s.packet, at: now, first: binary.BigEndian.Uint32(buf[5:])}
	s.rtpSeq++
	_ = s.track.WriteRTP(&rtp.Packet{
		Header:  rtp.Header{Version: 2, Marker: true, SequenceNumber: s.rtpSeq, Timestamp: uint32(now.UnixMilli())},
		Payload: buf,
	})
	return i
}

// armLocked starts the retransmission timer while fragments wait.
func (s *expressSender) armLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.timerGen++
	if len(s.queue) == 0 || s.closed {
		return
	}
	gen := s.timerGen
	s.timer = time.AfterFunc(s.rto, func() { s.expire(gen) })
}

func (s *expressSender) expire(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.timerGen {
		return // re-armed (or stopped) after this one fired
	}
	s.timer = nil
	if s.closed || len(s.queue) == 0 {
		return
	}
	s.rto = min(2*s.rto, expressMaxRTO)
	s.resent++
	s.flushLocked(true)
	s.armLocked()
}

// ack handles the other side's acknowledgement.
func (s *expressSender) ack(delivered, packet uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.queue) && int32(delivered-s.queue[n].seq) >= 0 {
		n++
	}
	gap := false
	if sp := s.sentAt[packet%64]; sp.id == packet && !sp.at.IsZero() {
		// The packet arrived but fragments before it did not.
		gap = int32(sp.first-(delivered+1)) > 0
		if n > 0 {
			// Only an answer that moved the window times the round
			// trip: a receiver that waited for its reader answers late.
			s.sampleLocked(s.now().Sub(sp.at))
		}
	}
	if n > 0 {
		s.queue = append(s.queue[:0], s.queue[n:]...)
		s.acked++
		select {
		case s.room <- struct{}{}:
		default:
		}
		if len(s.queue) == 0 {
			select {
			case s.empty <- struct{}{}:
			default:
			}
		}
		s.rto = s.baseRTOLocked()
	}
	switch {
	case gap && len(s.queue) > 0 && s.now().Sub(s.fast) > s.srtt:
		// Resend the oldest now rather than at the timeout, once a round
		// trip: the receiver keeps what came after the gap.
		s.fast = s.now()
		s.transmitLocked(0)
		s.flushLocked(false)
	case n > 0:
		s.flushLocked(false) // what the window held back goes now
	default:
		return
	}
	s.armLocked()
}

// sampleLocked folds a round trip into the estimate (RFC 6298's gains).
func (s *expressSender) sampleLocked(rtt time.Duration) {
	if s.srtt == 0 {
		s.srtt, s.rttvar = rtt, rtt/2
		return
	}
	d := s.srtt - rtt
	if d < 0 {
		d = -d
	}
	s.rttvar = (3*s.rttvar + d) / 4
	s.srtt = (7*s.srtt + rtt) / 8
}

func (s *expressSender) baseRTOLocked() time.Duration {
	if s.srtt == 0 {
		return expressInitialRTO
	}
	return min(max(s.srtt+max(4*s.rttvar, 10*time.Millisecond), expressMinRTO), expressMaxRTO)
}

// drain waits until everything sent was acknowledged, or d.
func (s *expressSender) drain(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		s.mu.Lock()
		done := !s.ready || s.closed || len(s.queue) == 0
		s.mu.Unlock()
		if done {
			return
		}
		select {
		case <-s.empty:
		case <-t.C:
			return
		}
	}
}

func (s *expressSender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.onClosed)
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// readAcks reads the lane sender's RTCP (which also drives the
// interceptors) until the sender stops.
func (s *expressSender) readAcks(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			// A packet that did not decode is not the end; a closed
			// sender or link is.
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || s.isClosed() {
				return
			}
			time.Sleep(10 * time.Millisecond) // never a busy loop
			continue
		}
		for _, p := range pkts {
			if delivered, packet, ok := parseExpressAck(p); ok {
				s.ack(delivered, packet)
			}
		}
	}
}

func parseExpressAck(p rtcp.Packet) (delivered, packet uint32, ok bool) {
	app, isApp := p.(*rtcp.ApplicationDefined)
	if !isApp || app.SubType != 0 || app.Name != expressAckName || len(app.Data) < 8 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint32(app.Data), binary.BigEndian.Uint32(app.Data[4:]), true
}

// expressReceiver reassembles the other side's messages. Fragments that
// come after a gap wait (up to expressAhead of them) for the gap to fill.
type expressReceiver struct {
	delivered uint32            // the last fragment taken in order
	partial   []byte            // a message's fragments so far
	ahead     map[uint32][]byte // fragments after the gap: flags-and-length, bytes
}

// expressAhead bounds the fragments kept after a gap: the sender's window.
const expressAhead = expressInFlight

// expressReceive reads the lane's RTP until the track ends: it passes each
// message, once and in order, to deliver (which reports false once the link
// has ended) and acknowledges every packet.
func expressReceive(track *webrtc.TrackRemote, write func([]rtcp.Packet) error, deliver func(id byte, p []byte) bool) {
	var r expressReceiver
	ack := &rtcp.ApplicationDefined{SSRC: uint32(track.SSRC()), Name: expressAckName, Data: make([]byte, 8)}
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		packet, msgs, ok := r.take(pkt.Payload)
		if !ok {
			continue
		}
		for _, m := range msgs {
			if !deliver(m[0], m[1:]) {
				return
			}
		}
		binary.BigEndian.PutUint32(ack.Data, r.delivered)
		binary.BigEndian.PutUint32(ack.Data[4:], packet)
		_ = write([]rtcp.Packet{ack})
	}
}

// take reads one packet: its number and the messages it completes, in
// order. Fragments beyond the next one expected are kept until the gap
// fills; a malformed packet is ignored.
func (r *expressReceiver) take(b []byte) (packet uint32, msgs [][]byte, ok bool) {
	if len(b) < expressHeader || b[0] != expressVersion {
		return 0, nil, false
	}
	packet, seq := binary.BigEndian.Uint32(b[1:]), binary.BigEndian.Uint32(b[5:])
	// Check the whole packet before taking anything from it.
	for rest := b[expressHeader:]; len(rest) > 0; {
		if len(rest) < 2 {
			return 0, nil, false
		}
		n := int(binary.BigEndian.Uint16(rest) &^ expressMore)
		if len(rest) < 2+n {
			return 0, nil, false
		}
		rest = rest[2+n:]
	}
	for rest := b[expressHeader:]; len(rest) > 0; seq++ {
		n := 2 + int(binary.BigEndian.Uint16(rest)&^expressMore)
		frag := rest[:n]
		rest = rest[n:]
		switch d := int32(seq - r.delivered); {
		case d <= 0: // had it
		case d == 1:
			msgs = r.append(msgs, frag)
			for next, ok := r.ahead[r.delivered+1]; ok; next, ok = r.ahead[r.delivered+1] {
				delete(r.ahead, r.delivered+1)
				msgs = r.append(msgs, next)
			}
		case d <= expressAhead:
			if r.ahead == nil {
				r.ahead = make(map[uint32][]byte)
			}
			if _, had := r.ahead[seq]; !had {
				r.ahead[seq] = append([]byte(nil), frag...)
			}
		}
	}
	return packet, msgs, true
}

// append takes the next fragment in order (flags-and-length, bytes) and
// adds the message it completes to msgs.
func (r *expressReceiver) append(msgs [][]byte, frag []byte) [][]byte {
	r.delivered++
	h := binary.BigEndian.Uint16(frag)
	r.partial = append(r.partial, frag[2:]...)
	if h&expressMore != 0 {
		return msgs
	}
	if len(r.partial) > 0 {
		msgs = append(msgs, r.partial)
	}
	r.partial = nil
	return msgs
}

// expressOffered reports whether a description has the lane: an m=audio
// section with a port and the lane's codec.
func expressOffered(d webrtc.SessionDescription) bool {
	sd, err := d.Unmarshal()
	if err != nil {
		return false
	}
	codec := strings.TrimPrefix(ExpressMime, "audio/")
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "audio" || m.MediaName.Port.Value == 0 {
			continue
		}
		for _, a := range m.Attributes {
			if a.Key == "rtpmap" && strings.Contains(a.Value, " "+codec+"/") {
				return true
			}
		}
	}
	return false
}

// laneTrack is the lane's track: pion's static RTP track, except that an
// answer without the lane (an older agent rejects the section) leaves it
// unbound instead of failing: pion's Bind refuses a codec the remote
// lacks, and with it the whole answer. Nothing is written to an unbound
// track (the sender is not usable).
type laneTrack struct{ *webrtc.TrackLocalStaticRTP }

func (t laneTrack) Bind(c webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, err := t.TrackLocalStaticRTP.Bind(c)
	if errors.Is(err, webrtc.ErrUnsupportedCodec) {
		return webrtc.RTPCodecParameters{RTPCodecCapability: t.Codec(), PayloadType: expressPT}, nil
	}
	return codec, err
}

func (t laneTrack) Unbind(c webrtc.TrackLocalContext) error {
	if err := t.TrackLocalStaticRTP.Unbind(c); err != nil && !errors.Is(err, webrtc.ErrUnbindFailed) {
		return err
	}
	return nil
}

// Lane reports whether the control, input and chat channels travel on the
// express lane.
func (l *Link) Lane() bool { e := l.lane(); return e != nil && e.usable() }

// deliverLane queues a message from the lane where its channel's SCTP
// messages wait, so readers see one queue. A channel the lane does not
// carry is dropped. It reports false once the link has ended.
func (l *Link) deliverLane(id byte, p []byte) bool {
	if int(id) >= len(channelIDs) || !laneChannels[channelIDs[id]] {
		return true
	}
	c := l.channels[channelIDs[id]]
	select {
	case c.recv <- append([]byte(nil), p...):
		return true
	case <-c.closed:
		return false
	}
}

func (l *Link) lane() *expressSender {
	l.laneMu.Lock()
	defer l.laneMu.Unlock()
	return l.express
}

func (l *Link) setLane(e *expressSender) {
	l.laneMu.Lock()
	l.express = e
	l.laneMu.Unlock()
}

// attachLaneLocked gives the Answerer its end of the lane when the offer
// carries it (once: an ICE restart's offer keeps the transceiver).
func (l *Link) attachLaneLocked() error {
	if l.cfg.noExpress || l.lane() != nil || !expressOffered(*l.pc.RemoteDescription()) {
		return nil
	}
	lane, err := newExpressSender()
	if err != nil {
		return err
	}
	sender, err := l.pc.AddTrack(laneTrack{lane.track})
	if err != nil {
		return fmt.Errorf("express lane: %w", err)
	}
	lane.accepted(true)
	l.setLane(lane)
	go lane.readAcks(sender)
	return nil
}
