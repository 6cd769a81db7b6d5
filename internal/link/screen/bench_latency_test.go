package screen

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// transport carries the pipeline's RTP to the receiver: the in-memory pipe
// or a real peer link.
type transport struct {
	track RTPWriter
	// receive returns the receiving end and how to ask for a keyframe; it
	// may block until the first packet arrived (a link's remote track).
	receive   func() (RTPReader, func() error, error)
	keyframes <-chan struct{}
	bitrate   func() int // congestion controller's estimate; nil = none
	close     func()     // ends receive's reader
}

// pipeTransport is the in-memory RTP pipe of screen_test.go.
func pipeTransport() *transport {
	p, kf := newPipe(), make(chan struct{}, 1)
	request := func() error {
		select {
		case kf <- struct{}{}:
		default:
		}
		return nil
	}
	return &transport{track: p, keyframes: kf, close: func() { close(p.ch) },
		receive: func() (RTPReader, func() error, error) { return p, request, nil }}
}

// latencyRun is one pipeline and a Receiver joined by a transport; it
// records when each frame was captured, sent and decoded, and which scene
// stamp each decoded picture shows.
type latencyRun struct {
	tr      *transport
	rcvDone chan error
	stop    func()
	encodes atomic.Int64

	mu       sync.Mutex
	captured map[uint32]time.Time // by RTP timestamp
	sent     map[uint32]time.Time
	decoded  map[uint32]time.Time
	stamps   map[uint16]time.Time // scene stamp → first decoded
	first    chan time.Time       // the first decoded picture
}

func startLatencyRun(b *testing.B, tr *transport, kind, display string) *latencyRun {
	l := newLatencyRun(tr)
	l.start(b, kind, display)
	return l
}

// newLatencyRun starts the receiver, which waits for the pipeline.
func newLatencyRun(tr *transport) *latencyRun {
	l := &latencyRun{tr: tr, rcvDone: make(chan error, 1),
		captured: map[uint32]time.Time{}, sent: map[uint32]time.Time{}, decoded: map[uint32]time.Time{},
		stamps: map[uint16]time.Time{}, first: make(chan time.Time, 1)}
	go func() { l.rcvDone <- l.receive() }()
	return l
}

func (l *latencyRun) receive() error {
	track, request, err := l.tr.receive()
	if err != nil || track == nil {
		return err
	}

	rcv, err := NewReceiver(ReceiverConfig{Track: track, OnFrame: l.onDecoded, RequestKeyframe: request})
	if err != nil {
		return err
	}
	return rcv.Run()
}

// start starts the pipeline, sending into the receiver.
func (l *latencyRun) start(b *testing.B, kind, display string) {
	l.stop = startPipeline(b, kind, pipelineConfig{display: display, track: l.tr.track,
		keyframes: l.tr.keyframes, bitrate: l.tr.bitrate, onFrame: l.onSent, encodes: &l.encodes})
}

// end stops the pipeline, then the receiver.
func (l *latencyRun) end(b *testing.B) {
	l.stop()
	l.tr.close()
	if err := <-l.rcvDone; err != nil {
		b.Errorf("receiver: %v", err)
	}
}

func (l *latencyRun) onSent(fi FrameInfo) {
	now := time.Now()

	l.mu.Lock()
	l.captured[fi.RTPTime], l.sent[fi.RTPTime] = fi.Captured, now
	l.mu.Unlock()
}

func (l *latencyRun) onDecoded(pic *vpx.I420, ts uint32) {
	now := time.Now()

	select {
	case l.first <- now:
	default:
	}
	n, ok := readStamp(pic)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decoded[ts] = now
	if _, seen := l.stamps[n]; ok && !seen {
		l.stamps[n] = now
	}
}

// readStamp reads the scene's frame counter from a decoded picture; ok is
// false when the reference blocks or any bit is not clearly black or white.
func readStamp(pic *vpx.I420) (n uint16, ok bool) {
	y := func(i int) byte {
		return pic.Y[(stampY+stampBlock/2)*pic.StrideY+stampX+i*stampSpacing+stampBlock/2]
	}
	if pic.Width < stampX+(stampBits+2)*stampSpacing || y(0) < 200 || y(stampBits+1) > 50 {
		return 0, false
	}
	for i := 1; i <= stampBits; i++ {
		v := y(i)
		if v > 80 && v < 180 {
			return 0, false
		}
		n = n<<1 | uint16(v/128)
	}
	return n, true
}

// latencies joins the records of frames captured after since: capture →
// decoded, capture → sent, and drawn by the scene → decoded.
func (l *latencyRun) latencies(sc *sceneProc, since time.Time) (capDec, capSent, drawnDec []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ts, c := range l.captured {
		if c.Before(since) {
			continue
		}
		if d, ok := l.decoded[ts]; ok {
			capDec = append(capDec, d.Sub(c))
		}
		capSent = append(capSent, l.sent[ts].Sub(c))
	}
	for n, d := range l.stamps {
		if t, ok := sc.drawnAt(n); ok && !t.Before(since) {
			drawnDec = append(drawnDec, d.Sub(t))
		}
	}
	return capDec, capSent, drawnDec
}

// latencyResult gathers one pipeline's latencies over all its runs.
type latencyResult struct {
	capDec, capSent, drawnDec []time.Duration
	encodes, sent             int64 // encode attempts and frames sent
}

// measureLatency runs each pipeline over a fresh transport under the
// scrolling scene sc and gathers the latencies of the frames captured after
// the warm-up.
func measureLatency(b *testing.B, display string, sc *sceneProc, newTransport func() *transport) map[string]*latencyResult {
	res := map[string]*latencyResult{}
	for _, kind := range pipelines {
		res[kind] = &latencyResult{}
	}
	for range b.N {
		for _, kind := range pipelines {
			l := startLatencyRun(b, newTransport(), kind, display)
			time.Sleep(warmup)
			since, e0 := time.Now(), l.encodes.Load()
			time.Sleep(measureFor)
			l.end(b)
			capDec, capSent, drawnDec := l.latencies(sc, since)
			r := res[kind]
			r.encodes += l.encodes.Load() - e0
			r.sent += int64(len(capSent))
			r.capDec, r.capSent, r.drawnDec = append(r.capDec, capDec...), append(r.capSent, capSent...), append(r.drawnDec, drawnDec...)
		}
	}
	return res
}

func benchLatency(b *testing.B, display string) {
	sc := startScene(b, display, "scrolling")
	reportLatency(b, "in-memory RTP pipe", measureLatency(b, display, sc, pipeTransport))
}

func reportLatency(b *testing.B, path string, res map[string]*latencyResult) {
	ours, base := res["tandem"], res["naive"]
	b.ReportMetric(percentile(ours.capDec, 50), "p50-ms")
	b.ReportMetric(percentile(ours.capDec, 95), "p95-ms")
	b.ReportMetric(percentile(ours.drawnDec, 50), "drawn-p50-ms")
	b.ReportMetric(percentile(ours.drawnDec, 95), "drawn-p95-ms")
	b.ReportMetric(percentile(base.capDec, 50), "naive-p50-ms")
	b.ReportMetric(percentile(base.capDec, 95), "naive-p95-ms")
	b.ReportMetric(percentile(base.drawnDec, 50), "naive-drawn-p50-ms")
	b.ReportMetric(percentile(base.drawnDec, 95), "naive-drawn-p95-ms")
	b.ReportMetric(float64(ours.encodes-ours.sent)/float64(max(1, ours.encodes))*100, "dropped-%")
	b.Logf("scrolling 1080p30 over %s (no network delay, no display): capture→decoded p50 %.1f ms, p95 %.1f ms "+
		"(capture→sent p50 %.1f ms; %d frames decoded of %d sent, %d encodes) vs naive p50 %.1f ms, p95 %.1f ms (%.2f×); "+
		"drawn by the scene→decoded p50 %.1f ms, p95 %.1f ms (%d stamps) vs naive p50 %.1f ms, p95 %.1f ms (%d stamps)",
		path, percentile(ours.capDec, 50), percentile(ours.capDec, 95), percentile(ours.capSent, 50), len(ours.capDec), ours.sent, ours.encodes,
		percentile(base.capDec, 50), percentile(base.capDec, 95), percentile(ours.capDec, 50)/percentile(base.capDec, 50),
		percentile(ours.drawnDec, 50), percentile(ours.drawnDec, 95), len(ours.drawnDec),
		percentile(base.drawnDec, 50), percentile(base.drawnDec, 95), len(base.drawnDec))
}

// benchFirstFrame times pipeline start (opening the screen, as the agent
// does once the customer consents) → first decoded picture, with the
// receiver already waiting, several times on an idle screen.
func benchFirstFrame(b *testing.B, display string) {
	startScene(b, display, "idle")
	reportFirstFrame(b, "in process", measureFirstFrame(b, display, 5, pipeTransport))
}

func measureFirstFrame(b *testing.B, display string, trials int, newTransport func() *transport) map[string][]time.Duration {
	times := map[string][]time.Duration{}
	for range b.N {
		for range trials {
			for _, kind := range pipelines {
				times[kind] = append(times[kind], firstFrame(b, newTransport(), kind, display))
			}
		}
	}
	return times
}

func reportFirstFrame(b *testing.B, path string, times map[string][]time.Duration) {
	ours, base := percentile(times["tandem"], 50), percentile(times["naive"], 50)
	b.ReportMetric(ours, "p50-ms")
	b.ReportMetric(percentile(times["tandem"], 100), "max-ms")
	b.ReportMetric(base, "naive-p50-ms")
	b.Logf("start→first decoded 1080p frame, %s: tandem p50 %.1f ms (max %.1f, first run %.1f) vs naive p50 %.1f ms (%.2f×), %d runs each",
		path, ours, percentile(times["tandem"], 100), ms(times["tandem"][0]), base, ours/base, len(times["tandem"]))
}

func firstFrame(b *testing.B, tr *transport, kind, display string) time.Duration {
	l := newLatencyRun(tr)
	start := time.Now()
	l.start(b, kind, display)
	defer l.end(b)
	select {
	case t := <-l.first:
		return t.Sub(start)
	case <-time.After(10 * time.Second):
		b.Fatalf("%s: no frame decoded within 10 s", kind)
		return 0
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
