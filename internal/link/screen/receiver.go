package screen

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// RTPReader delivers RTP packets; *webrtc.TrackRemote implements it.
type RTPReader interface {
	ReadRTP() (*rtp.Packet, interceptor.Attributes, error)
}

// ReceiverConfig configures a Receiver.
type ReceiverConfig struct {
	Track RTPReader
	Codec vpx.Codec // VP8 if zero
	// RequestKeyframe asks the sender for a keyframe (a PLI).
	RequestKeyframe func() error
	// RequestResend, when set, asks the sender to send these packets
	// again (a NACK). The receiver uses it for what comes before the
	// first packet it sees, which nothing else asks for: see
	// startBacklog.
	RequestResend func(seqs []uint16) error
	// OnFrame receives each decoded picture, valid only during the call,
	// with the RTP timestamp of its frame.
	OnFrame func(pic *vpx.I420, rtpTime uint32)
	// ParityExtension is the negotiated ID of the parity extension
	// (peer.ParityExtensionURI); 0: the sender sends no parity.
	ParityExtension uint8
	Logger          *slog.Logger
}

// keyframeRetry spaces keyframe requests while waiting for one: long
// enough for a large keyframe to cross a slow link before it is asked for
// again.
const keyframeRetry = time.Second

// startBacklog is how many sequence numbers before the first packet the
// receiver asks for again. The NACK generator only asks for gaps after
// the first packet it saw, so when the stream's first packets are lost
// (the first keyframe's start, one stream in five at 20 % loss) nothing
// repairs them: the keyframe was given up after keyHold and a new one
// asked for, a second or more without a picture at the start. Asking for
// the 64 numbers before costs one small NACK; the sender resends only
// those it sent (its history holds nothing older).
const startBacklog = 64

// Receiver turns the video track back into pictures.
type Receiver struct {
	cfg      ReceiverConfig
	asm      assembler
	dec      *vpx.Decoder
	needKey  bool
	lastPLI  time.Time
	decoded  atomic.Int64
	dropped  atomic.Int64
	bytes    atomic.Int64
	rebuilt  atomic.Int64
	fec      *rebuilder // nil without parity
	started  bool       // a packet came: the backlog was asked for
	firstSeq uint16     // the earliest sequence number seen
	askedAt  time.Time  // when the backlog was last asked for
	early    int        // packets that came from before the first one seen
}

// Rebuilt counts the packets rebuilt from parity so far.
func (r *Receiver) Rebuilt() int64 { return r.rebuilt.Load() }

// Bytes counts RTP payload bytes received so far.
func (r *Receiver) Bytes() int64 { return r.bytes.Load() }

// Decoded and Dropped count the frames decoded and given up so far.
func (r *Receiver) Decoded() int64 { return r.decoded.Load() }

// Dropped counts frames given up (lost beyond repair).
func (r *Receiver) Dropped() int64 { return r.dropped.Load() }

// NewReceiver returns a receiver for cfg; Run starts it.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	if cfg.Track == nil || cfg.OnFrame == nil {
		return nil, errors.New("screen receiver: needs a track and a frame callback")
	}
	if cfg.Codec == 0 {
		cfg.Codec = vpx.VP8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RequestKeyframe == nil {
		cfg.RequestKeyframe = func() error { return nil }
	}
	dec, err := vpx.NewDecoder(cfg.Codec)
	if err != nil {
		return nil, fmt.Errorf("screen receiver: %w", err)
	}
	r := &Receiver{cfg: cfg, asm: assembler{codec: cfg.Codec}, dec: dec, needKey: true}
	if cfg.ParityExtension != 0 {
		r.fec = &rebuilder{}
	}
	return r, nil
}

// Run reads the track until it ends (the link closed) and returns nil
// then.
func (r *Receiver) Run() error {
	defer r.dec.Close()
	// No request at start: the sender's first frame is a keyframe, and a
	// request while it is still arriving would only make the sender start
	// another one (on a slow link, over and over).
	dl, _ := r.cfg.Track.(interface{ SetReadDeadline(time.Time) error })
	for {
		if dl != nil {
			// While a frame waits for a repair, wake up to give it up
			// even if no packet comes (a still screen sends none).
			var at time.Time
			if r.asm.waiting() {
				at = time.Now().Add(holdFor / 2)
			}
			dl.SetReadDeadline(at)
		}
		p, _, err := r.cfg.Track.ReadRTP()
		var ne net.Error
		r.asm.awaitKey = r.needKey
		if errors.As(err, &ne) && ne.Timeout() {
			r.deliver(r.asm.drain())
			continue
		}
		if err != nil {
			return nil
		}
		r.bytes.Add(int64(len(p.Payload)))
		r.backlog(p.SequenceNumber)
		r.take(p)
	}
}

// take hands a packet to the assembler, and with parity, what it lets
// parity rebuild; a parity packet itself goes only to the rebuilder.
func (r *Receiver) take(p *rtp.Packet) {
	if r.fec == nil {
		r.deliver(r.asm.push(p))
		return
	}
	var rebuilt []*rtp.Packet
	if x := p.GetExtension(r.cfg.ParityExtension); x != nil {
		if len(x) == 1 && x[0] == parityVersion {
			rebuilt = r.fec.parity(p.Payload)
		}
	} else {
		rebuilt = r.fec.media(p)
		r.deliver(r.asm.push(p))
	}
	for _, q := range rebuilt {
		r.rebuilt.Add(1)
		r.deliver(r.asm.push(q))
	}
}

// deliver decodes frames the assembler handed out, after noting frames it
// gave up (which calls for a keyframe).
func (r *Receiver) deliver(frames []ready, lost bool) {
	if lost {
		r.dropped.Add(1)
		r.cfg.Logger.Debug("frame given up", "dropped", r.dropped.Load(), "frame", r.asm.gaveUp, "first_seq", r.firstSeq)
		r.needKey = true
		r.requestKeyframe()
	}
	for _, f := range frames {
		r.handle(f.frame, f.ts)
	}
}

func (r *Receiver) handle(frame []byte, ts uint32) {
	if r.needKey && !isKeyframe(r.cfg.Codec, frame) {
		r.requestKeyframe()
		return
	}
	pic, err := r.dec.Decode(frame)
	if err != nil {
		r.cfg.Logger.Warn("decode", "err", err)
		r.needKey = true
		r.requestKeyframe()
		return
	}
	r.needKey = false
	if pic == nil {
		return
	}
	r.decoded.Add(1)
	r.cfg.OnFrame(pic, ts)
}

// backlog asks for the numbers before the first packet, at the first
// packet and again every backlogRetry while the first frame still lacks
// its start (the request or the resend may be lost too).
func (r *Receiver) backlog(seq uint16) {
	switch {
	case !r.started:
		r.started, r.firstSeq = true, seq
	case int16(seq-r.firstSeq) < 0:
		r.firstSeq = seq
		r.early++
		if r.early == 1 {
			r.cfg.Logger.Debug("a packet from before the first one came", "seq", seq)
		}
		return
	case !r.asm.startMissing() || time.Since(r.askedAt) < backlogRetry:
		return
	}
	r.askedAt = time.Now()
	r.askBacklog(r.firstSeq)
}

// backlogRetry spaces requests for the stream's start: about a NACK
// generator's interval.
const backlogRetry = 100 * time.Millisecond

// askBacklog asks for the startBacklog sequence numbers before first.
func (r *Receiver) askBacklog(first uint16) {
	if r.cfg.RequestResend == nil {
		return
	}
	seqs := make([]uint16, startBacklog)
	for i := range seqs {
		seqs[i] = first - startBacklog + uint16(i)
	}
	if err := r.cfg.RequestResend(seqs); err != nil {
		r.cfg.Logger.Debug("resend request", "err", err)
	}
}

// requestKeyframe sends a PLI, at most once per keyframeRetry.
func (r *Receiver) requestKeyframe() {
	if time.Since(r.lastPLI) < keyframeRetry {
		return
	}
	r.lastPLI = time.Now()
	r.cfg.Logger.Debug("keyframe request")
	if err := r.cfg.RequestKeyframe(); err != nil {
		r.cfg.Logger.Debug("keyframe request", "err", err)
	}
}
