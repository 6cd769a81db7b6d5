package screen

import (
	"context"
	"image"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// fakeScreen is a capture source whose picture the test paints.
type fakeScreen struct {
	frames chan *capture.Frame
}

func (f *fakeScreen) Next(ctx context.Context) (*capture.Frame, error) {
	select {
	case fr := <-f.frames:
		return fr, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// paint returns a w×h BGRX frame filled with (b,g,r) and a white square at
// (x,y), marked dirty everywhere.
func paint(w, h int, b, g, r byte, x, y int) *capture.Frame {
	pix := make([]byte, w*h*4)
	for i := 0; i < len(pix); i += 4 {
		pix[i], pix[i+1], pix[i+2] = b, g, r
	}
	for yy := y; yy < y+32 && yy < h; yy++ {
		for xx := x; xx < x+32 && xx < w; xx++ {
			o := yy*w*4 + xx*4
			pix[o], pix[o+1], pix[o+2] = 255, 255, 255
		}
	}
	return &capture.Frame{Pix: pix, Stride: w * 4, Width: w, Height: h, Dirty: []image.Rectangle{image.Rect(0, 0, w, h)}, Captured: time.Now()}
}

// pipe carries RTP packets from sender to receiver, dropping those for
// which drop returns true.
type pipe struct {
	mu       sync.Mutex
	ch       chan *rtp.Packet
	drop     func(*rtp.Packet) bool
	sent     int
	deadline time.Time // of the next read, as a track's SetReadDeadline
}

// SetReadDeadline makes ReadRTP give up at t (zero: never), as a remote
// track's does: the receiver wakes so to give up a frame it holds.
func (p *pipe) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deadline = t
	return nil
}

func newPipe() *pipe { return &pipe{ch: make(chan *rtp.Packet, 4096)} }

func (p *pipe) WriteRTP(pkt *rtp.Packet) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent++
	if p.drop != nil && p.drop(pkt) {
		return nil
	}
	c := *pkt
	c.Payload = append([]byte(nil), pkt.Payload...)
	p.ch <- &c
	return nil
}

func (p *pipe) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

func (p *pipe) ReadRTP() (*rtp.Packet, interceptor.Attributes, error) {
	p.mu.Lock()
	deadline := p.deadline
	p.mu.Unlock()
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case pkt, ok := <-p.ch:
		if !ok {
			return nil, nil, context.Canceled
		}
		return pkt, nil, nil
	case <-timeout:
		return nil, nil, os.ErrDeadlineExceeded
	}
}

type decoded struct {
	y   byte // luma at the square's centre
	bg  byte // luma of the background
	rtp uint32
}

func TestSendReceive(t *testing.T) {
	src := &fakeScreen{frames: make(chan *capture.Frame)}
	p := newPipe()
	keyframes := make(chan struct{}, 1)
	var infos []FrameInfo
	var infoMu sync.Mutex
	snd, err := NewSender(SenderConfig{Source: src, Track: p, Keyframes: keyframes, MaxFPS: 60,
		OnFrame: func(fi FrameInfo) { infoMu.Lock(); infos = append(infos, fi); infoMu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan decoded, 64)
	var sqMu sync.Mutex
	sq := image.Point{}
	setSquare := func(x, y int) { sqMu.Lock(); sq = image.Pt(x, y); sqMu.Unlock() }
	rcv, err := NewReceiver(ReceiverConfig{Track: p,
		RequestKeyframe: func() error {
			select {
			case keyframes <- struct{}{}:
			default:
			}
			return nil
		},
		OnFrame: func(pic *vpx.I420, ts uint32) {
			sqMu.Lock()
			defer sqMu.Unlock()
			select { // never block the receiver once the test stops reading
			case got <- decoded{y: pic.Y[(sq.Y+16)*pic.StrideY+sq.X+16], bg: pic.Y[4*pic.StrideY+4], rtp: ts}:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sent := make(chan error, 1)
	go func() { sent <- snd.Run(ctx) }()
	rcvDone := make(chan error, 1)
	go func() { rcvDone <- rcv.Run() }()
	defer func() {
		cancel()
		<-sent
		close(p.ch)
		<-rcvDone
	}()

	expect := func(what string, bright bool) decoded {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case d := <-got:
				if (d.y > 200) == bright && d.bg < 60 {
					return d
				}
			case <-timeout:
				t.Fatalf("%s: no matching frame decoded", what)
			}
		}
	}
	// A dark-blue screen with a white square at (64,64).
	setSquare(64, 64)
	src.frames <- paint(320, 240, 90, 20, 10, 64, 64)
	d := expect("first frame", true)
	infoMu.Lock()
	first := infos[0]
	infoMu.Unlock()
	if !first.Keyframe || first.RTPTime != d.rtp {
		t.Fatalf("first frame info %+v, decoded rtp %d", first, d.rtp)
	}

	// Idle: nothing is sent.
	n := p.count()
	time.Sleep(200 * time.Millisecond)
	if m := p.count(); m != n {
		t.Fatalf("%d packets sent while the screen was idle", m-n)
	}

	// The square moves; the receiver sees it at the new place. Lose every
	// packet of the next frame: the receiver must ask for a keyframe and
	// recover.
	p.mu.Lock()
	lostTS := uint32(0)
	p.drop = func(pkt *rtp.Packet) bool {
		if lostTS == 0 {
			lostTS = pkt.Timestamp
		}
		return pkt.Timestamp == lostTS
	}
	p.mu.Unlock()
	src.frames <- paint(320, 240, 90, 20, 10, 160, 120)
	src.frames <- paint(320, 240, 90, 20, 10, 200, 120)
	setSquare(200, 120)
	expect("after loss", true)
	if rcv.Dropped() == 0 && rcv.Decoded() < 2 {
		t.Fatal("loss not noticed")
	}
}

func TestAssemblerOrder(t *testing.T) {
	var pk packetizer
	pk.payloader = &codecs.VP8Payloader{EnablePictureID: true}
	frame := make([]byte, 5000)
	for i := range frame {
		frame[i] = byte(i)
	}
	frame[0] = 0 // keyframe bit
	var pkts []*rtp.Packet
	w := writerFunc(func(p *rtp.Packet) error {
		c := *p
		c.Payload = append([]byte(nil), p.Payload...)
		pkts = append(pkts, &c)
		return nil
	})
	if err := pk.write(w, frame, 1234, 0, 0); err != nil {
		t.Fatal(err)
	}
	if len(pkts) < 5 {
		t.Fatalf("%d packets", len(pkts))
	}
	// Deliver in reverse order: the frame completes on the last delivery.
	a := assembler{codec: vpx.VP8}
	for i := len(pkts) - 1; i >= 0; i-- {
		out, lost := a.push(pkts[i])
		if i > 0 && out != nil {
			t.Fatalf("frame complete with %d packets missing", i)
		}
		if i == 0 {
			if len(out) != 1 || out[0].ts != 1234 || lost || string(out[0].frame) != string(frame) {
				t.Fatalf("reassembled %v, lost %v", out, lost)
			}
		}
	}
	if !isKeyframe(vpx.VP8, frame) {
		t.Fatal("keyframe bit not seen")
	}
}

type writerFunc func(*rtp.Packet) error

func (f writerFunc) WriteRTP(p *rtp.Packet) error { return f(p) }

// TestKeyframeRequests: a request on a still screen gets a keyframe of
// the current picture (nothing else would ever repair the receiver), and
// a burst of requests gets one keyframe, not one each.
func TestKeyframeRequests(t *testing.T) {
	src := &fakeScreen{frames: make(chan *capture.Frame)}
	keyframes := make(chan struct{}, 1)
	infos := make(chan FrameInfo, 64)
	snd, err := NewSender(SenderConfig{Source: src, Track: writerFunc(func(*rtp.Packet) error { return nil }),
		Keyframes: keyframes, OnFrame: func(fi FrameInfo) { infos <- fi }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- snd.Run(ctx) }()
	defer func() { cancel(); <-done }()

	src.frames <- paint(64, 48, 1, 2, 3, 0, 0)
	if fi := <-infos; !fi.Keyframe {
		t.Fatal("first frame is not a keyframe")
	}
	keyframes <- struct{}{}
	select {
	case fi := <-infos:
		if !fi.Keyframe {
			t.Fatalf("answer to a keyframe request: %+v", fi)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a keyframe request on a still screen went unanswered")
	}
	// A burst right after: at most one more keyframe in the next 800 ms.
	start := time.Now()
	for range 5 {
		select {
		case keyframes <- struct{}{}:
		default:
		}
		time.Sleep(20 * time.Millisecond)
	}
	keys := 0
	for time.Since(start) < 800*time.Millisecond {
		select {
		case fi := <-infos:
			if fi.Keyframe {
				keys++
			}
		case <-time.After(50 * time.Millisecond):
		}
	}
	if keys > 0 {
		t.Fatalf("%d keyframes within 800 ms of the last one: requests are not held", keys)
	}
}

// testPayloader numbers the frames framePackets makes, one picture ID
// after another in the order they are made, as a sender's would.
var testPayloader = &codecs.VP8Payloader{EnablePictureID: true}

// framePackets packetizes a size-byte frame stamped ts from sequence number
// seq: a VP8 delta frame, or a keyframe when key is set (the first byte's
// inverted P bit).
func framePackets(ts uint32, seq uint16, size int, key bool) []*rtp.Packet {
	var pk packetizer
	pk.payloader = testPayloader
	pk.seq = seq
	frame := make([]byte, size)
	if !key {
		frame[0] = 1
	}
	var out []*rtp.Packet
	pk.write(writerFunc(func(p *rtp.Packet) error {
		c := *p
		c.Payload = append([]byte(nil), p.Payload...)
		out = append(out, &c)
		return nil
	}), frame, ts, 0, 0)
	return out
}

// TestAssemblerHoldsForRepair: a frame missing a packet holds back the
// complete frame behind it while a retransmission may still come; the
// repair releases both in order, and without it the hole is given up
// after holdFor.
func TestAssemblerHoldsForRepair(t *testing.T) {
	for _, repaired := range []bool{true, false} {
		now := time.Unix(0, 0)
		a := assembler{codec: vpx.VP8, now: func() time.Time { return now }}
		first, second := framePackets(100, 10, 3000, false), framePackets(200, 20, 3000, false)
		missing := first[1]
		for i, p := range first {
			if i != 1 {
				if out, _ := a.push(p); out != nil {
					t.Fatal("incomplete frame handed out")
				}
			}
		}
		for _, p := range second {
			if out, lost := a.push(p); out != nil || lost {
				t.Fatalf("frame behind a hole handed out early: %v %v", out, lost)
			}
		}
		now = now.Add(holdFor / 2)
		if repaired {
			out, lost := a.push(missing)
			if lost || len(out) != 2 || out[0].ts != 100 || out[1].ts != 200 {
				t.Fatalf("after repair: %d frames, lost %v", len(out), lost)
			}
			continue
		}
		now = now.Add(holdFor)
		out, lost := a.push(second[0]) // any packet drives the clock check
		if !lost || len(out) != 1 || out[0].ts != 200 {
			t.Fatalf("after the hold: %d frames, lost %v", len(out), lost)
		}
		if out, _ := a.push(missing); out != nil {
			t.Fatal("a given-up frame came back")
		}
	}
}

// TestAssemblerHoldCountsFromBlocking: the hold starts when a later frame
// is complete, not at the frame's first packet. A frame whose packets the
// pacer spread over more than holdFor (a low bitrate) is not given up the
// moment the next frame completes, so its repair, which comes after its
// last packet, still counts.
func TestAssemblerHoldCountsFromBlocking(t *testing.T) {
	now := time.Unix(0, 0)
	a := assembler{codec: vpx.VP8, now: func() time.Time { return now }}
	first, second := framePackets(100, 10, 6000, false), framePackets(200, 30, 1000, false)
	missing := first[1]
	for i, p := range first {
		if i != 1 {
			a.push(p)
			now = now.Add(holdFor / 2) // paced out slowly
		}
	}
	for _, p := range second {
		if out, lost := a.push(p); out != nil || lost {
			t.Fatalf("a frame paced out slowly was given up as the next completed: %v, lost %v", out, lost)
		}
	}
	now = now.Add(holdFor * 3 / 4)
	out, lost := a.push(missing)
	if lost || len(out) != 2 {
		t.Fatalf("after the repair: %d frames, lost %v", len(out), lost)
	}
}

// TestAssemblerKeyframeHold: an incomplete keyframe is held for keyHold,
// not holdFor (giving it up costs another keyframe, a second or more away),
// and while the decoder waits for a keyframe an incomplete delta frame is
// dropped at once, without counting as lost, instead of holding back the
// frames behind it.
func TestAssemblerKeyframeHold(t *testing.T) {
	t.Run("keyframe", func(t *testing.T) {
		now := time.Unix(0, 0)
		a := assembler{codec: vpx.VP8, now: func() time.Time { return now }}
		key, next := framePackets(100, 10, 6000, true), framePackets(200, 30, 1000, false)
		for i, p := range key {
			if i != 2 {
				a.push(p)
			}
		}
		for _, p := range next {
			a.push(p)
		}
		now = now.Add(2 * holdFor)
		if out, lost := a.drain(); out != nil || lost {
			t.Fatalf("keyframe given up after %v: %v, lost %v", 2*holdFor, out, lost)
		}
		now = now.Add(keyHold)
		if out, lost := a.drain(); !lost || len(out) != 1 || out[0].ts != 200 {
			t.Fatalf("keyframe held past keyHold: %d frames, lost %v", len(out), lost)
		}
	})
	t.Run("delta while waiting for a keyframe", func(t *testing.T) {
		now := time.Unix(0, 0)
		a := assembler{codec: vpx.VP8, now: func() time.Time { return now }, awaitKey: true}
		delta, key := framePackets(100, 10, 3000, false), framePackets(200, 20, 3000, true)
		for i, p := range delta {
			if i != 1 {
				a.push(p)
			}
		}
		var out []ready
		var lost bool
		for _, p := range key {
			o, l := a.push(p)
			out, lost = append(out, o...), lost || l
		}
		if lost || len(out) != 1 || out[0].ts != 200 || !isKeyframe(vpx.VP8, out[0].frame) {
			t.Fatalf("keyframe behind an incomplete delta: %d frames, lost %v", len(out), lost)
		}
	})
	t.Run("unknown frame ahead of a keyframe while waiting for one", func(t *testing.T) {
		now := time.Unix(0, 0)
		a := assembler{codec: vpx.VP8, now: func() time.Time { return now }, awaitKey: true}
		head, key := framePackets(100, 10, 3000, false), framePackets(200, 20, 3000, true)
		for _, p := range head[1:] { // its first packet, which says delta, is missing
			a.push(p)
		}
		var out []ready
		var lost bool
		for _, p := range key {
			o, l := a.push(p)
			out, lost = append(out, o...), lost || l
		}
		if lost || len(out) != 1 || out[0].ts != 200 {
			t.Fatalf("complete keyframe held back by a frame of unknown type: %d frames, lost %v", len(out), lost)
		}
	})
}

// TestAssemblerLateHeadHoldsAfresh: a frame older than the held head,
// whose first packet comes late (its others were lost and are being
// repaired), becomes the head with a hold of its own, not the rest of the
// previous head's.
func TestAssemblerLateHeadHoldsAfresh(t *testing.T) {
	now := time.Unix(0, 0)
	a := assembler{codec: vpx.VP8, now: func() time.Time { return now }}
	late, held, next := framePackets(100, 10, 3000, false), framePackets(200, 20, 3000, false), framePackets(300, 30, 1000, false)
	for _, p := range held[1:] {
		a.push(p)
	}
	for _, p := range next {
		a.push(p) // the hold of frame 200 starts
	}
	now = now.Add(holdFor * 9 / 10)
	if out, lost := a.push(late[0]); out != nil || lost {
		t.Fatalf("late frame: %d frames, lost %v", len(out), lost)
	}
	now = now.Add(holdFor / 5)
	if out, lost := a.drain(); out != nil || lost {
		t.Fatalf("a late head was given up on the previous head's hold: %d frames, lost %v", len(out), lost)
	}
	now = now.Add(holdFor)
	if out, lost := a.drain(); !lost {
		t.Fatalf("the late head outlived its own hold: %d frames, lost %v", len(out), lost)
	}
}

// TestAssemblerWholeFrameLost: a frame none of whose packets came (a
// one-packet frame's only packet lost) leaves no hole inside any frame,
// but the next frame's picture ID shows it: that delta frame waits for the
// repair and, without one, is given up after holdFor (the decoder would
// otherwise decode it on a reference it never had: a wrong picture, keys
// typed at 10 % loss never showing). A keyframe after the gap needs
// nothing before it.
func TestAssemblerWholeFrameLost(t *testing.T) {
	for _, c := range []struct {
		name     string
		repaired bool
		key      bool
	}{{"repaired", true, false}, {"never repaired", false, false}, {"keyframe after", false, true}} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Unix(0, 0)
			a := assembler{codec: vpx.VP8, now: func() time.Time { return now }}
			f1, f2, f3 := framePackets(100, 10, 500, true), framePackets(200, 11, 500, false), framePackets(300, 12, 500, c.key)
			if out, _ := a.push(f1[0]); len(out) != 1 {
				t.Fatal("first frame not handed out")
			}
			out, lost := a.push(f3[0]) // f2 lost whole
			if c.key {
				if len(out) != 1 || lost {
					t.Fatalf("keyframe after a lost frame: %d out, lost %v", len(out), lost)
				}
				return
			}
			if out != nil || lost || !a.waiting() {
				t.Fatalf("delta after a lost frame handed out at once: %d, lost %v, waiting %v", len(out), lost, a.waiting())
			}
			now = now.Add(holdFor / 2)
			if c.repaired {
				out, lost = a.push(f2[0]) // the retransmission
				if len(out) != 2 || lost || out[0].ts != 200 || out[1].ts != 300 {
					t.Fatalf("after the repair: %v, lost %v", out, lost)
				}
				return
			}
			if out, lost = a.drain(); out != nil || lost {
				t.Fatal("given up before holdFor")
			}
			now = now.Add(holdFor)
			out, lost = a.drain()
			if out != nil || !lost {
				t.Fatalf("after holdFor: %d frames out, lost %v; want none, lost", len(out), lost)
			}
		})
	}
}

// TestReceiverAsksForStart: when the stream's first packets are lost (the
// first keyframe's start), the receiver asks for the numbers before the
// first packet it saw, again while the request goes unanswered (lost),
// and the resent start completes the keyframe: no keyframe request, no
// frame given up. Without RequestResend the same loss costs a keyframe
// request (what the lab saw at 20 % loss: a second without a picture at
// the start).
func TestReceiverAsksForStart(t *testing.T) {
	for _, c := range []struct {
		resend    bool
		loseFirst bool // the first request goes unanswered
	}{{true, false}, {true, true}, {false, false}} {
		resend := c.resend
		p := newPipe()
		history := map[uint16]*rtp.Packet{}
		dropped := 0
		seen, firstSeen := false, uint16(0)
		p.drop = func(pkt *rtp.Packet) bool { // p.mu is held
			c := *pkt
			c.Payload = append([]byte(nil), pkt.Payload...)
			history[pkt.SequenceNumber] = &c
			if dropped < 2 {
				dropped++
				return true
			}
			if !seen {
				seen, firstSeen = true, pkt.SequenceNumber
			}
			return false
		}
		var asked [][]uint16
		var keyRequests int
		var mu sync.Mutex
		cfg := ReceiverConfig{Track: p,
			RequestKeyframe: func() error { mu.Lock(); keyRequests++; mu.Unlock(); return nil },
			OnFrame:         func(*vpx.I420, uint32) {}}
		if resend {
			cfg.RequestResend = func(seqs []uint16) error {
				mu.Lock()
				asked = append(asked, slices.Clone(seqs))
				lose := c.loseFirst && len(asked) == 1
				mu.Unlock()
				if lose {
					return nil
				}
				p.mu.Lock()
				defer p.mu.Unlock()
				for _, s := range seqs {
					if h := history[s]; h != nil {
						p.ch <- h
					}
				}
				return nil
			}
		}
		rcv, err := NewReceiver(cfg)
		if err != nil {
			t.Fatal(err)
		}
		snd, err := NewSender(SenderConfig{Source: &fakeScreen{frames: make(chan *capture.Frame)}, Track: p, MaxFPS: 30})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- rcv.Run() }()
		// A noisy picture: a keyframe of many packets, then deltas.
		frame := paint(320, 240, 90, 20, 10, 64, 64)
		for i := range frame.Pix {
			frame.Pix[i] = byte(i * 7919 >> 3)
		}
		snd.ensureEncoder(320, 240)
		for i := range 12 {
			frame.Pix[i*4] ^= 0xff
			frame.Captured = time.Now()
			if _, err := snd.send(frame, false); err != nil {
				t.Fatal(err)
			}
			time.Sleep(30 * time.Millisecond)
		}
		deadline := time.Now().Add(5 * time.Second)
		for rcv.Decoded() < 12 && rcv.Dropped() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(keyHold + 200*time.Millisecond) // long enough for a give-up
		close(p.ch)
		<-done
		mu.Lock()
		t.Logf("%+v: decoded %d, given up %d, keyframe requests %d, asked %d times", c, rcv.Decoded(), rcv.Dropped(), keyRequests, len(asked))
		if resend {
			want := 1
			if c.loseFirst {
				want = 2
			}
			if len(asked) != want {
				t.Fatalf("asked %d times, want %d", len(asked), want)
			}
			for _, a := range asked {
				if len(a) != startBacklog || a[startBacklog-1]+1 != firstSeen {
					t.Fatalf("asked for %v, want the %d numbers before the first packet each time", a, startBacklog)
				}
			}
			if rcv.Decoded() != 12 || rcv.Dropped() != 0 || keyRequests != 0 {
				t.Fatalf("with the start resent: decoded %d of 12, given up %d, keyframe requests %d", rcv.Decoded(), rcv.Dropped(), keyRequests)
			}
		} else if keyRequests == 0 || rcv.Decoded() == 12 {
			t.Fatalf("without resends the lost start went unnoticed: decoded %d, keyframe requests %d", rcv.Decoded(), keyRequests)
		}
		mu.Unlock()
	}
}

// TestSenderWaitsOutBacklog: while the link's pacer holds more than
// maxBacklog (policed mode), the sender takes no new frame, looking again
// every half interval; with no Backlog, or once it clears, it goes on; a
// backlog that never clears ends with the context.
func TestSenderWaitsOutBacklog(t *testing.T) {
	calls := 0
	s := &Sender{cfg: SenderConfig{Backlog: func() time.Duration {
		calls++
		if calls < 4 {
			return 3 * maxBacklog
		}
		return maxBacklog
	}}}
	if err := s.pace(context.Background(), 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if calls != 4 {
		t.Errorf("backlog looked at %d times, want 4 (three over, then at the limit)", calls)
	}
	s = &Sender{cfg: SenderConfig{Backlog: func() time.Duration { return time.Hour }}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.pace(ctx, 10*time.Millisecond); err == nil {
		t.Error("a backlog that never clears: pace returned without the context ending")
	}
	if err := (&Sender{}).pace(context.Background(), 10*time.Millisecond); err != nil {
		t.Errorf("no Backlog: %v", err)
	}
}
