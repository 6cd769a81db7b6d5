package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// figureFrames is how many frames each viewer's latency figures take.
const figureFrames = 300

// animate keeps part of the agent's screen changing until the test ends:
// an xterm at the bottom middle (away from the pattern, the agent's
// window and the typing xterm) printing a line every 20 ms, so that both
// viewers measure over hundreds of frames, not the few a still screen
// sends.
func animate(t *testing.T, display string) {
	t.Helper()
	start(t, "xterm", []string{"DISPLAY=" + display}, "-geometry", "40x5+450+650", "-e", "sh", "-c",
		"while :; do date +%s.%N; sleep 0.02; done")
}

// waitPageSamples waits until the page has measured n frames' capture →
// shown latency (a hang guard of 90 s: at the agent's frame rate it takes
// about n/30 s).
func waitPageSamples(t *testing.T, b *browser, n int) {
	t.Helper()
	var got int
	raw := b.do("eval", map[string]any{"expr": fmt.Sprintf(`new Promise((done) => {
		const el = document.getElementById('screen');
		const count = () => Number((el.dataset.latency || '0 0 0').split(' ')[2]);
		if (count() >= %d) return done(count());
		const obs = new MutationObserver(() => { if (count() >= %d) { obs.disconnect(); done(count()); } });
		obs.observe(el, { attributes: true });
		setTimeout(() => { obs.disconnect(); done(count()); }, 90000);
	})`, n, n)})
	got, _ = strconv.Atoi(string(raw))
	if got < n {
		t.Errorf("the page measured %d frames in 90 s, want %d", got, n)
	}
}

// firstFrameTimer times, as this process reads the desktop technician's
// events, its customer's answer (mode allowed) → its first frame (its
// script sends the typing as soon as the first frame is decoded:
// input-sent). It reads the events as they come, so that none waits in the
// buffer.
func firstFrameTimer(tech *proc) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	go func() {
		defer close(out)
		var allowed time.Time
		timeout := time.After(90 * time.Second) // a hang guard
		for {
			select {
			case m := <-tech.lines:
				switch {
				case m["event"] == "mode" && m["answer"] == "allowed" && allowed.IsZero():
					allowed = time.Now()
				case m["event"] == "input-sent" && !allowed.IsZero():
					out <- time.Since(allowed)
					return
				}
			case <-timeout:
				return
			}
		}
	}()
	return out
}

// logReceiverStages logs where the page's frames spend their time, from
// getStats(): the jitter buffer, decoding and the whole receive
// processing (first packet in → decoded), averaged over the session.
func logReceiverStages(t *testing.T, b *browser) {
	t.Helper()
	raw := b.do("eval", map[string]any{"expr": `(async () => {
		const stats = await window.tandemTest.channels.pc.getStats();
		for (const s of stats.values()) {
			if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
			const per = (total, n) => (n ? (total / n) * 1000 : 0).toFixed(1);
			return { jitter_buffer_ms: per(s.jitterBufferDelay, s.jitterBufferEmittedCount),
				decode_ms: per(s.totalDecodeTime, s.framesDecoded),
				processing_ms: per(s.totalProcessingDelay, s.framesDecoded),
				decoder: s.decoderImplementation || '', frames: s.framesDecoded };
		}
		return null;
	})()`})
	t.Logf("the page's receiver, per frame on average (getStats): %s", raw)
}

// logRatios prints the page's figures against the desktop viewer's, same
// run, same display and animation: allowed → first frame, and capture →
// shown (page) or decoded (desktop) p50 and p95. Figures, not assertions.
func logRatios(t *testing.T, firstPage string, page []string, firstDesk time.Duration, desk map[string]any) {
	t.Helper()
	num := func(v any) float64 {
		switch x := v.(type) {
		case float64:
			return x
		case string:
			f, _ := strconv.ParseFloat(strings.TrimSpace(x), 64)
			return f
		}
		return 0
	}
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "?"
		}
		return fmt.Sprintf("%.2f", a/b)
	}
	deskFirst := float64(firstDesk.Microseconds()) / 1000
	t.Logf("console / desktop viewer, same run: allowed → first frame %s ms / %.1f ms = %s; capture → shown p50 %s / %v ms = %s, p95 %s / %v ms = %s (frames %s / %v); the bar is 1.2",
		firstPage, deskFirst, ratio(num(firstPage), deskFirst),
		page[0], desk["latency_p50_ms"], ratio(num(page[0]), num(desk["latency_p50_ms"])),
		page[1], desk["latency_p95_ms"], ratio(num(page[1]), num(desk["latency_p95_ms"])),
		page[2], desk["latency_samples"])
}
