package screen

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// BenchmarkPipeline measures the agent's whole screen pipeline on a real
// 1920×1080 Xvfb, under a scene client that changes the screen as a user
// would (scene_test.go), against a naive pipeline run in the same command
// (bench_naive_test.go: full-frame polling at 30 fps, plain-Go conversion,
// every frame encoded). One op is one timed run of each pipeline:
//
//	go test -run '^$' -bench Pipeline -benchtime 1x ./internal/link/screen
//
// cpu-SCENE: CPU of this process (the pipeline; the scene client and Xvfb
// are processes of their own, reported beside it) as % of one core, with
// frames/s and kbit/s sent. latency-scrolling: capture→decoded and
// drawn→decoded ms, sender and receiver in process over an in-memory RTP
// pipe. first-frame: pipeline start → first decoded picture.
// first-frame-consent: the customer's Allow → first decoded picture, a
// second after the sender started, with the encoder made after Allow
// (cold) and prepared while the question is open (warm), side by side
// (bench_consent_test.go). The -link variants carry the video over two
// real peer links on loopback instead.
// Nothing is asserted: the figures are for people to read.
func BenchmarkPipeline(b *testing.B) {
	xconn.Quiet()
	display := xvfb.Start(b, 1920, 1080)
	xvfbPID := childPID("Xvfb")
	for _, scene := range []string{"idle", "typing", "scrolling"} {
		b.Run("cpu-"+scene, func(b *testing.B) { benchCPU(b, display, xvfbPID, scene) })
	}
	b.Run("latency-scrolling", func(b *testing.B) { benchLatency(b, display) })
	b.Run("first-frame", func(b *testing.B) { benchFirstFrame(b, display) })
	b.Run("latency-scrolling-link", func(b *testing.B) { benchLatencyLink(b, display) })
	b.Run("first-frame-link", func(b *testing.B) { benchFirstFrameLink(b, display) })
	b.Run("first-frame-consent", func(b *testing.B) { benchFirstFrameConsent(b, display, "in process", 5, pipeTransport) })
	b.Run("first-frame-consent-link", func(b *testing.B) {
		benchFirstFrameConsent(b, display, "over connected peer links on loopback", 4, func() *transport { return linkTransport(b) })
	})
}

const (
	warmup     = 700 * time.Millisecond // first keyframe, encoder start
	measureFor = 4 * time.Second
)

// cpuResult is one pipeline's figures over one timed run.
type cpuResult struct {
	cpu, xvfb, scene, fps, kbps float64
	drops                       float64 // encodes dropped by rate control, per second
}

// cpuPerFrame is the pipeline's CPU time per frame sent, in ms (0 when
// nothing was sent).
func (r *cpuResult) cpuPerFrame() float64 {
	if r.fps == 0 {
		return 0
	}
	return r.cpu * 10 / r.fps
}

func (r *cpuResult) add(o cpuResult, n int) {
	r.cpu += o.cpu / float64(n)
	r.xvfb += o.xvfb / float64(n)
	r.scene += o.scene / float64(n)
	r.fps += o.fps / float64(n)
	r.kbps += o.kbps / float64(n)
	r.drops += o.drops / float64(n)
}

func benchCPU(b *testing.B, display string, xvfbPID int, scene string) {
	sc := startScene(b, display, scene)
	res := map[string]*cpuResult{}
	for _, kind := range pipelines {
		res[kind] = &cpuResult{}
	}
	for range b.N {
		for _, kind := range pipelines {
			res[kind].add(measureCPU(b, kind, display, xvfbPID, sc.pid()), b.N)
		}
	}
	ours, base := res["tandem"], res["naive"]
	b.ReportMetric(ours.cpu, "cpu-%")
	b.ReportMetric(ours.fps, "fps")
	b.ReportMetric(ours.kbps, "kbps")
	b.ReportMetric(ours.cpuPerFrame(), "cpu-ms/frame")
	b.ReportMetric(ours.drops, "drops/s")
	b.ReportMetric(ours.xvfb, "xvfb-cpu-%")
	b.ReportMetric(base.cpu, "naive-cpu-%")
	b.ReportMetric(base.fps, "naive-fps")
	b.ReportMetric(base.kbps, "naive-kbps")
	b.ReportMetric(base.cpuPerFrame(), "naive-cpu-ms/frame")
	b.ReportMetric(base.xvfb, "naive-xvfb-cpu-%")
	ratio := 0.0
	if base.cpu > 0 {
		ratio = ours.cpu / base.cpu
	}
	b.ReportMetric(ratio, "x-naive-cpu")
	b.Logf("%s 1080p: tandem %.1f %% of one core, %.1f fps (+%.1f/s dropped by rate control), %.0f kbit/s, %.1f ms CPU/frame vs naive %.1f %%, %.1f fps, %.0f kbit/s, %.1f ms CPU/frame (%.2f× the CPU); "+
		"Xvfb %.1f %% vs %.1f %%; scene client %.1f %% (not counted)",
		scene, ours.cpu, ours.fps, ours.drops, ours.kbps, ours.cpuPerFrame(), base.cpu, base.fps, base.kbps, base.cpuPerFrame(),
		ratio, ours.xvfb, base.xvfb, ours.scene)
}

// measureCPU runs one pipeline into a discarding track and measures it
// after a warm-up.
func measureCPU(b *testing.B, kind, display string, xvfbPID, scenePID int) cpuResult {
	var fc frameCount
	var encodes atomic.Int64
	stop := startPipeline(b, kind, pipelineConfig{display: display, track: &countingTrack{},
		keyframes: make(chan struct{}), onFrame: fc.onFrame, encodes: &encodes})
	defer stop()
	time.Sleep(warmup)
	u0, f0, n0, e0 := sampleUsage(xvfbPID, scenePID), fc.frames.Load(), fc.bytes.Load(), encodes.Load()
	time.Sleep(measureFor)
	u1, f1, n1, e1 := sampleUsage(xvfbPID, scenePID), fc.frames.Load(), fc.bytes.Load(), encodes.Load()
	secs := u1.wall.Sub(u0.wall).Seconds()
	var r cpuResult
	r.cpu, r.xvfb, r.scene = u0.percent(u1)
	r.fps = float64(f1-f0) / secs
	r.kbps = float64(n1-n0) * 8 / secs / 1000
	r.drops = float64((e1-e0)-(f1-f0)) / secs
	return r
}
