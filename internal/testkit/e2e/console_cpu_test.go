package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// The viewer's CPU cost at 1080p30 with scrolling content: the console in
// headless Chromium, then the desktop technician's Gio window, each for
// cpuWindow on the same 1920×1080 display, in one run. Figures only: it
// runs when TANDEM_BENCH_CPU=1 and asserts no time.

// cpuWindow is how long each viewer is measured.
const cpuWindow = 15 * time.Second

// clockTicks is USER_HZ, the unit of /proc/PID/stat's utime and stime
// (100 on every Linux architecture Go builds for).
const clockTicks = 100

// TestConsoleCPU logs the CPU seconds per wall second of every Chromium
// process showing the console, and of the desktop technician showing the
// same screen in its window, with the frames each decoded and showed per
// second, and their ratio. Run it with
//
//	TANDEM_BENCH_CPU=1 go test -count=1 -run TestConsoleCPU -v ./internal/testkit/e2e/
func TestConsoleCPU(t *testing.T) {
	if os.Getenv("TANDEM_BENCH_CPU") != "1" {
		t.Skip("a measurement (about 2 minutes): set TANDEM_BENCH_CPU=1 to run it")
	}
	for _, tool := range []string{"xterm", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	needBrowser(t)
	bins := binaries(t)
	display := xvfb.Start(t, 1920, 1080)
	sig := server(t, bins)
	sig.admin(t, bins, consolePassword+"\n", "user", "add", "-name", "Olga Petrova", "olga")
	sig.admin(t, bins, "", "perm", "set", "account", "olga", "observe", "remote-control")

	page := measurePage(t, sig, display)
	desk := measureDesktop(t, sig, display)
	t.Logf("%s", page)
	t.Logf("%s", desk)
	withX := desk.viewer + desk.xserver
	t.Logf("console / desktop viewer, same run, 1920x1080 scrolling, %s each: viewer CPU %.3f / %.3f s/s = %s (%s against the desktop with its X server); CPU per frame decoded %.2f / %.2f ms = %s; agent CPU %.3f / %.3f",
		cpuWindow, page.viewer, desk.viewer, ratio(page.viewer, desk.viewer), ratio(page.viewer, withX),
		page.perFrameMs(), desk.perFrameMs(), ratio(page.perFrameMs(), desk.perFrameMs()), page.agent, desk.agent)
}

// cpuFigures is one viewer's measurement: CPU seconds per wall second of
// the viewer, of the X server it draws on (the desktop's; 0 for headless
// Chromium) and of the agent, and the frames per second it decoded and
// showed (shown < 0: not known).
type cpuFigures struct {
	name                   string
	viewer, xserver, agent float64
	decoded, shown         float64
}

func (f cpuFigures) String() string {
	shown := "?"
	if f.shown >= 0 {
		shown = fmt.Sprintf("%.1f", f.shown)
	}
	return fmt.Sprintf("%s: CPU %.3f s/s (its X server %.3f, the agent %.3f), %.1f frames decoded/s, %s shown/s",
		f.name, f.viewer, f.xserver, f.agent, f.decoded, shown)
}

// perFrameMs is the viewer's CPU milliseconds per frame decoded.
func (f cpuFigures) perFrameMs() float64 {
	if f.decoded <= 0 {
		return 0
	}
	return f.viewer / f.decoded * 1000
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// scroll starts a 120×40 xterm in the middle of the screen printing a
// line every 15 ms, so that a terminal's worth of the screen changes in
// every captured frame (a full-screen one makes every frame as large as
// a key frame, and the agent's encoder then sends about one a second,
// measured here); the returned
// func stops it (before the next customer's question, which it would
// cover).
func scroll(t *testing.T, display string) func() {
	t.Helper()
	// Each line starts further into the text, so every row differs from
	// the one it scrolls onto across the whole width.
	p := start(t, "xterm", []string{"DISPLAY=" + display}, "-geometry", "120x40+600+250", "-e", "perl", "-e",
		`$| = 1; $s = "The quick brown fox jumps over the lazy dog 0123456789 " x 8;
		for ($i = 0; ; $i++) { printf "%9d %s\n", $i, substr($s, $i % 57, 300); select(undef, undef, undef, 0.015) }`)
	return func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
	}
}

// measurePage shows the display in the console and measures Chromium's
// process tree (the browser, GPU, renderer and utility processes the
// driver started) over cpuWindow.
func measurePage(t *testing.T, sig *sigServer, display string) cpuFigures {
	t.Helper()
	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, sig.ca), "viewport": map[string]any{"width": 1920, "height": 1080}})
	b.do("initScript", map[string]any{"script": recordChannels})
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	consoleLogin(b, "olga", consolePassword, "")
	b.do("click", map[string]any{"sel": "#start"})
	b.waitText("#session-status", "Waiting for the customer")
	code := b.texts("#code")[0]
	agent := start(t, binaries(t)["agent"], nil, "-keep", "-server", sig.url, "-ca", sig.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	b.waitText("#mode", "You have control")
	stop := scroll(t, display)
	defer stop()
	time.Sleep(3 * time.Second) // the encoder settles on the moving screen

	chromium := descendants(b.cmd.Process.Pid)
	before, agent0, decoded0, shown0 := treeTicks(chromium), ticks(agent.cmd.Process.Pid), pageFrames(t, b, "framesDecoded"), pageShown(t, b)
	t0 := time.Now()
	time.Sleep(cpuWindow) // the measurement window
	chromium = descendants(b.cmd.Process.Pid)
	after, agent1, decoded1, shown1 := treeTicks(chromium), ticks(agent.cmd.Process.Pid), pageFrames(t, b, "framesDecoded"), pageShown(t, b)
	wall := time.Since(t0).Seconds()
	t.Logf("Chromium's processes (%d): %s; its receiver (getStats): %s", len(chromium), names(chromium), b.do("eval", map[string]any{"expr": `(async () => {
		for (const s of (await window.tandemTest.channels.pc.getStats()).values())
			if (s.type === 'inbound-rtp' && s.kind === 'video') return { w: s.frameWidth, h: s.frameHeight, fps: s.framesPerSecond, received: s.framesReceived,
				decoded: s.framesDecoded, dropped: s.framesDropped, freezes: s.freezeCount, decoder: s.decoderImplementation, bytes: s.bytesReceived };
		return null; })()`}))
	return cpuFigures{name: "console in headless Chromium", viewer: grew(before, after) / wall, agent: float64(agent1-agent0) / clockTicks / wall,
		decoded: (decoded1 - decoded0) / wall, shown: (shown1 - shown0) / wall}
}

// measureDesktop shows the display in the desktop technician's window
// (Gio, software GL, on a second 1920×1080 Xvfb) and measures that
// process and its X server over cpuWindow.
func measureDesktop(t *testing.T, sig *sigServer, display string) cpuFigures {
	t.Helper()
	screen := xvfb.Start(t, 1920, 1080)
	user, pw := sig.operator(t)
	bins := binaries(t)
	tech := start(t, bins["technician"], []string{"DISPLAY=" + screen, "LIBGL_ALWAYS_SOFTWARE=1"},
		"-server", sig.url, "-ca", sig.ca, "-user", user, "-password-file", pw, "-json", "-end-after", "120s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, bins["agent"], nil, "-keep", "-server", sig.url, "-ca", sig.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	tech.next(t, "connected")
	stop := scroll(t, display)
	defer stop()
	time.Sleep(3 * time.Second) // as for the page

	xserver := newestXvfb(t)
	statsAt := func() float64 { n, _ := tech.last("stats")["frames_decoded"].(float64); return n }
	tech0, x0, agent0, decoded0 := ticks(tech.cmd.Process.Pid), ticks(xserver), ticks(agent.cmd.Process.Pid), statsAt()
	t0 := time.Now()
	time.Sleep(cpuWindow) // the measurement window
	tech1, x1, agent1, decoded1 := ticks(tech.cmd.Process.Pid), ticks(xserver), ticks(agent.cmd.Process.Pid), statsAt()
	wall := time.Since(t0).Seconds()
	t.Logf("the desktop technician's last stats: %v", tech.last("stats"))
	per := func(a, b int64) float64 { return float64(b-a) / clockTicks / wall }
	// The stats event comes once a second: its frame count lags by up to
	// a second at both ends, which cancels out over the window.
	return cpuFigures{name: "desktop technician window (Gio)", viewer: per(tech0, tech1), xserver: per(x0, x1), agent: per(agent0, agent1),
		decoded: (decoded1 - decoded0) / wall, shown: -1}
}

// pageFrames reads one counter of the page's inbound video (getStats).
func pageFrames(t *testing.T, b *browser, field string) float64 {
	t.Helper()
	raw := b.do("eval", map[string]any{"expr": `(async () => {
		const stats = await window.tandemTest.channels.pc.getStats();
		for (const s of stats.values()) if (s.type === 'inbound-rtp' && s.kind === 'video') return s['` + field + `'] || 0;
		return 0;
	})()`})
	n, _ := strconv.ParseFloat(string(raw), 64)
	return n
}

// pageShown reads the frames the page's <video> has presented
// (requestVideoFrameCallback's presentedFrames at its next frame; 10 s
// bound a still picture).
func pageShown(t *testing.T, b *browser) float64 {
	t.Helper()
	raw := b.do("eval", map[string]any{"expr": `new Promise((done) => {
		const v = document.getElementById('remote-video');
		const timer = setTimeout(() => done(-1), 10000);
		v.requestVideoFrameCallback((_, m) => { clearTimeout(timer); done(m.presentedFrames); });
	})`})
	n, _ := strconv.ParseFloat(string(raw), 64)
	return n
}

// descendants lists the processes under pid (not pid itself), from
// /proc/*/stat's parent field.
func descendants(pid int) []int {
	parent := map[int]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		if f := statFields(d); len(f) > 1 {
			p, _ := strconv.Atoi(f[1])
			c, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
			parent[c] = p
		}
	}
	var out []int
	for c := range parent {
		for p := parent[c]; p > 1; p = parent[p] {
			if p == pid {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// statFields returns /proc/PID/stat's fields after the command name: [0]
// is the state, [1] the parent, [11] utime and [12] stime.
func statFields(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// ticks is a process's user and system CPU time so far, in clock ticks
// (0 once it has gone).
func ticks(pid int) int64 {
	f := statFields(fmt.Sprintf("/proc/%d/stat", pid))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

func treeTicks(pids []int) map[int]int64 {
	m := make(map[int]int64, len(pids))
	for _, p := range pids {
		m[p] = ticks(p)
	}
	return m
}

// grew is the CPU seconds the processes of after spent since before (a
// process started meanwhile counts whole; one that ended is lost, which
// Chromium's long-lived processes do not do while a page plays).
func grew(before, after map[int]int64) float64 {
	var n int64
	for p, v := range after {
		n += v - before[p]
	}
	return float64(n) / clockTicks
}

// names lists the processes' names (Chromium's with its --type).
func names(pids []int) string {
	var out []string
	for _, p := range pids {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		n := strings.TrimSpace(string(comm))
		for _, a := range strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " ")) {
			if strings.HasPrefix(a, "--type=") {
				n += " " + strings.TrimPrefix(a, "--type=")
			}
		}
		out = append(out, n)
	}
	return strings.Join(out, ", ")
}

// newestXvfb is the PID of the Xvfb this test started last (among its
// own children, by start time): xvfb.Start does not say its PID, and
// Xvfb -displayfd writes no lock file.
func newestXvfb(t *testing.T) int {
	t.Helper()
	best, bestStart := 0, int64(-1)
	for _, p := range descendants(os.Getpid()) {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		f := statFields(fmt.Sprintf("/proc/%d/stat", p))
		if strings.TrimSpace(string(comm)) != "Xvfb" || len(f) < 20 {
			continue
		}
		if at, _ := strconv.ParseInt(f[19], 10, 64); at > bestStart {
			best, bestStart = p, at
		}
	}
	if best == 0 {
		t.Log("no Xvfb found: the X server's CPU reads 0")
	}
	return best
}
