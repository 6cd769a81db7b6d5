package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// The console's side of a session in Chromium: the page plays the
// technician over /console/api/ws against the real signaling binary and a
// real agent on Xvfb.

// swatch is a coloured window on the agent's display, sampled at its
// centre in the page's video.
type swatch struct {
	rect    image.Rectangle
	r, g, b int
}

// consolePattern sits in the screen's corners, away from the agent's own
// window (centred) and the xterm (top middle).
var consolePattern = []swatch{
	{image.Rect(40, 40, 340, 240), 0xd0, 0x20, 0x20},
	{image.Rect(940, 40, 1240, 240), 0x20, 0xc0, 0x20},
	{image.Rect(40, 560, 340, 760), 0x20, 0x40, 0xd0},
	{image.Rect(940, 560, 1240, 760), 0xe0, 0xd0, 0x20},
}

// videoTolerance is how far a sampled channel may stray from the drawn
// one: VP8 at screen-content quality and the YUV round trip stay well
// within it; the swatches differ from each other by far more.
const videoTolerance = 40

// sampleVideo waits (frame by frame, requestVideoFrameCallback) until the
// page's <video> shows want within the tolerance, or 30 s, and returns the
// video's size and the last 8×8 averages it read at each swatch's centre
// (scaled from the 1280×800 screen to the video's size).
const sampleVideo = `(want) => new Promise((done) => {
  const v = document.getElementById('remote-video');
  let last = null;
  const timer = setTimeout(() => done(last), 30000);
  const check = () => {
    if (v.videoWidth) {
      const c = new OffscreenCanvas(v.videoWidth, v.videoHeight);
      const g = c.getContext('2d');
      g.drawImage(v, 0, 0);
      const sx = v.videoWidth / 1280, sy = v.videoHeight / 800;
      const got = want.map(([x, y]) => {
        const d = g.getImageData(Math.round(x * sx) - 4, Math.round(y * sy) - 4, 8, 8).data;
        const s = [0, 0, 0];
        for (let i = 0; i < d.length; i += 4) for (let j = 0; j < 3; j++) s[j] += d[i + j];
        return s.map((n) => Math.round(n / (d.length / 4)));
      });
      last = { w: v.videoWidth, h: v.videoHeight, got };
      if (got.every((p, i) => p.every((ch, j) => Math.abs(ch - want[i][2 + j]) <= ` + "TOL" + `))) {
        clearTimeout(timer);
        return done(last);
      }
    }
    v.requestVideoFrameCallback(check);
  };
  check();
})`

type videoSample struct {
	W, H int
	Got  [][3]int
}

// matches reports whether every sample is within the tolerance of its
// swatch.
func (s videoSample) matches(pattern []swatch) bool {
	if len(s.Got) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		for j, want := range []int{p.r, p.g, p.b} {
			if d := s.Got[i][j] - want; d > videoTolerance || d < -videoTolerance {
				return false
			}
		}
	}
	return true
}

// TestConsoleSession: an operator logs in to the console, starts a
// session, the customer's agent joins and the customer clicks Allow; the
// page shows the agent's screen in its <video> (a known pattern read back
// through a canvas), getStats() reports DTLS AES-256-CBC-SHA and SRTP
// AEAD-AES-256-GCM (the agent reads the same suite), and typing in the
// page (capitals, punctuation, a Cyrillic letter) reaches an xterm on
// the agent's display, where a click in the page put the pointer; an
// input method's composition arrives once, as text; Ctrl+Alt+Shift gives
// the keyboard back to the page; chat goes both ways; files go both ways,
// the customer's unasked one is saved, and a fetch cut by the end of the
// session resumes in the next one. It logs the page's figures against the
// desktop technician's, same run, over figureFrames frames.
func TestConsoleSession(t *testing.T) {
	for _, tool := range []string{"xterm", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	needBrowser(t)
	bins := binaries(t)
	display := xvfb.Start(t, 1280, 800)
	x := xvfb.Connect(t, display)
	for _, s := range consolePattern {
		x.Window(s.rect, uint32(s.r<<16|s.g<<8|s.b))
	}
	typed := filepath.Join(t.TempDir(), "typed.txt")
	start(t, "xterm", []string{"DISPLAY=" + display, "LANG=C.UTF-8"},
		"-geometry", "40x6+450+40", "-fa", "", "-e", "sh", "-c", "cat > "+typed)
	waitFile(t, typed)

	sig := server(t, bins)
	sig.admin(t, bins, consolePassword+"\n", "user", "add", "-name", "Olga Petrova", "olga")
	sig.admin(t, bins, "", "perm", "set", "account", "olga", "observe", "remote-control", "chat", "clipboard", "file-transfer")

	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, sig.ca), "viewport": map[string]any{"width": 1280, "height": 800}})
	b.do("initScript", map[string]any{"script": recordChannels})
	b.do("initScript", map[string]any{"script": recordTimeline})
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	consoleLogin(b, "olga", consolePassword, "")
	b.waitText("#operator-name", "Olga Petrova")
	b.do("click", map[string]any{"sel": "#start"})
	b.waitText("#session-status", "Waiting for the customer")
	code := b.texts("#code")[0]

	custDir := t.TempDir()
	agent := start(t, bins["agent"], nil, "-keep", "-server", sig.url, "-ca", sig.ca, "-code", code, "-json", "-display", display,
		"-download-dir", custDir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("agent's output:\n%s\n%s", agent.output(), agent.stderr.String())
		}
	})
	answer(t, agent, display, "allow")
	b.waitText("#mode", "You have control")
	if p := agent.last("peer"); p["browser"] != true || p["version"] != "console/1" {
		t.Errorf("the agent's peer event %v: want the browser console (its question says so)", p)
	}

	checkConsoleVideo(t, b)
	logTimeline(t, b)
	checkConsoleCiphers(t, b, agent)
	checkConsoleTyping(t, b, x, typed)
	checkConsoleIME(t, b, typed, consoleTyped)
	checkConsoleExit(t, b)
	checkConsoleClipboard(t, b, x, display)
	checkAccessible(t, b, "the console's remote view")
	consoleShot(t, b, "console-remote-1280.png", 1280, 800)
	b.do("viewport", map[string]any{"width": 820, "height": 1180})
	consoleShot(t, b, "console-remote-820.png", 820, 1180)
	checkConsoleChat(t, b, &session{agent: agent, display: display})
	checkConsoleFile(t, b, agent, display, custDir)
	checkConsoleUnasked(t, b)

	animate(t, display)
	waitPageSamples(t, b, figureFrames)
	firstPage, page := consoleFigures(t, b)
	logReceiverStages(t, b)
	checkConsoleFetchResume(t, b, sig, agent, display)
	desk, firstDesk := desktopFigures(t, sig, display)
	t.Logf("capture → shown in the page: p50 %s ms, p95 %s ms over %s frames; in the desktop technician's window, same display: capture → decoded p50 %v ms, p95 %v ms over %v frames, capture → presented p50 %v ms, p95 %v ms over %v frames",
		page[0], page[1], page[2], desk["latency_p50_ms"], desk["latency_p95_ms"], desk["latency_samples"],
		desk["capture_presented_p50_ms"], desk["capture_presented_p95_ms"], desk["capture_presented_samples"])
	logRatios(t, firstPage, page, firstDesk, desk)
}

// consoleFigures returns what the page measured with
// requestVideoFrameCallback: allowed → first frame shown (ms), and
// capture → shown latency (p50, p95, frames).
func consoleFigures(t *testing.T, b *browser) (string, []string) {
	t.Helper()
	first := b.attr("#screen", "data-first-frame-ms")
	lat := strings.Fields(b.attr("#screen", "data-latency"))
	if first == "" || len(lat) != 3 {
		t.Errorf("the page measured no first frame (%q) or latency (%q)", first, lat)
		return "?", []string{"?", "?", "0"}
	}
	t.Logf("the page showed its first frame %s ms after the customer's answer arrived", first)
	return first, lat
}

// desktopFigures runs the desktop technician with its Gio window (on a
// display of its own, software GL) against a new agent on the same
// display, typing as the page did, checks that the two Go peers still
// pick AES-256-GCM, and returns its last stats event (capture → decoded)
// with its window's last capture → presented figures added (the "viewer
// latency" line it logs with -v: the window frame that shows the picture,
// which is where the page's capture → shown ends), and its allowed →
// first frame. It stays 22 s after connecting: the animation makes the
// figureFrames even at the 14 fps a loaded machine gave here.
func desktopFigures(t *testing.T, sig *sigServer, display string) (map[string]any, time.Duration) {
	t.Helper()
	bins := binaries(t)
	user, pw := sig.operator(t)
	window := xvfb.Start(t, 1280, 800)
	tech := start(t, bins["technician"], []string{"DISPLAY=" + window, "LIBGL_ALWAYS_SOFTWARE=1"}, "-v", "-server", sig.url, "-ca", sig.ca,
		"-user", user, "-password-file", pw, "-json", "-monitor", "0", "-move", "0:600,80", "-type", "Hello again, World!\n", "-end-after", "22s")
	code := tech.next(t, "code")["code"].(string)
	first := firstFrameTimer(tech)
	agent := start(t, bins["agent"], nil, "-keep", "-server", sig.url, "-ca", sig.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	if st := tech.wait(t, 40*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
	agent.wait(t, 10*time.Second)
	if c := tech.last("connected"); c["dtls"] != "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" || c["srtp"] != "SRTP_AEAD_AES_256_GCM" {
		t.Errorf("the desktop technician negotiated %v, want AES-256-GCM for both", c)
	}
	if n, _ := tech.last("stats")["latency_samples"].(float64); n < figureFrames {
		t.Logf("the desktop technician measured %v frames, fewer than %d (the loaded machine sent fewer)", n, figureFrames)
	}
	figures := tech.last("stats")
	if figures == nil {
		t.Errorf("the desktop technician reported no stats")
		figures = map[string]any{}
	}
	presented := lastLogLine(tech.stderr.String(), "viewer latency")
	if presented == nil {
		t.Errorf("the desktop technician's window logged no capture → presented figures")
	}
	for _, k := range []string{"capture_presented_p50_ms", "capture_presented_p95_ms"} {
		figures[k] = presented[k]
	}
	figures["capture_presented_samples"] = presented["samples"]
	if first := lastLogLine(tech.stderr.String(), "viewer first frame"); first != nil {
		figures["allowed_presented_ms"] = first["allowed_presented_ms"]
	} else {
		t.Errorf("the desktop technician's window logged no first frame")
	}
	t.Logf("the desktop technician's window: %s pictures drawn, %s dropped, %s ms rendering per window frame",
		presented["pictures_drawn"], presented["pictures_dropped"], presented["render_ms_per_window_frame"])
	return figures, <-first
}

// lastLogLine returns the fields (key=value, as slog's text handler
// writes them) of the last line of log whose message is msg, or nil.
func lastLogLine(log, msg string) map[string]string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.Contains(lines[i], `msg="`+msg+`"`) {
			continue
		}
		fields := map[string]string{}
		for _, f := range strings.Fields(lines[i]) {
			if k, v, ok := strings.Cut(f, "="); ok {
				fields[k] = v
			}
		}
		return fields
	}
	return nil
}

// checkConsoleVideo reads the pattern back from the page's video, and
// checks that the tolerance would refuse a wrong picture (the same
// samples against the pattern rotated by one swatch).
func checkConsoleVideo(t *testing.T, b *browser) {
	t.Helper()
	want := make([][5]int, len(consolePattern))
	for i, s := range consolePattern {
		c := s.rect.Min.Add(s.rect.Max).Div(2)
		want[i] = [5]int{c.X, c.Y, s.r, s.g, s.b}
	}
	arg, _ := json.Marshal(want)
	expr := fmt.Sprintf("(%s)(%s)", strings.ReplaceAll(sampleVideo, "TOL", fmt.Sprint(videoTolerance)), arg)
	var got videoSample
	if err := json.Unmarshal(b.do("eval", map[string]any{"expr": expr}), &got); err != nil || got.W == 0 {
		t.Fatalf("the page's video showed no frame (%v): %+v", err, got)
	}
	if !got.matches(consolePattern) {
		t.Fatalf("the page's %dx%d video shows %v at the swatches, want %v within %d", got.W, got.H, got.Got, want, videoTolerance)
	}
	rotated := append(consolePattern[1:len(consolePattern):len(consolePattern)], consolePattern[0])
	if got.matches(rotated) {
		t.Errorf("the tolerance also accepts a wrong picture: %v", got.Got)
	}
	t.Logf("the page's %dx%d video shows %v (drawn %v)", got.W, got.H, got.Got, want)
}

// checkConsoleCiphers: the page's status line (from getStats()) and the
// agent's connected event name the same AES-256 suites.
func checkConsoleCiphers(t *testing.T, b *browser, agent *proc) {
	t.Helper()
	// Chromium names the profile SRTP_AEAD_AES_256_GCM, as pion does.
	b.do("waitAttr", map[string]any{"sel": "#ciphers", "name": "data-srtp", "value": "SRTP_AEAD_AES_256_GCM"})
	if d := b.attr("#ciphers", "data-dtls"); d != "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" {
		t.Errorf("the page's getStats() says DTLS %q, want TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", d)
	}
	c := agent.last("connected")
	if c["dtls"] != "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" || c["srtp"] != "SRTP_AEAD_AES_256_GCM" {
		t.Errorf("the agent's connected event: %v", c)
	}
	t.Logf("page: DTLS %s, SRTP %s; agent: %v", b.attr("#ciphers", "data-dtls"), b.attr("#ciphers", "data-srtp"), c)
}

// consoleTyped is what checkConsoleTyping types in the page.
const consoleTyped = "Hello, World! #42 (ok)? Ж\n"

// checkConsoleTyping clicks the xterm in the page's picture (the agent's
// pointer must land there), then types in the page.
func checkConsoleTyping(t *testing.T, b *browser, x *xvfb.Client, typed string) {
	t.Helper()
	target := image.Pt(600, 80) // inside the xterm
	var at struct{ X, Y float64 }
	pos := fmt.Sprintf(`(() => {
		const v = document.getElementById('remote-video');
		const r = v.getBoundingClientRect();
		const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
		return { x: (r.width - v.videoWidth * s) / 2 + %d * s * v.videoWidth / 1280 + s / 2,
		         y: (r.height - v.videoHeight * s) / 2 + %d * s * v.videoHeight / 800 + s / 2 };
	})()`, target.X, target.Y)
	json.Unmarshal(b.do("eval", map[string]any{"expr": pos}), &at)
	b.do("clickAt", map[string]any{"sel": "#remote-video", "x": at.X, "y": at.Y})
	if f := focused(t, b); f != "keys" {
		t.Errorf("after a click on the picture the focus is on %q, want the keyboard field", f)
	}
	checkRemoteCursor(t, b, target)
	if p := x.Pointer(); p.Sub(target).X > 2 || p.Sub(target).X < -2 || p.Sub(target).Y > 2 || p.Sub(target).Y < -2 {
		t.Errorf("the agent's pointer is at %v, want %v (±2 px)", p, target)
	}
	const text = consoleTyped
	b.do("type", map[string]any{"sel": "#keys", "text": text})
	deadline := time.Now().Add(20 * time.Second)
	var got []byte
	for time.Now().Before(deadline) {
		if got, _ = os.ReadFile(typed); string(got) == text {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if string(got) != text {
		t.Errorf("xterm received %q, want %q", got, text)
	}
}

// checkRemoteCursor waits until the page draws the customer's pointer,
// which the agent reports on the cursor channel, within 2 px of target
// (in screen pixels), and checks that the canvas over the video shows its
// shape. (xterm hides its pointer once typing starts: this runs before.)
func checkRemoteCursor(t *testing.T, b *browser, target image.Point) {
	t.Helper()
	var got struct {
		At    string
		Drawn int
	}
	expr := fmt.Sprintf(`new Promise((done) => {
		const c = document.getElementById('remote-cursor');
		const near = () => {
			const [x, y] = (c.dataset.at || '').split(',').map(Number);
			return c.dataset.at && Math.abs(x - %d) <= 2 && Math.abs(y - %d) <= 2;
		};
		const finish = () => {
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let n = 0;
			for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
			done({ at: c.dataset.at || '', drawn: n });
		};
		if (near()) return finish();
		const obs = new MutationObserver(() => { if (near()) { obs.disconnect(); finish(); } });
		obs.observe(c, { attributes: true });
		setTimeout(() => { obs.disconnect(); finish(); }, 20000);
	})`, target.X, target.Y)
	json.Unmarshal(b.do("eval", map[string]any{"expr": expr}), &got)
	if got.At == "" || got.Drawn == 0 {
		t.Errorf("the page draws the customer's pointer at %q with %d visible pixels, want near %v", got.At, got.Drawn, target)
	}
	t.Logf("the customer's pointer drawn at %s (%d pixels)", got.At, got.Drawn)
}

// checkConsoleClipboard: a paste in the page (its paste event, as Ctrl-V
// gives it) lands on the customer's clipboard, and what a customer
// application copies shows in the page; both texts take several pieces.
func checkConsoleClipboard(t *testing.T, b *browser, x *xvfb.Client, display string) {
	t.Helper()
	// The clipboard's XFIXES setup fills xgb's package-wide event tables,
	// which x's reader reads for every event (the agent's key remapping
	// sends every client MappingNotify): a round trip on x before and
	// after orders the two for the race detector.
	x.Pointer()
	app, err := input.NewX11Clipboard(input.ClipboardOptions{Display: display})
	x.Pointer()
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	toCustomer := strings.Repeat("Collé depuis la console — Ж #1\n", 700) // 23 kB
	arg, _ := json.Marshal(toCustomer)
	b.do("eval", map[string]any{"expr": fmt.Sprintf(`(() => {
		const dt = new DataTransfer();
		dt.setData('text/plain', %s);
		document.getElementById('keys').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
	})()`, arg)})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got string
	for ctx.Err() == nil && got != toCustomer {
		got, _ = app.Get(ctx)
		time.Sleep(100 * time.Millisecond)
	}
	if got != toCustomer {
		t.Errorf("the customer's clipboard holds %d bytes (%.40q…), want the %d pasted in the page", len(got), got, len(toCustomer))
	}
	toOperator := strings.Repeat("copied by the customer: Жёлтый\t", 1500) // 48 kB
	if err := app.Set(toOperator); err != nil {
		t.Fatal(err)
	}
	b.do("waitAttr", map[string]any{"sel": "#remote-clip", "name": "data-length", "value": fmt.Sprint(utf8.RuneCountInString(toOperator))})
	if got := b.texts("#remote-clip")[0]; !strings.Contains(got, "copied by the customer: Жёлтый") {
		t.Errorf("the page shows %q for the customer's clipboard", got)
	}
}

// checkConsoleFile drops a 300 kB file on the picture; the customer
// allows it (a real click) and it lands in their folder with the SHA-256
// of what the page read, streamed in pieces.
func checkConsoleFile(t *testing.T, b *browser, agent *proc, display, dir string) {
	t.Helper()
	const size = 300_000
	content := make([]byte, size)
	for i := range content {
		content[i] = byte(i * 7 % 251)
	}
	b.do("eval", map[string]any{"expr": fmt.Sprintf(`(() => {
		const bytes = new Uint8Array(%d).map((_, i) => (i * 7) %% 251);
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'relevé de compte.bin'));
		document.getElementById('screen').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
	})()`, size)})
	q := answer(t, agent, display, "allow")
	if q["kind"] != "file-in" || q["file"] != "relevé de compte.bin" {
		t.Errorf("the customer was asked %v, want the file", q)
	}
	b.do("waitAttr", map[string]any{"sel": "#transfer-1", "name": "data-state", "value": "done"})
	got, err := os.ReadFile(filepath.Join(dir, "relevé de compte.bin"))
	if err != nil || sha256.Sum256(got) != sha256.Sum256(content) {
		t.Errorf("the customer's folder holds %d bytes (%v), want the %d dropped in the page", len(got), err, size)
	}
	t.Logf("page: %s", b.texts("#transfer-1")[0])

	// Fetching: the customer allows, the page checks the SHA-256 and
	// offers the file to save, which Chromium downloads.
	src := filepath.Join(t.TempDir(), "journal système.log")
	fetched := append([]byte("début\n"), content[:200_000]...)
	if err := os.WriteFile(src, fetched, 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("fill", map[string]any{"sel": "#fetch-path", "value": src})
	b.do("press", map[string]any{"sel": "#fetch-path", "key": "Enter"})
	if q := answer(t, agent, display, "allow"); q["kind"] != "file-out" {
		t.Errorf("the customer was asked %v, want the download", q)
	}
	b.do("waitAttr", map[string]any{"sel": "#transfer-2", "name": "data-state", "value": "fetched"})
	saved := filepath.Join(t.TempDir(), "saved.log")
	var dl struct{ Name string }
	json.Unmarshal(b.do("download", map[string]any{"sel": "#save-2", "path": saved}), &dl)
	got, err = os.ReadFile(saved)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(fetched) || dl.Name != "journal système.log" {
		t.Errorf("the page saved %q, %d bytes (%v), want the customer's %d", dl.Name, len(got), err, len(fetched))
	}
}

// checkConsoleChat: View only in the page drops to view (no question);
// the page's message opens the agent's chat (its input appears on the
// panel), and the customer's answer, typed there with real keys, shows in
// the page. In view, the customer's own mouse does not take control back,
// which would move the panel's controls under the click.
func checkConsoleChat(t *testing.T, b *browser, s *session) {
	t.Helper()
	b.do("click", map[string]any{"sel": "#view-only"})
	b.waitText("#mode", "Viewing")
	for m := s.agent.next(t, "mode"); m["mode"] != "view"; m = s.agent.next(t, "mode") {
	}
	b.do("fill", map[string]any{"sel": "#chat-text", "value": "Bonjour, je vois votre écran"})
	b.do("press", map[string]any{"sel": "#chat-text", "key": "Enter"})
	b.waitText("#chat-log", "Bonjour, je vois votre écran")
	clickControl(t, s.display, s.control(t, "chat-input"))
	xdo(t, s.display, "type", "Merci !")
	xdo(t, s.display, "key", "Return")
	b.waitText("#chat-log", "Merci !")
}
