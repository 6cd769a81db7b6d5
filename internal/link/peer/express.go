package peer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// The express lane carries the technician's input to the agent as RTP on
// an m=audio section of its own, with Tandem's own acknowledgements, so
// that a key never waits behind file data in the SCTP association.
//
// Why: every data channel shares one SCTP association, and under random
// loss while a file streams that association spends whole retransmission
// timeouts (pion's floor is 1 s, doubling to the link's 3 s cap) with its
// congestion window closed, during which no stream may send: a key's p95
// was 1.5-3.0 s at 10 % loss each way (BenchmarkInputUnderLoss). The lane
// shares only the ICE path and the SRTP keys with the rest: no congestion
// window (input is a few hundred bytes a second) and a retransmission
// timeout that follows the measured round trip.
//
// Wire (docs/wire.md section 7.1): each RTP packet's payload is
//
//	version u8 (1) | packet u32 | first u32 | then per message: length u16, bytes
//
// big-endian, carrying messages first, first+1, ... in order (the oldest
// the agent has not acknowledged, as many as fit in expressPayload). The
// agent delivers each message once, in order, to the input channel's queue,
// and answers every packet with an RTCP APP packet (name "TNDA", subtype 0,
// SSRC the input stream's) whose data is: delivered u32 (every message up
// to this one was delivered) | packet u32 (the packet this answers, for the
// round trip). The lane is used only when the agent's answer accepted the
// section; an older agent rejects it (port 0) and input keeps the input
// data channel.
const (
	// ExpressMime is the input lane's codec: "x-tandem-input/1000".
	ExpressMime    = "audio/x-tandem-input"
	expressPT      = 120
	expressVersion = 1
	expressAckName = "TNDA"
	// expressPayload bounds a packet's payload below every path's MTU
	// once SRTP, TURN and IPv6 headers are added.
	expressPayload = 1100
	// expressWindow bounds the messages sent and not yet acknowledged;
	// SendInput waits beyond it (a path that carries nothing).
	expressWindow = 1024
	// Retransmission timeout: before the first round trip is measured,
	// and its bounds. A timeout doubles the next one up to the cap.
	expressInitialRTO = 100 * time.Millisecond
	expressMinRTO     = 15 * time.Millisecond
	expressMaxRTO     = time.Second
)

var errExpressClosed = errors.New("peer: express lane closed")

// expressMsg is one message waiting for its acknowledgement.
type expressMsg struct {
	seq uint32
	p   []byte
}

// expressSender is the technician's end of the lane.
type expressSender struct {
	track *webrtc.TrackLocalStaticRTP
	now   func() time.Time

	mu       sync.Mutex
	ready    bool // the answer accepted the section
	closed   bool
	queue    []expressMsg // sent, not yet acknowledged, oldest first
	next     uint32       // the next message's seq
	packet   uint32       // the last packet's number
	rtpSeq   uint16
	sentAt   [64]sentPacket // by packet number modulo 64
	srtt     time.Duration  // 0 until the first round trip
	rttvar   time.Duration
	rto      time.Duration
	timer    *time.Timer
	room     chan struct{} // signalled when acknowledgements free the window
	acked    uint64        // acknowledgements that moved the window
	resent   uint64        // packets sent by the timer
	onClosed chan struct{}
}

type sentPacket struct {
	id uint32
	at time.Time
}

func newExpressSender() (*expressSender, error) {
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: ExpressMime, ClockRate: 1000}, "input", "tandem-input")
	if err != nil {
		return nil, fmt.Errorf("input lane track: %w", err)
	}
	return &expressSender{track: track, now: time.Now, next: 1, rto: expressInitialRTO,
		room: make(chan struct{}, 1), onClosed: make(chan struct{})}, nil
}

// accepted records whether the remote answer took the section.
func (s *expressSender) accepted(ok bool) {
	s.mu.Lock()
	s.ready = ok
	s.mu.Unlock()
}

func (s *expressSender) usable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready && !s.closed
}

// send queues p and sends a packet with the oldest unacknowledged messages.
func (s *expressSender) send(ctx context.Context, p []byte) error {
	if len(p) > ExpressMaxMessage {
		return fmt.Errorf("input message of %d bytes is too long for the input lane", len(p))
	}
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return errExpressClosed
		}
		if len(s.queue) < expressWindow {
			break
		}
		s.mu.Unlock()
		select {
		case <-s.room:
		case <-s.onClosed:
		case <-ctx.Done():
			return fmt.Errorf("send input: %w", ctx.Err())
		}
	}
	defer s.mu.Unlock()
	s.queue = append(s.queue, expressMsg{seq: s.next, p: append([]byte(nil), p...)})
	s.next++
	s.transmitLocked()
	if s.timer == nil {
		s.armLocked()
	}
	return nil
}

// transmitLocked sends one packet: the oldest unacknowledged messages that
// fit. A write error is left to the timer (the path may come back).
func (s *expressSender) transmitLocked() {
	if len(s.queue) == 0 {
		return
	}
	s.packet++
	buf := make([]byte, 9, expressPayload)
	buf[0] = expressVersion
	binary.BigEndian.PutUint32(buf[1:], s.packet)
	binary.BigEndian.PutUint32(buf[5:], s.queue[0].seq)
	for _, m := range s.queue {
		if len(buf)+2+len(m.p) > expressPayload {
			break
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(m.p)))
		buf = append(buf, m.p...)
	}
	now := s.now()
	s.sentAt[s.packet%64] = sentPacket{id: s.packet, at: now}
	s.rtpSeq++
	_ = s.track.WriteRTP(&rtp.Packet{
		Header:  rtp.Header{Version: 2, Marker: true, SequenceNumber: s.rtpSeq, Timestamp: uint32(now.UnixMilli())},
		Payload: buf,
	})
}

// armLocked starts the retransmission timer while messages wait.
func (s *expressSender) armLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if len(s.queue) == 0 || s.closed {
		return
	}
	s.timer = time.AfterFunc(s.rto, s.expire)
}

func (s *expressSender) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if s.closed || len(s.queue) == 0 {
		return
	}
	s.rto = min(2*s.rto, expressMaxRTO)
	s.resent++
	s.transmitLocked()
	s.armLocked()
}

// ack handles the agent's acknowledgement.
func (s *expressSender) ack(delivered, packet uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.sentAt[packet%64]; sp.id == packet && !sp.at.IsZero() {
		s.sampleLocked(s.now().Sub(sp.at))
	}
	n := 0
	for n < len(s.queue) && int32(delivered-s.queue[n].seq) >= 0 {
		n++
	}
	if n == 0 {
		return
	}
	s.queue = append(s.queue[:0], s.queue[n:]...)
	s.acked++
	select {
	case s.room <- struct{}{}:
	default:
	}
	s.rto = s.baseRTOLocked()
	if len(s.queue) > 0 {
		// What did not fit the last packet goes now.
		s.transmitLocked()
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
			return
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

// expressReceive is the agent's end: it reads the lane's RTP, delivers each
// message once and in order to deliver, and acknowledges every packet.
// It returns when the track ends.
func expressReceive(track *webrtc.TrackRemote, write func([]rtcp.Packet) error, deliver func([]byte) bool) {
	delivered := uint32(0)
	ack := &rtcp.ApplicationDefined{SSRC: uint32(track.SSRC()), Name: expressAckName, Data: make([]byte, 8)}
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		packet, msgs, ok := parseExpress(pkt.Payload, delivered)
		if !ok {
			continue
		}
		for _, m := range msgs {
			if !deliver(m) {
				return
			}
			delivered++
		}
		binary.BigEndian.PutUint32(ack.Data, delivered)
		binary.BigEndian.PutUint32(ack.Data[4:], packet)
		_ = write([]rtcp.Packet{ack})
	}
}

// parseExpress returns the packet's number and its messages after
// delivered. A packet that starts after delivered+1 (never sent by a
// sender that follows the acknowledgements) yields none but is still
// answered, so the sender learns where the agent is; a malformed one is
// ignored.
func parseExpress(b []byte, delivered uint32) (packet uint32, msgs [][]byte, ok bool) {
	if len(b) < 9 || b[0] != expressVersion {
		return 0, nil, false
	}
	packet, seq := binary.BigEndian.Uint32(b[1:]), binary.BigEndian.Uint32(b[5:])
	if int32(seq-(delivered+1)) > 0 {
		return packet, nil, true
	}
	for b = b[9:]; len(b) > 0; seq++ {
		if len(b) < 2 {
			return 0, nil, false
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return 0, nil, false
		}
		if int32(seq-delivered) > 0 {
			msgs = append(msgs, b[2:2+n])
		}
		b = b[2+n:]
	}
	return packet, msgs, true
}

// expressAccepted reports whether an answer accepted the offer's input
// lane: an m=audio section with a port and the lane's codec.
func expressAccepted(d webrtc.SessionDescription) bool {
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

// ExpressMaxMessage is the longest message SendInput takes over the input
// lane (input.SendText keeps Text events under it).
const ExpressMaxMessage = expressPayload - 11

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

// SendInput sends one input message to the agent (the Offerer's side):
// over the input lane when the agent's answer accepted it, else on the
// input data channel. A message is never split between the two: which one
// carries input is settled by the answer, before any input is sent.
func (l *Link) SendInput(ctx context.Context, p []byte) error {
	if l.express != nil && l.express.usable() {
		return l.express.send(ctx, p)
	}
	return l.channels[ChannelInput].Send(ctx, p)
}

// InputLane reports whether SendInput uses the input lane.
func (l *Link) InputLane() bool { return l.express != nil && l.express.usable() }

// deliverInput queues a message from the input lane where the input data
// channel's messages wait, so the agent reads both with one Recv on
// Channel(ChannelInput). It reports false once the link has ended.
func (l *Link) deliverInput(p []byte) bool {
	c := l.channels[ChannelInput]
	select {
	case c.recv <- append([]byte(nil), p...):
		return true
	case <-c.closed:
		return false
	}
}
