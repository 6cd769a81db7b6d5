package screen

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// RTPWriter takes RTP packets; *webrtc.TrackLocalStaticRTP implements it
// (and fills in SSRC and payload type per binding).
type RTPWriter interface {
	WriteRTP(p *rtp.Packet) error
}

// mtu leaves room for SRTP's tag, header extensions (transport-wide
// sequence number, mid) and TURN's channel header within a 1280-byte IPv6
// minimum path.
const mtu = 1100

// packetizer splits encoded frames into RTP packets with timestamps the
// sender chooses, so a frame's RTP timestamp is known to the sender and can
// be matched with its capture time at the receiver.
type packetizer struct {
	payloader rtp.Payloader
	seq       uint16
	base      uint32 // random timestamp origin (RFC 3550 §5.1)
	pkt       rtp.Packet
	sent      []rtp.Packet // the frame's packets, when parity protects it
	parity    atomic.Int64 // parity packets sent
}

func newPacketizer(codec vpx.Codec) (*packetizer, error) {
	var seed [6]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("packetizer: %w", err)
	}
	p := &packetizer{seq: binary.BigEndian.Uint16(seed[:2]), base: binary.BigEndian.Uint32(seed[2:])}
	switch codec {
	case vpx.VP9:
		p.payloader = &codecs.VP9Payloader{}
	default:
		p.payloader = &codecs.VP8Payloader{EnablePictureID: true}
	}
	return p, nil
}

// timestamp maps a pts (90 kHz since the sender started) to RTP time.
func (p *packetizer) timestamp(pts int64) uint32 { return p.base + uint32(pts) }

// write sends frame as packets stamped ts, the last one with the marker
// bit, which tells the receiver the frame is complete; then, when ext
// names the negotiated parity extension and ratio is above zero, the
// frame's parity packets (parity.go).
func (p *packetizer) write(w RTPWriter, frame []byte, ts uint32, ext uint8, ratio float64) error {
	payloads := p.payloader.Payload(mtu, frame)
	k := 0
	if ext != 0 {
		k = parityCount(len(payloads), ratio)
	}
	if k > 0 {
		p.sent = p.sent[:0]
	}
	for i, pl := range payloads {
		p.pkt.Header = rtp.Header{Version: 2, Marker: i == len(payloads)-1, SequenceNumber: p.seq, Timestamp: ts}
		p.pkt.Payload = pl
		if k > 0 {
			p.sent = append(p.sent, rtp.Packet{Header: p.pkt.Header, Payload: pl})
		}
		p.seq++
		if err := w.WriteRTP(&p.pkt); err != nil {
			return err
		}
	}
	if k == 0 {
		return nil
	}
	for _, pl := range parityPackets(p.sent, k) {
		p.pkt.Header = rtp.Header{Version: 2, SequenceNumber: p.seq, Timestamp: ts}
		if err := p.pkt.Header.SetExtension(ext, []byte{parityVersion}); err != nil {
			return err
		}
		p.pkt.Payload = pl
		p.seq++
		p.parity.Add(1)
		if err := w.WriteRTP(&p.pkt); err != nil {
			return err
		}
	}
	return nil
}
