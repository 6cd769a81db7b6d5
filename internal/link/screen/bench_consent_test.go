package screen

import (
	"context"
	"fmt"
	"image"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/media/capture"
)

// consentDelay models the customer reading the consent question before
// clicking Allow.
const consentDelay = time.Second

// heldSource is the agent's consent gate as the sender meets it: frames
// pass only once allowed is closed. asked receives the time of the first
// call to Next, which a prepared sender makes once its encoder is ready.
type heldSource struct {
	src     Source
	allowed chan struct{}
	asked   chan time.Time
}

func (h *heldSource) Next(ctx context.Context) (*capture.Frame, error) {
	select {
	case h.asked <- time.Now():
	default:
	}
	select {
	case <-h.allowed:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.src.Next(ctx)
}

// consentTimes is one way of starting's figures over its runs: Allow →
// first decoded picture, and sender start → ready for the first frame.
// The first frame's time splits into grab (Allow → captured), encode
// (captured → handed to the track: conversion, encoder setup when cold,
// keyframe) and deliver (→ decoded: packets, transport, decoder). cpu is
// this process's CPU time over the same span, sender and receiver
// together: about what it would take on an idle machine, where a loaded
// one (as a shared test machine) stretches the wall-clock figures.
type consentTimes struct {
	firstFrame, ready, grab, encode, deliver []time.Duration
	cpu                                      []time.Duration
	bytes                                    []int // the first frame's
}

// firstTimes is one run's figures.
type firstTimes struct {
	first, ready, grab, encode, deliver time.Duration
	cpu                                 time.Duration // this process's, Allow → decoded
	bytes                               int
}

func (c *consentTimes) add(t firstTimes) {
	c.firstFrame, c.ready = append(c.firstFrame, t.first), append(c.ready, t.ready)
	c.grab, c.encode, c.deliver = append(c.grab, t.grab), append(c.encode, t.encode), append(c.deliver, t.deliver)
	c.bytes, c.cpu = append(c.bytes, t.bytes), append(c.cpu, t.cpu)
}

// split is the p50 of each part of the first frame's time.
func (c *consentTimes) split() string {
	kb := make([]time.Duration, len(c.bytes)) // percentile sorts durations: bytes as ms
	for i, n := range c.bytes {
		kb[i] = time.Duration(n) * time.Millisecond / 1000
	}
	return fmt.Sprintf("grab %.1f, encode %.1f, deliver %.1f; CPU %.1f; keyframe %.0f KB",
		percentile(c.grab, 50), percentile(c.encode, 50), percentile(c.deliver, 50), percentile(c.cpu, 50), percentile(kb, 50))
}

// benchFirstFrameConsent times Allow → first decoded picture as a session
// meets it: the screen is open from the agent's start and the sender runs
// from the link's start, its source held until the customer allows,
// consentDelay later or once the warm-up is done, whichever comes last
// (the warm-up's own length is reported beside: on a loaded machine it
// can outlast a quick reader, whose Allow then waits for it). "cold" makes the encoder (and the shared memory) for
// the first frame, after Allow, as before issue 19; "warm" prepares them
// while the question is open (SenderConfig.Prepare with
// capture.Screen.Prepare). Both run alternately in the same command.
func benchFirstFrameConsent(b *testing.B, display, path string, trials int, newTransport func() *transport) {
	startScene(b, display, "idle")
	res := map[string]*consentTimes{"cold": {}, "warm": {}}
	for range b.N {
		for range trials {
			for _, kind := range []string{"cold", "warm"} {
				res[kind].add(firstFrameAfterConsent(b, newTransport(), display, kind == "warm"))
			}
		}
	}
	cold, warm := percentile(res["cold"].firstFrame, 50), percentile(res["warm"].firstFrame, 50)
	b.ReportMetric(warm, "p50-ms")
	b.ReportMetric(percentile(res["warm"].firstFrame, 100), "max-ms")
	b.ReportMetric(cold, "cold-p50-ms")
	b.ReportMetric(warm/cold, "x-cold")
	b.ReportMetric(percentile(res["warm"].cpu, 50), "cpu-p50-ms")
	b.ReportMetric(percentile(res["cold"].cpu, 50), "cold-cpu-p50-ms")
	b.Logf("Allow→first decoded 1080p frame, %s, Allow %v after the sender started or once warm: warm-up p50 %.1f ms (max %.1f; %s) vs cold p50 %.1f ms (max %.1f; %s): %.2f× cold; "+
		"warm-up ready %.1f ms p50 (max %.1f) after the sender started; %d runs each",
		path, consentDelay, warm, percentile(res["warm"].firstFrame, 100), res["warm"].split(),
		cold, percentile(res["cold"].firstFrame, 100), res["cold"].split(), warm/cold,
		percentile(res["warm"].ready, 50), percentile(res["warm"].ready, 100), len(res["warm"].firstFrame))
}

// firstFrameAfterConsent runs one session's start: Allow → first decoded
// picture, in parts, and sender start → first frame asked for (the
// warm-up's length when warm).
func firstFrameAfterConsent(b *testing.B, tr *transport, display string, warm bool) firstTimes {
	l := newLatencyRun(tr)
	ctx, cancel := context.WithCancel(context.Background())
	scr, err := capture.Open(ctx, capture.Options{Display: display})
	if err != nil {
		b.Fatal(err)
	}
	src := &heldSource{src: scr, allowed: make(chan struct{}), asked: make(chan time.Time, 1)}
	type sentFrame struct {
		captured, at time.Time
		bytes        int
	}
	sent := make(chan sentFrame, 1)
	onSent := func(fi FrameInfo) {
		select {
		case sent <- sentFrame{fi.Captured, time.Now(), fi.Bytes}:
		default:
		}
		l.onSent(fi)
	}
	cfg := SenderConfig{Source: src, Track: tr.track, Keyframes: tr.keyframes, Bitrate: tr.bitrate, OnFrame: onSent}
	if warm {
		cfg.Prepare = func(ctx context.Context) (image.Point, error) { return scr.Prepare(ctx) }
	}
	snd, err := NewSender(cfg)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	started := time.Now()
	go func() { done <- snd.Run(ctx) }()
	l.stop = func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("sender: %v", err)
		}
		scr.Close()
	}
	defer l.end(b)
	time.Sleep(consentDelay)
	asked := <-src.asked // a warm-up not done yet keeps the customer reading
	allowed, cpu0 := time.Now(), sampleUsage(0, 0).self
	close(src.allowed)
	select {
	case t := <-l.first:
		f := <-sent
		cpu := sampleUsage(0, 0).self - cpu0
		return firstTimes{first: t.Sub(allowed), ready: asked.Sub(started), cpu: cpu,
			grab: f.captured.Sub(allowed), encode: f.at.Sub(f.captured), deliver: t.Sub(f.at), bytes: f.bytes}
	case <-time.After(10 * time.Second):
		b.Fatal("no frame decoded within 10 s of Allow")
		return firstTimes{}
	}
}
