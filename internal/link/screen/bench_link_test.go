package screen

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
)

// linkTransport connects two real peer links over loopback in this
// process — the agent answering and sending video, the technician offering
// and receiving, as in the product — and carries the pipeline's RTP over
// SRTP between them, with the agent's congestion controller setting the
// bitrate. It returns once both sides are connected.
func linkTransport(b *testing.B) *transport {
	b.Helper()
	var agent, tech *peer.Link
	deliver := func(to **peer.Link) func(peer.Signal) error {
		return func(s peer.Signal) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return (*to).HandleSignal(ctx, s)
		}
	}
	var err error
	agent, err = peer.New(peer.Config{Role: peer.Answerer, Video: peer.VideoSend, IncludeLoopback: true, Send: deliver(&tech)})
	if err != nil {
		b.Fatalf("agent link: %v", err)
	}
	tech, err = peer.New(peer.Config{Role: peer.Offerer, Video: peer.VideoReceive, IncludeLoopback: true, Send: deliver(&agent)})
	if err != nil {
		agent.Close()
		b.Fatalf("technician link: %v", err)
	}
	closeBoth := func() { tech.Close(); agent.Close() }
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = tech.Start(ctx)
	if err == nil {
		_, err = tech.WaitConnected(ctx)
	}
	if err == nil {
		_, err = agent.WaitConnected(ctx)
	}
	if err != nil {
		closeBoth()
		b.Fatalf("connect peer links over loopback: %v", err)
	}
	return &transport{track: agent.VideoTrack(), keyframes: agent.KeyframeRequests(), bitrate: agent.TargetBitrate,
		close: closeBoth, receive: func() (RTPReader, func() error, error) {
			select {
			case track := <-tech.RemoteVideo():
				return track, func() error { return tech.RequestKeyframe(track) }, nil
			case <-tech.Done():
				if err := tech.Err(); !errors.Is(err, peer.ErrClosed) {
					return nil, nil, err
				}
				return nil, nil, nil // closed before any video came
			}
		}}
}

func benchLatencyLink(b *testing.B, display string) {
	sc := startScene(b, display, "scrolling")
	newTransport := func() *transport { return linkTransport(b) }
	reportLatency(b, "two peer links on loopback (DTLS-SRTP, NACK, paced by the congestion controller, which naive ignores)",
		measureLatency(b, display, sc, newTransport))
}

func benchFirstFrameLink(b *testing.B, display string) {
	startScene(b, display, "idle")
	newTransport := func() *transport { return linkTransport(b) }
	reportFirstFrame(b, "over connected peer links on loopback", measureFirstFrame(b, display, 3, newTransport))
}
