package peer

import (
	"bytes"
	"context"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"
)

// TestVideo sends "frames" over the video track in each arrangement — the
// agent answering and sending its screen (the product's default), the
// offerer sending, and both sending at once on one transceiver (the
// technician demonstrating while the agent's track stays) — and checks they
// arrive in order as VP8 over SRTP, and that a keyframe request reaches the
// sender.
func TestVideo(t *testing.T) {
	for _, c := range []struct {
		name     string
		off, ans VideoDirection
	}{
		{"answerer sends", VideoReceive, VideoSend},
		{"offerer sends", VideoSend, VideoReceive},
		{"both ways", VideoBoth, VideoBoth},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: portRestrict, nat1: fullCone})
			ctx := testContext(t, 30*time.Second)
			off := Config{Net: w.net0, ICEServers: iceServers(t), Video: c.off}
			ans := Config{Net: w.net1, ICEServers: iceServers(t), Video: c.ans}
			p := newPair(t, off, ans, nil)
			p.connect(ctx, t)
			for _, dir := range []struct{ sender, receiver *Link }{{p.ans, p.off}, {p.off, p.ans}} {
				if dir.sender.VideoTrack() == nil {
					if dir.receiver.VideoTrack() == nil {
						t.Fatal("no side has a video track")
					}
					continue
				}
				checkVideoFlow(ctx, t, dir.sender, dir.receiver)
			}
		})
	}
}

func checkVideoFlow(ctx context.Context, t *testing.T, sender, receiver *Link) {
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		frame := make([]byte, 100)
		var vp8 codecs.VP8Payloader
		for i := uint32(0); ; i++ {
			binary.BigEndian.PutUint32(frame, i)
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(i), Timestamp: i * 900},
				Payload: vp8.Payload(1200, frame)[0]}
			if err := sender.VideoTrack().WriteRTP(pkt); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	defer func() { close(stop); <-sent }()

	var track *webrtc.TrackRemote
	select {
	case track = <-receiver.RemoteVideo():
	case <-ctx.Done():
		t.Fatal("no remote video track arrived")
	}
	if track.Codec().MimeType != CodecVP8 {
		t.Fatalf("codec %s, want VP8", track.Codec().MimeType)
	}
	var last uint32
	for n := 0; n < 20; n++ {
		pkt, _, err := track.ReadRTP()
		check(t, err)
		var vp8 codecs.VP8Packet
		frame, err := vp8.Unmarshal(pkt.Payload)
		check(t, err)
		if len(frame) != 100 || !bytes.Equal(frame[4:], make([]byte, 96)) {
			t.Fatalf("frame %d bytes: %x", len(frame), frame)
		}
		seq := binary.BigEndian.Uint32(frame)
		if n > 0 && seq != last+1 {
			t.Fatalf("frame %d after %d", seq, last)
		}
		last = seq
	}

	check(t, receiver.RequestKeyframe(track))
	select {
	case <-sender.KeyframeRequests():
	case <-ctx.Done():
		t.Fatal("keyframe request never reached the sender")
	}
	if br := sender.TargetBitrate(); br < MinBitrate || br > MaxBitrate {
		t.Fatalf("target bitrate %d out of [%d, %d]", br, MinBitrate, MaxBitrate)
	}
	path, err := sender.Path()
	check(t, err)
	if path.SRTPProfile != "SRTP_AEAD_AES_256_GCM" {
		t.Fatalf("SRTP profile %s", path.SRTPProfile)
	}
}

// TestLostPacketOfLargeFrameRepaired: one packet early in a frame of 300
// packets (a 1080p keyframe's size) is lost on the way; NACK must bring it
// back, although by then the sender is hundreds of sequence numbers ahead
// (SRTP's default 64-packet replay window would discard the
// retransmission as too old).
func TestLostPacketOfLargeFrameRepaired(t *testing.T) {
	checkLeaks(t)
	w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
	ctx := testContext(t, 30*time.Second)
	p := newPair(t, Config{Net: w.net0, ICEServers: iceServers(t), Video: VideoReceive},
		Config{Net: w.net1, ICEServers: iceServers(t), Video: VideoSend}, nil)
	p.connect(ctx, t)

	const lostSeq = 1005
	var dropped atomic.Bool
	drop := func(c vnet.Chunk) bool {
		b := c.UserData()
		if len(b) < 12 || b[0]>>6 != 2 || b[1]&0x7f != 96 {
			return false // not an RTP packet of our video
		}
		seq := uint16(b[2])<<8 | uint16(b[3])
		return seq == lostSeq && dropped.CompareAndSwap(false, true)
	}
	w.drop.Store(&drop)

	go func() {
		var vp8 codecs.VP8Payloader
		payloads := vp8.Payload(1100, make([]byte, 300*1090))
		for i, pl := range payloads {
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == len(payloads)-1, SequenceNumber: uint16(1000 + i), Timestamp: 9000}, Payload: pl}
			if p.ans.VideoTrack().WriteRTP(pkt) != nil {
				return
			}
		}
	}()
	track := <-p.off.RemoteVideo()
	track.SetReadDeadline(time.Now().Add(10 * time.Second))
	seen := map[uint16]bool{}
	for !seen[lostSeq] {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			t.Fatalf("packet %d never repaired (dropped on the way: %v); got %d packets: %v", lostSeq, dropped.Load(), len(seen), err)
		}
		seen[pkt.SequenceNumber] = true
	}
	if !dropped.Load() {
		t.Fatal("the test dropped nothing")
	}
}

// fixedBWE is a bandwidth estimator stuck at one target.
type fixedBWE struct{ target int }

func (f fixedBWE) AddStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return w
}
func (f fixedBWE) WriteRTCP([]rtcp.Packet, interceptor.Attributes) error { return nil }
func (f fixedBWE) GetTargetBitrate() int                                 { return f.target }
func (f fixedBWE) OnTargetBitrateChange(func(int))                       {}
func (f fixedBWE) GetStats() map[string]any                              { return map[string]any{} }
func (f fixedBWE) Close() error                                          { return nil }

// TestTargetBitrateFloor: the encoder and the pacer never follow GCC
// below MinBitrate (pion's loss controller goes down to 100 kbit/s).
func TestTargetBitrateFloor(t *testing.T) {
	l := &Link{log: testLogger(t)}
	if got := l.TargetBitrate(); got != 0 {
		t.Fatalf("target %d before an estimate, want 0", got)
	}
	for _, tc := range []struct{ gcc, want int }{{120_000, MinBitrate}, {MinBitrate, MinBitrate}, {2_000_000, 2_000_000}} {
		l.media.bwe = fixedBWE{tc.gcc}
		if got := l.TargetBitrate(); got != tc.want {
			t.Errorf("GCC at %d: target %d, want %d", tc.gcc, got, tc.want)
		}
	}
	p := newIdlePacer(InitialBitrate)
	p.SetTargetBitrate(120_000)
	if p.target != MinBitrate {
		t.Errorf("pacer at %d after GCC's 120000, want %d", p.target, MinBitrate)
	}
}

// TestParityNegotiated: two links of this version agree on the video
// parity extension and a packet marked with it arrives marked (pion's
// track, interceptors and SRTP keep it); with an older peer on either side
// (no extension) neither side uses it.
func TestParityNegotiated(t *testing.T) {
	for _, c := range []struct {
		name               string
		offOld, ansOld, ok bool
	}{{"both", false, false, true}, {"older agent", false, true, false}, {"older technician", true, false, false}} {
		t.Run(c.name, func(t *testing.T) {
			checkLeaks(t)
			ctx := testContext(t, 30*time.Second)
			p := newPair(t, Config{IncludeLoopback: true, Video: VideoReceive, noParity: c.offOld},
				Config{IncludeLoopback: true, Video: VideoSend, noParity: c.ansOld}, nil)
			p.connect(ctx, t)
			ext, _ := p.ans.VideoParity()
			if got := p.off.ParityExtension(); got != ext || (ext != 0) != c.ok {
				t.Fatalf("parity extension: sender %d, receiver %d; want both set: %v", ext, got, c.ok)
			}
			if !c.ok {
				return
			}
			var vp8 codecs.VP8Payloader
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for i := uint16(0); ; i++ {
					pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 900},
						Payload: vp8.Payload(1200, []byte{byte(i)})[0]}
					if i%2 == 1 {
						check(t, pkt.Header.SetExtension(ext, []byte{1}))
					}
					if p.ans.VideoTrack().WriteRTP(pkt) != nil {
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
				}
			}()
			track := <-p.off.RemoteVideo()
			track.SetReadDeadline(time.Now().Add(10 * time.Second))
			for n := 0; n < 10; n++ {
				pkt, _, err := track.ReadRTP()
				check(t, err)
				x := pkt.GetExtension(ext)
				if marked := x != nil; marked != (pkt.SequenceNumber%2 == 1) || marked && !bytes.Equal(x, []byte{1}) {
					t.Fatalf("packet %d: parity extension %v", pkt.SequenceNumber, x)
				}
			}
		})
	}
}
