package peer

import (
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// VideoDirection says whether a link sends or receives the screen video.
type VideoDirection int

const (
	// VideoNone: data channels only.
	VideoNone VideoDirection = iota
	// VideoSend: this side sends (the agent showing its screen).
	VideoSend
	// VideoReceive: this side receives (the technician's viewer).
	VideoReceive
	// VideoBoth: one video transceiver carries a picture each way; each
	// side writes its own track only while it has something to show (the
	// agent its screen; the technician its own during a demonstration).
	VideoBoth
)

func (d VideoDirection) sends() bool    { return d == VideoSend || d == VideoBoth }
func (d VideoDirection) receives() bool { return d == VideoReceive || d == VideoBoth }

// Bitrate bounds for the send-side congestion controller (GCC over
// transport-wide congestion control feedback). A 1080p desktop needs
// 1–4 Mbit/s; a LAN can carry far more during scrolling. The initial
// estimate is what the first keyframe (~180 KB at 1080p) drains at through
// the pacer: at 4 Mbit/s the first picture took 303 ms over a loopback
// link, at 10 Mbit/s 246 ms; GCC lowers it within a second on a slower
// path.
const (
	MinBitrate     = 300_000
	InitialBitrate = 10_000_000
	MaxBitrate     = 20_000_000
)

// nackInterval is how often the receiver asks again for packets still
// missing. pion's 100 ms lets a lost retransmission outlive the screen
// receiver's 150 ms wait for a repair, and each frame given up costs a
// keyframe.
const nackInterval = 20 * time.Millisecond

// ParityExtensionURI names the RTP header extension that marks the screen
// video's parity packets (package screen, docs/wire.md section 10). Both sides
// register it; a peer that does not (a browser, an older version) leaves
// it out of the negotiation, and then no parity is sent.
const ParityExtensionURI = "urn:x-tandem:rtp-hdrext:parity"

// Video codec MIME types a link can carry.
const (
	CodecVP8 = webrtc.MimeTypeVP8
	CodecVP9 = webrtc.MimeTypeVP9
)

// media is a link's video state.
type mediaState struct {
	track     *webrtc.TrackLocalStaticRTP // VideoSend
	keyframes chan struct{}               // PLI/FIR from the receiver
	remote    chan *webrtc.TrackRemote    // VideoReceive

	mu          sync.Mutex
	bwe         cc.BandwidthEstimator
	logged      int   // the target last logged
	parityExt   uint8 // the negotiated parity extension (parityKnown)
	parityKnown bool
	lossHold    float64 // the loss VideoParity remembers, and when
	lossHoldAt  time.Time
	pacer       *idlePacer
	split       *lossSplit
}

// mediaAPI returns the media engine and interceptors for cfg: VP8 and VP9
// with NACK, PLI/FIR and transport-wide congestion control feedback; on the
// sending side a GCC bandwidth estimator whose target the encoder follows.
func mediaAPI(cfg Config, m *mediaState, log *slog.Logger) (*webrtc.MediaEngine, *interceptor.Registry, error) {
	me := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: webrtc.TypeRTCPFBTransportCC}}
	for i, mime := range []string{CodecVP8, CodecVP9} {
		codec := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mime, ClockRate: 90000, RTCPFeedback: fb},
			PayloadType:        webrtc.PayloadType(96 + 2*i),
		}
		if err := me.RegisterCodec(codec, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, nil, fmt.Errorf("register %s: %w", mime, err)
		}
	}
	if !cfg.noExpress {
		lane := webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: ExpressMime, ClockRate: 1000},
			PayloadType:        expressPT,
		}
		if err := me.RegisterCodec(lane, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, nil, fmt.Errorf("register input lane: %w", err)
		}
	}
	ir := &interceptor.Registry{}
	var above []interceptor.Factory
	if cfg.Video.sends() {
		ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
			pacer := newIdlePacer(InitialBitrate)
			bwe, err := gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(InitialBitrate),
				gcc.SendSideBWEMinBitrate(MinBitrate), gcc.SendSideBWEMaxBitrate(MaxBitrate),
				gcc.SendSideBWEPacer(pacer))
			if err != nil {
				return nil, err
			}
			split := &lossSplit{log: log}
			m.mu.Lock()
			m.pacer, m.split = pacer, split
			m.mu.Unlock()
			return &pacedVideoOnly{BandwidthEstimator: bwe, split: split, pacer: pacer}, nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("congestion control: %w", err)
		}
		ccf.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) {
			m.mu.Lock()
			m.bwe = e
			m.mu.Unlock()
		})
		twccExt, err := twcc.NewHeaderExtensionInterceptor()
		if err != nil {
			return nil, nil, fmt.Errorf("register twcc: %w", err)
		}
		// Order matters: interceptors added later see packets first. The
		// pacer needs the transport-wide sequence number already stamped;
		// the NACK responder sits below both (a retransmission keeps its
		// transport-wide sequence number and is not paced: paced, even
		// ahead of new packets, retransmissions halved the frames decoded
		// at 20 % random loss), and below it the retransmissions' budget
		// (resendBudget). The transport-wide sequence number goes on video
		// only (its header extension is registered for video in
		// registerInterceptors), and the express lane stays out of the
		// pacer (pacedVideoOnly), where a key would wait behind a queued
		// keyframe.
		ir.Add(&resendBudgetFactory{target: func() int {
			m.mu.Lock()
			defer m.mu.Unlock()
			if !m.split.policed() {
				return 0 // no budget
			}
			return int(float64(m.capacityLocked()) * capResend / resendShare)
		}})
		above = []interceptor.Factory{ccf, twccExt}
	}
	if err := registerInterceptors(me, ir); err != nil {
		return nil, nil, fmt.Errorf("register interceptors: %w", err)
	}
	for _, f := range above {
		ir.Add(f)
	}
	if !cfg.noParity {
		if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: ParityExtensionURI}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, nil, fmt.Errorf("register parity extension: %w", err)
		}
	}
	return me, ir, nil
}

// setupMedia adds what cfg.Video asks for before any offer is made. The
// sender's track is added now on the offerer and when the offer arrives on
// the answerer (see attachTrackLocked), so that pion reuses the transceiver
// the offer created instead of adding a second one.
func (l *Link) setupMedia() error {
	m := &l.media
	if l.cfg.Video.sends() {
		codec := l.cfg.VideoCodec
		if codec == "" {
			codec = CodecVP8
		}
		track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: codec, ClockRate: 90000}, "screen", "tandem")
		if err != nil {
			return fmt.Errorf("video track: %w", err)
		}
		m.track, m.keyframes = track, make(chan struct{}, 1)
	}
	if l.cfg.Video.receives() {
		m.remote = make(chan *webrtc.TrackRemote, 1)
	}
	l.pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		switch {
		case t.Kind() == webrtc.RTPCodecTypeVideo && m.remote != nil:
			select {
			case m.remote <- t:
			default:
			}
		case t.Codec().MimeType == ExpressMime:
			go expressReceive(t, l.pc.WriteRTCP, l.deliverLane)
		}
	})
	if l.cfg.Role != Offerer {
		return nil
	}
	switch {
	case l.cfg.Video.sends(): // AddTrack makes a sendrecv transceiver
		if err := l.attachTrackLocked(); err != nil {
			return err
		}
	case l.cfg.Video.receives():
		if _, err := l.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo,
			webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			return err
		}
	}
	// The express lane comes after video, so video keeps mid 0.
	if !l.cfg.noExpress {
		lane, err := newExpressSender()
		if err != nil {
			return err
		}
		tr, err := l.pc.AddTransceiverFromTrack(laneTrack{lane.track},
			webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
		if err != nil {
			return fmt.Errorf("express lane: %w", err)
		}
		l.setLane(lane)
		go lane.readAcks(tr.Sender())
	}
	return nil
}

// attachTrackLocked adds the video track once and starts reading the
// sender's RTCP, which both drives the interceptors and turns PLI/FIR into
// keyframe requests.
func (l *Link) attachTrackLocked() error {
	m := &l.media
	if m.track == nil || l.trackAttached {
		return nil
	}
	sender, err := l.pc.AddTrack(m.track)
	if err != nil {
		return fmt.Errorf("add video track: %w", err)
	}
	l.trackAttached = true
	go l.readRTCP(sender)
	return nil
}

// readRTCP ends when the sender stops, which Close causes.
func (l *Link) readRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				select {
				case l.media.keyframes <- struct{}{}:
				default:
				}
			}
		}
	}
}

// VideoTrack returns the track to write RTP packets of encoded frames to
// (VideoSend, VideoBoth), or nil. The sender packetizes itself so that it controls the
// RTP timestamps (see package screen); the track fills in SSRC and payload
// type.
func (l *Link) VideoTrack() *webrtc.TrackLocalStaticRTP { return l.media.track }

// KeyframeRequests delivers the receiver's requests for a keyframe
// (VideoSend).
func (l *Link) KeyframeRequests() <-chan struct{} { return l.media.keyframes }

// RemoteVideo delivers the remote video track once it arrives
// (VideoReceive).
func (l *Link) RemoteVideo() <-chan *webrtc.TrackRemote { return l.media.remote }

// TargetBitrate is the congestion controller's current estimate in bit/s,
// or 0 before it has one (VideoSend): GCC's, held to MinBitrate (pion's
// loss controller has its own floor of 100 kbit/s, where a 1280x800
// keyframe took most of a second). GCC takes random loss for congestion:
// at 20 % loss each way its target falls to 0.3-1.0 Mbit/s (18
// loss-free), and under heavy loss that is what the picture wants, few
// packets a frame to repair: a target that ignored random loss (lossSplit
// driving the encoder) was measured worse in the lab. A move by more than
// a quarter is logged (debug) with GCC's numbers and the split's.
func (l *Link) TargetBitrate() int {
	m := &l.media
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bwe == nil {
		return 0
	}
	target := m.targetLocked()
	if target*4 < m.logged*3 || target*3 > m.logged*4 {
		m.logged = target
		st := m.bwe.GetStats()
		loss, _ := st["averageLoss"].(float64)
		delay, _ := st["delayTargetBitrate"].(int)
		all, lead, leads := m.split.losses()
		l.log.Debug("video bitrate", "kbps", target/1000, "gcc_kbps", m.bwe.GetTargetBitrate()/1000,
			"delay_kbps", delay/1000, "loss", loss, "loss_all", all, "loss_lead", lead, "leads", leads)
	}
	return target
}

// targetLocked is the encoder's target: GCC's; m.mu is held.
func (m *mediaState) targetLocked() int {
	if m.bwe == nil {
		return InitialBitrate
	}
	return max(m.bwe.GetTargetBitrate(), MinBitrate)
}

// capResend is the share of the path's capacity retransmissions may take
// in policed mode; the pacer sends new packets within the rest. With the
// pacer at the whole of it (and half of it for retransmissions) the lab's
// 1 Mbit/s policer still dropped a fifth of what came, leads included.
const capResend = 0.15

// capacityLocked is what the path carries: lossSplit's target once it has
// one, and GCC's at least; m.mu is held.
func (m *mediaState) capacityLocked() int {
	target := m.targetLocked()
	if m.split != nil {
		target = max(target, m.split.current())
	}
	return target
}

// ParityExtension is the ID both sides negotiated for the video parity
// extension, or 0 when the peer did not take it (or before the answer).
// Call it once the link is up; the video's RTP stream then carries
// parity packets under this ID (package screen).
func (l *Link) ParityExtension() uint8 {
	if l.cfg.noParity {
		return 0
	}
	for _, tr := range l.pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeVideo {
			continue
		}
		var exts []webrtc.RTPHeaderExtensionParameter
		if r := tr.Receiver(); r != nil {
			exts = r.GetParameters().HeaderExtensions
		}
		if s := tr.Sender(); s != nil && len(exts) == 0 {
			exts = s.GetParameters().HeaderExtensions
		}
		for _, e := range exts {
			if e.URI == ParityExtensionURI && e.ID > 0 && e.ID < 256 {
				return uint8(e.ID)
			}
		}
	}
	return 0
}

// VideoParity tells a screen sender (VideoSend) whether to send parity
// and what loss the congestion controller saw lately (GCC's average over
// the transport-wide feedback; in policed mode lossSplit's loss of lead
// packets, the path's own, which parity repairs, not the policer's, where
// parity only adds to what it drops; held as it decays over lossHoldFor,
// 0..1): screen.SenderConfig.Parity. The
// extension is looked up once it is known; a link's negotiation does not
// change it.
func (l *Link) VideoParity() (ext uint8, loss float64) {
	m := &l.media
	m.mu.Lock()
	bwe, split := m.bwe, m.split
	ext, known := m.parityExt, m.parityKnown
	m.mu.Unlock()
	if !known {
		if l.pc.RemoteDescription() == nil || l.pc.CurrentLocalDescription() == nil {
			return 0, 0
		}
		ext = l.ParityExtension()
		m.mu.Lock()
		m.parityExt, m.parityKnown = ext, true
		m.mu.Unlock()
	}
	if ext == 0 || bwe == nil {
		return ext, 0
	}
	loss, _ = bwe.GetStats()["averageLoss"].(float64)
	if _, lead, leads := split.losses(); leads >= leadMin && split.policed() {
		// The path's own loss, which parity repairs; not a policer's,
		// where parity would only add to what it drops.
		loss = lead
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lossHold = max(loss, m.lossHold*math.Exp(-now.Sub(m.lossHoldAt).Seconds()/lossHoldFor.Seconds()))
	m.lossHoldAt = now
	return ext, m.lossHold
}

// lossHoldFor is how long VideoParity remembers the loss GCC saw (the time
// constant of its decay). GCC's average follows each feedback report: on a
// screen that sends a frame a keystroke, a report holds a packet or two
// and the average swings between 0 and 1 (at 10 % loss the lab's agent
// mostly read 0 and sent no parity, while whole one-packet frames were
// lost).
const lossHoldFor = 10 * time.Second

// VideoBacklog is how long the video packets the pacer holds will take to
// leave at its rate in policed mode, 0 otherwise (VideoSend): a screen
// sender waits while it is long (screen.SenderConfig.Backlog) rather than
// queue frames that would arrive late.
func (l *Link) VideoBacklog() time.Duration {
	m := &l.media
	m.mu.Lock()
	p, split := m.pacer, m.split
	m.mu.Unlock()
	if p == nil || !split.policed() {
		return 0
	}
	return p.backlog()
}

// RequestKeyframe asks the sender for a keyframe (VideoReceive), e.g. when
// the decoder lost its reference.
func (l *Link) RequestKeyframe(t *webrtc.TrackRemote) error {
	return l.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.SSRC())}})
}

// RequestResend asks the sender to send these packets of t again (a
// generic NACK, RFC 4585), for what the NACK generator does not ask for
// by itself (VideoReceive).
func (l *Link) RequestResend(t *webrtc.TrackRemote, seqs []uint16) error {
	if len(seqs) == 0 {
		return nil
	}
	return l.pc.WriteRTCP([]rtcp.Packet{&rtcp.TransportLayerNack{
		MediaSSRC: uint32(t.SSRC()), Nacks: rtcp.NackPairsFromSequenceNumbers(seqs),
	}})
}

// pacedVideoOnly is GCC's estimator, except that the express lane's stream
// is not given to its pacer (pion's congestion control interceptor hands
// every local stream to the pacer, whose queue a key would wait behind: a
// 300 KB keyframe queued ahead of it, 250 ms), and that in policed mode
// the pacer is exact at lossSplit's target (fed from the same feedback)
// rather than pion's leaky bucket at GCC's.
type pacedVideoOnly struct {
	cc.BandwidthEstimator
	split *lossSplit
	pacer *idlePacer
}

func (p *pacedVideoOnly) AddStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if info.MimeType == ExpressMime {
		return w
	}
	var ext uint8
	for _, e := range info.RTPHeaderExtensions {
		if e.URI == sdp.TransportCCURI {
			ext = uint8(e.ID)
		}
	}
	if ext != 0 {
		// GCC's pacer calls this as each packet leaves.
		inner := w
		w = interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
			idle, _ := a[queuedIdleKey{}].(bool)
			p.split.onSent(time.Now(), h, h.MarshalSize()+len(payload), ext, idle)
			return inner.Write(h, payload, a)
		})
	}
	return p.BandwidthEstimator.AddStream(info, w)
}

// WriteRTCP hands the feedback to GCC, then to the split, and sets the
// pacer: in policed mode exact, at the split's target less capResend (GCC's
// at least), else pion's leaky bucket at GCC's.
func (p *pacedVideoOnly) WriteRTCP(pkts []rtcp.Packet, a interceptor.Attributes) error {
	err := p.BandwidthEstimator.WriteRTCP(pkts, a)
	fed := false
	for _, pkt := range pkts {
		if fb, ok := pkt.(*rtcp.TransportLayerCC); ok {
			p.split.onFeedback(time.Now(), fb)
			fed = true
		}
	}
	if fed {
		delay, _ := p.GetStats()["delayTargetBitrate"].(int)
		now := time.Now()
		own := p.split.update(now, delay)
		if own > 0 && p.split.policed() {
			p.pacer.setOwn(max(int(float64(own)*(1-capResend)/pacingFactor), p.GetTargetBitrate()))
		} else {
			p.pacer.setOwn(0)
		}
	}
	return err
}
