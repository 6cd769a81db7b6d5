package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
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
// run, same display and animation: allowed → first frame; capture →
// shown (page) against capture → presented (the desktop's window frame
// that shows the picture: the same end point), p50 and p95; and, as
// before, against the desktop's capture → decoded. Figures, not
// assertions.
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
	t.Logf("console / desktop viewer, same run: allowed → first frame shown / presented %s / %v ms = %s; capture → shown / presented p50 %s / %v ms = %s, p95 %s / %v ms = %s (frames %s / %v); the bar is 1.2",
		firstPage, desk["allowed_presented_ms"], ratio(num(firstPage), num(desk["allowed_presented_ms"])),
		page[0], desk["capture_presented_p50_ms"], ratio(num(page[0]), num(desk["capture_presented_p50_ms"])),
		page[1], desk["capture_presented_p95_ms"], ratio(num(page[1]), num(desk["capture_presented_p95_ms"])),
		page[2], desk["capture_presented_samples"])
	t.Logf("console shown / desktop decoded (the earlier, unequal end points): allowed → first frame %s / %.1f ms = %s; p50 %s / %v ms = %s, p95 %s / %v ms = %s (frames %s / %v)",
		firstPage, deskFirst, ratio(num(firstPage), deskFirst), page[0], desk["latency_p50_ms"], ratio(num(page[0]), num(desk["latency_p50_ms"])),
		page[1], desk["latency_p95_ms"], ratio(num(page[1]), num(desk["latency_p95_ms"])),
		page[2], desk["latency_samples"])
}

// recordTimeline notes, on the page's performance clock, the steps from
// its offer to its first frame shown: answer applied, ICE and DTLS
// (connectionState) connected, the customer's answer to the mode request,
// the first RTP packet and the first decoded frame (getStats, polled every
// 5 ms from the answer until frames are decoded, 60 s at most: not
// before, as the page's cipher check reads getStats then, which Chromium
// caches for 50 ms), and the first frame the
// <video> presented (requestVideoFrameCallback). Only the first of each.
const recordTimeline = `(() => {
  const steps = {};
  Object.defineProperty(window, 'tandemTimeline', { value: steps });
  const note = (name, at) => { if (!(name in steps)) steps[name] = at ?? performance.now(); };
  const poll = (pc) => {
    const end = performance.now() + 60000;
    const tick = async () => {
      for (const s of (await pc.getStats()).values()) {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
        if (s.packetsReceived > 0) note('first RTP');
        if (s.framesDecoded > 0) return note('first decoded');
      }
      if (performance.now() < end) setTimeout(tick, 5);
    };
    tick();
  };
  const setRemote = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = async function (...args) {
    const r = await setRemote.apply(this, args);
    note('answer applied');
    return r;
  };
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (...args) {
    const ch = create.apply(this, args);
    if (ch.label === 'control') {
      note('offer made');
      this.addEventListener('iceconnectionstatechange', () => { if (this.iceConnectionState === 'connected') note('ICE connected'); });
      this.addEventListener('connectionstatechange', () => { if (this.connectionState === 'connected') note('DTLS connected'); });
      this.addEventListener('track', () => note('track'));
      ch.addEventListener('message', (m) => {
        try {
          const env = JSON.parse(typeof m.data === 'string' ? m.data : new TextDecoder().decode(m.data));
          if (env.type === 'mode' && env.body && env.body.answer === 'allowed' && !('allowed' in steps)) {
            note('allowed');
            poll(this);
          }
        } catch { /* not JSON */ }
      });
    }
    return ch;
  };
  const rvfc = HTMLVideoElement.prototype.requestVideoFrameCallback;
  HTMLVideoElement.prototype.requestVideoFrameCallback = function (cb) {
    return rvfc.call(this, (now, meta) => { note('first shown', meta.expectedDisplayTime || now); cb(now, meta); });
  };
})()`

// logTimeline logs the page's steps to its first frame (recordTimeline),
// in ms after the customer's answer arrived (negative: before it).
func logTimeline(t *testing.T, b *browser) {
	t.Helper()
	var steps map[string]float64
	if err := json.Unmarshal(b.do("eval", map[string]any{"expr": `({...window.tandemTimeline})`}), &steps); err != nil || steps["allowed"] == 0 {
		t.Logf("the page's timeline is incomplete (%v): %v", err, steps)
		return
	}
	names := make([]string, 0, len(steps))
	for n := range steps {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return steps[names[i]] < steps[names[j]] })
	var line []string
	for _, n := range names {
		line = append(line, fmt.Sprintf("%s %+.1f", n, steps[n]-steps["allowed"]))
	}
	t.Logf("the page's timeline, ms after the customer's answer: %s", strings.Join(line, ", "))
}
