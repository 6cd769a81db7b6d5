package screen

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// Source is what the sender captures from; *capture.Screen implements it.
type Source interface {
	Next(ctx context.Context) (*capture.Frame, error)
}

// FrameInfo describes one sent frame.
type FrameInfo struct {
	Seq      uint64
	RTPTime  uint32 // the frame's RTP timestamp (90 kHz, as sent)
	Captured time.Time
	Bytes    int
	Keyframe bool
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	Source    Source
	Track     RTPWriter
	Codec     vpx.Codec       // VP8 if zero
	MaxFPS    int             // default 30
	Keyframes <-chan struct{} // keyframe requests from the receiver
	Bitrate   func() int      // congestion controller's target, bit/s; nil or 0 = keep
	// Parity, when set, says whether the receiver takes parity packets
	// (the negotiated extension's ID, 0 if not) and the loss the
	// congestion controller sees (0..1), from which the share of parity
	// is chosen (parity.go). The encoder's bitrate leaves room for it.
	Parity func() (ext uint8, loss float64)
	// Backlog, when set, says how long what was sent still waits to
	// leave (the link's pacer): the sender takes no new frame while it is
	// over maxBacklog, so that a path slower than the encoder's output
	// (a policed one: the target follows a step behind) delays the
	// picture by that much at most, not by a growing queue.
	Backlog func() time.Duration
	OnFrame func(FrameInfo) // called for each frame just before it is written; may be nil
	// Prepare, when set, is called once as Run starts, before the first
	// frame is asked for: it readies the source and returns the size of
	// the frames to come, and the encoder is made for that size at once.
	// Making a 1080p VP8 encoder is most of a first frame's cost (libvpx
	// clears some 55 MB); the agent's source lets no frame through before
	// the customer consents, so preparing overlaps the consent question.
	// Nothing is encoded or sent until the first frame comes. Nil: the
	// encoder is made for the first frame.
	Prepare func(ctx context.Context) (image.Point, error)
	Logger  *slog.Logger
}

// Sender runs the capture → convert → encode → send loop.
type Sender struct {
	cfg        SenderConfig
	pack       *packetizer
	enc        *vpx.Encoder
	pic        *vpx.I420
	fresh      bool // the encoder has produced nothing yet: pic holds no frame
	kbps       int
	lastGrab   time.Time // when the previous frame was taken from the source
	lastKey    time.Time // when the last keyframe was sent
	keyPending bool      // a keyframe request waits for minKeyframeGap
	lastPTS    int64
	start      time.Time
	seq        uint64
}

// NewSender checks cfg and returns a sender; Run starts it.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Source == nil || cfg.Track == nil {
		return nil, errors.New("screen sender: needs a source and a track")
	}
	if cfg.Codec == 0 {
		cfg.Codec = vpx.VP8
	}
	if cfg.MaxFPS <= 0 {
		cfg.MaxFPS = 30
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pack, err := newPacketizer(cfg.Codec)
	if err != nil {
		return nil, err
	}
	return &Sender{cfg: cfg, pack: pack}, nil
}

// Run streams until ctx ends or capture fails. It returns nil when ctx
// ends.
func (s *Sender) Run(ctx context.Context) error {
	defer s.closeEncoder()
	interval := time.Second / time.Duration(s.cfg.MaxFPS)
	s.start = time.Now()
	s.prepare(ctx)
	redo := false // the last picture was dropped by rate control: encode it again
	for {
		if err := s.pace(ctx, interval); err != nil {
			return nil
		}
		f, err := s.next(ctx, redo || s.keyPending, interval)
		if ctx.Err() != nil {
			return nil
		}
		s.lastGrab = time.Now()
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		sent, err := s.send(f, redo)
		if err != nil {
			return err
		}
		redo = !sent
	}
}

// prepare makes the encoder for the size cfg.Prepare names. A failure is
// only logged: the first frame makes the encoder then (and reports it).
func (s *Sender) prepare(ctx context.Context) {
	if s.cfg.Prepare == nil {
		return
	}
	t0 := time.Now()
	size, err := s.cfg.Prepare(ctx)
	if err == nil && ctx.Err() == nil {
		err = s.ensureEncoder(size.X, size.Y)
	}
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.cfg.Logger.Warn("prepare the screen", "err", err)
		return
	}
	// Writing the picture now maps its pages, which the first frame's
	// conversion would otherwise fault in (3 MB at 1080p, some 10 ms).
	clear(s.pic.Y)
	clear(s.pic.U)
	clear(s.pic.V)
	s.cfg.Logger.Info("encoder prepared", "took", time.Since(t0))
}

// pace waits until one frame interval has passed since the previous frame
// was taken. Pacing from the grab, not from the end of sending, keeps the
// frame rate at MaxFPS while encoding takes part of each interval.
func (s *Sender) pace(ctx context.Context, interval time.Duration) error {
	wait := time.Until(s.lastGrab.Add(interval))
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		if ctx.Err() != nil || s.cfg.Backlog == nil || s.cfg.Backlog() <= maxBacklog {
			return ctx.Err()
		}
		wait = interval / 2
	}
}

// next returns the next captured frame. It returns a nil frame, meaning
// "encode the current picture again", when a keyframe request arrives
// while the screen is still (the receiver lost something and the screen
// may never change again), or, when short is set (a dropped picture or a
// pending keyframe must go out), after one interval without a change.
func (s *Sender) next(ctx context.Context, short bool, interval time.Duration) (*capture.Frame, error) {
	wctx, cancel := context.WithCancel(ctx)
	if short {
		wctx, cancel = context.WithTimeout(ctx, interval)
	}
	defer cancel()
	requested, watched := false, make(chan struct{})
	go func() { // ends with the wait: cancel below
		defer close(watched)
		select {
		case <-s.cfg.Keyframes:
			requested = true
			cancel()
		case <-wctx.Done():
		}
	}()
	f, err := s.cfg.Source.Next(wctx)
	cancel()
	<-watched
	if requested {
		s.keyPending = true
	}
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return nil, nil
	}
	return f, err
}

// send converts f's changes and writes the encoded frame. With f nil it
// encodes the current picture again, when the last one was dropped (redo)
// or a keyframe is due. It reports false when rate control dropped it.
func (s *Sender) send(f *capture.Frame, redo bool) (bool, error) {
	forceKey := s.keyframeRequested()
	captured := time.Now()
	if f != nil {
		captured = f.Captured
		if err := s.ensureEncoder(f.Width, f.Height); err != nil {
			return false, err
		}
		forceKey = forceKey || s.fresh
		if err := s.convert(f, s.fresh); err != nil {
			return false, err
		}
	} else if s.enc == nil || s.fresh || (!redo && !forceKey) {
		// Nothing to encode again: no encoder, or one prepared ahead
		// whose picture holds no frame yet (a keyframe request before
		// consent must not send a blank one).
		return true, nil
	}
	ext, ratio := s.parity()
	s.followBitrate(ratio)
	pts := s.pts(captured)
	frame, key, err := s.enc.Encode(s.pic, pts, forceKey)
	if err != nil {
		return false, fmt.Errorf("encode: %w", err)
	}
	if frame == nil {
		return false, nil
	}
	s.fresh = false
	ts := s.pack.timestamp(pts)
	s.seq++
	if key {
		s.lastKey = time.Now()
		s.cfg.Logger.Debug("keyframe", "bytes", len(frame), "kbps", s.kbps)
	}
	// Announce the frame before its packets leave, so that the receiver
	// knows its capture time when it decodes it.
	if s.cfg.OnFrame != nil {
		s.cfg.OnFrame(FrameInfo{Seq: s.seq, RTPTime: ts, Captured: captured, Bytes: len(frame), Keyframe: key})
	}
	if err := s.pack.write(s.cfg.Track, frame, ts, ext, ratio); err != nil {
		return false, fmt.Errorf("send frame: %w", err)
	}
	return true, nil
}

// pts is the capture time in 90 kHz ticks since the sender started,
// strictly increasing as the encoder requires.
func (s *Sender) pts(captured time.Time) int64 {
	pts := int64(captured.Sub(s.start)) * vpx.ClockRate / int64(time.Second)
	if pts <= s.lastPTS {
		pts = s.lastPTS + 1
	}
	s.lastPTS = pts
	return pts
}

// minKeyframeGap is the shortest time between keyframes sent on request.
// Requests (PLI) that come sooner are held until then: a receiver that
// asks again while the last keyframe is still crossing a slow link would
// otherwise get keyframe after keyframe and never a whole one.
const minKeyframeGap = time.Second

func (s *Sender) keyframeRequested() bool {
	if !s.keyPending {
		select {
		case <-s.cfg.Keyframes:
			s.keyPending = true
		default:
		}
	}
	if s.keyPending && time.Since(s.lastKey) >= minKeyframeGap {
		s.keyPending = false
		return true
	}
	return false
}

// ensureEncoder (re)creates the encoder and picture for w×h frames unless
// they have that size; after a new one, the next frame is converted whole
// and encoded as a keyframe (fresh).
func (s *Sender) ensureEncoder(w, h int) error {
	if s.enc != nil && s.pic.Width == w && s.pic.Height == h {
		return nil
	}
	s.closeEncoder()
	if s.kbps == 0 {
		s.kbps = 4000
	}
	enc, err := vpx.NewEncoder(vpx.Config{Codec: s.cfg.Codec, Width: w, Height: h, BitrateKbps: s.kbps, FPS: s.cfg.MaxFPS})
	if err != nil {
		return fmt.Errorf("new encoder %dx%d: %w", w, h, err)
	}
	s.enc, s.pic, s.fresh = enc, vpx.NewI420(w, h), true
	s.cfg.Logger.Info("encoder ready", "width", w, "height", h, "kbps", s.kbps)
	return nil
}

func (s *Sender) closeEncoder() {
	if s.enc != nil {
		s.enc.Close()
		s.enc = nil
	}
}

// convert brings the I420 picture up to date with f: everything after a
// size change, otherwise only the dirty rectangles.
func (s *Sender) convert(f *capture.Frame, whole bool) error {
	if whole {
		return vpx.BGRXToI420(s.pic, f.Pix, f.Stride)
	}
	for _, r := range f.Dirty {
		if _, err := vpx.BGRXToI420Rect(s.pic, f.Pix, f.Stride, r); err != nil {
			return fmt.Errorf("convert %v: %w", r, err)
		}
	}
	return nil
}

// maxBacklog is how long what was sent may still wait to leave before the
// sender takes a new frame (SenderConfig.Backlog).
const maxBacklog = 100 * time.Millisecond

// parity returns the negotiated parity extension and the share of parity
// packets for the loss now seen (0, 0 without parity).
func (s *Sender) parity() (uint8, float64) {
	if s.cfg.Parity == nil {
		return 0, 0
	}
	ext, loss := s.cfg.Parity()
	if ext == 0 {
		return 0, 0
	}
	return ext, parityRatio(loss)
}

// ParityPackets counts the parity packets sent so far.
func (s *Sender) ParityPackets() int64 { return s.pack.parity.Load() }

// followBitrate moves the encoder to 90 % of the congestion controller's
// estimate (headroom for RTP and retransmissions), less the parity's share
// (a ratio r of parity packets takes r/(1+r) of the rate), when it changed
// by more than a tenth.
func (s *Sender) followBitrate(ratio float64) {
	if s.cfg.Bitrate == nil {
		return
	}
	target := int(float64(s.cfg.Bitrate()*9/10/1000) / (1 + ratio))
	if target <= 0 || abs(target-s.kbps)*10 < s.kbps {
		return
	}
	if err := s.enc.SetBitrate(target); err != nil {
		s.cfg.Logger.Warn("set bitrate", "kbps", target, "err", err)
		return
	}
	s.kbps = target
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
