package netlab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// videoRun is what the technician saw of a screen session under loss.
type videoRun struct {
	Path    string  // the technician's path when the session ended
	Frames  int     // frames decoded
	Dropped int     // frames given up
	Rebuilt int     // packets rebuilt from parity
	Stall   int     // longest run of whole stats seconds without a decoded frame
	Kbps    float64 // mean received video bit rate after the first frame
	Seconds int     // stats seconds after the first frame
	Target  int     // the agent's last logged target bitrate, kbit/s (-v)
	// Capture-to-decode latency: the median over stats seconds of each
	// second's p50 and p95.
	LatencyP50, LatencyP95 float64
	dump                   string // both sides' output, for a failure
}

func (v videoRun) String() string {
	return fmt.Sprintf("path=%s frames=%d dropped=%d rebuilt=%d stall=%ds kbps=%.0f fps=%.1f target_kbps=%d latency_ms p50=%.0f p95=%.0f",
		v.Path, v.Frames, v.Dropped, v.Rebuilt, v.Stall, v.Kbps, float64(v.Frames)/float64(max(v.Seconds, 1)), v.Target,
		v.LatencyP50, v.LatencyP95)
}

// videoCase is one network for a screen session.
type videoCase struct {
	loss      float64       // random loss each way, 0..1
	police    int           // kbit/s the technician's router lets into its LAN; 0 = no limit
	relayOnly bool          // both clients -relay-only
	delay     time.Duration // one way, on the agent's last hop
	endAfter  string        // the technician's -end-after
	// base, when set, names a directory holding an agent and a
	// technician built elsewhere (a baseline revision) to run instead of
	// this tree's.
	base string
}

// liveScreen starts a private Xvfb with an xterm printing the time every
// 50 ms (about 20 changes a second) and returns its display.
func liveScreen(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Skip("xterm not installed (scripts/install-deps.sh installs it)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	display := xvfb.Start(t, 1280, 800)
	cmd := exec.Command("xterm", "-geometry", "100x30+300+200", "-e", "sh", "-c",
		"while :; do date +%T.%N; sleep 0.05; done")
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start xterm: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return display
}

// runVideo runs one 20-changes-a-second screen session between two sites
// behind cone NATs (embedded relay on the wan), each router dropping
// c.loss of what it forwards into its LAN, with the customer's Allow
// clicked in the agent's window. Both sides must end cleanly.
func runVideo(t *testing.T, c videoCase) videoRun {
	t.Helper()
	Require(t)
	bins := tandem.get(t, "signaling", "agent", "technician")
	if c.base != "" {
		bins = Binaries{"signaling": bins["signaling"],
			"agent": filepath.Join(c.base, "agent"), "technician": filepath.Join(c.base, "technician")}
	}
	display := liveScreen(t)
	lab := New(t)
	d := DeployEmbedded(t, lab, bins)
	ra, rb := lab.Router("ra", PublicA, LANA, Cone), lab.Router("rb", PublicB, LANB, Cone)
	techNS, _ := ra.Host("tech")
	var agentNS *NS
	if c.delay > 0 {
		agentNS, _ = rb.DelayedHost("agent", c.delay)
	} else {
		agentNS, _ = rb.Host("agent")
	}
	ra.Loss(c.loss)
	rb.Loss(c.loss)
	if c.police > 0 {
		ra.Police(c.police)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	common := []string{"-server", d.ServerURL, "-ca", d.CA, "-json"}
	if c.relayOnly {
		common = append(common, "-relay-only")
	}
	s := &Session{d: d}
	s.Tech = techNS.Start("technician", bins["technician"], append([]string{"-headless", "-user", d.User,
		"-password-file", d.PasswordFile, "-end-after", c.endAfter, "-v"}, common...)...)
	code, err := s.Tech.WaitEvent(ctx, "code")
	if err != nil {
		t.Fatalf("netlab: %v\n%s", err, s.Dump())
	}
	s.Agent = agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code"),
		"-display", display, "-v"}, common...)...)
	q, err := s.Agent.WaitEvent(ctx, "question")
	if err != nil {
		t.Fatalf("netlab: the agent asked nothing: %v\n%s", err, s.Dump())
	}
	clickAllow(t, display, q)
	for _, p := range []*Proc{s.Tech, s.Agent} {
		if err := p.Wait(ctx); err != nil && !p.Exited() {
			t.Fatalf("netlab: %v\n%s", err, s.Dump())
		}
		if code := p.ExitCode(); code != 0 {
			t.Fatalf("netlab: %s exited with status %d\n%s", p.Name, code, s.Dump())
		}
	}
	v := measure(s.Tech)
	v.dump = s.Dump()
	logLines(t, s.Agent, `msg="?(video bitrate|keyframe)`)
	if m := targetLine.FindAllStringSubmatch(s.Agent.Output(), -1); len(m) > 0 {
		v.Target, _ = strconv.Atoi(m[len(m)-1][1])
	}
	return v
}

// targetLine is the agent's log line when its video bitrate target moves.
var targetLine = regexp.MustCompile(`msg="video bitrate" role=\w+ kbps=(\d+)`)

// clickAllow clicks the middle of the question's Allow button, coming
// from the screen's corner as a hand would.
func clickAllow(t *testing.T, display string, q Event) {
	t.Helper()
	r, ok := q["allow"].(map[string]any)
	if !ok {
		t.Fatalf("netlab: question without an allow rectangle: %v", q)
	}
	num := func(k string) float64 { v, _ := r[k].(float64); return v }
	x, y := int(num("x")+num("w")/2), int(num("y")+num("h")/2)
	cmd := exec.Command("xdotool", "mousemove", "--sync", "0", "0", "mousemove", "--sync",
		fmt.Sprint(x), fmt.Sprint(y), "click", "1")
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v\n%s", err, out)
	}
}

// measure reads the technician's stats events (one a second).
func measure(tech *Proc) videoRun {
	var v videoRun
	for _, c := range tech.Events("connected") {
		v.Path = c.Str("path") // the last one: a restart reports again
	}
	prev, run, started := 0, 0, false
	var bits float64
	var p50s, p95s []float64
	stats := tech.Events("stats")
	for i, e := range stats {
		f, _ := e.Num("frames_decoded")
		n := int(f)
		if d, ok := e.Num("frames_dropped"); ok {
			v.Dropped = int(d)
		}
		if r, ok := e.Num("packets_rebuilt"); ok {
			v.Rebuilt = int(r)
		}
		if !started || i == len(stats)-1 { // the last covers only the session's end
			started, prev = started || n > 0, n
			continue
		}
		v.Seconds++
		k, _ := e.Num("kbps")
		bits += k
		if n, _ := e.Num("latency_samples"); n > 0 {
			p50, _ := e.Num("latency_p50_ms")
			p95, _ := e.Num("latency_p95_ms")
			p50s, p95s = append(p50s, p50), append(p95s, p95)
		}
		if n == prev {
			run++
			v.Stall = max(v.Stall, run)
		} else {
			run = 0
		}
		prev = n
	}
	v.Frames = prev
	v.LatencyP50, v.LatencyP95 = median(p50s), median(p95s)
	if v.Seconds > 0 {
		v.Kbps = bits / float64(v.Seconds)
	}
	return v
}

// TestVideoUnderLoss: with 10 % random loss each way the technician keeps
// a live picture and both sides end cleanly. NACK repairs the losses, so at
// most two frames are given up (each costs a wait for a keyframe; 18-26
// were in 17 s with pion's 100 ms NACK interval), and never two stats
// seconds in a row pass without a decoded frame. One such second does
// happen now and then with no frame given up, when GCC's target falls
// from its start (about 13 to 1.6 Mbit/s) and the pacer drains what the
// encoder made at the higher rate.
//
// At 20 % the picture slows but stays live: never two stats seconds in a
// row without a decoded frame either (before the screen receiver held a
// frame's repair from when it blocked a later one, keyframes up to a
// second, the lab's matrix had 1-2 such seconds in three of four rows,
// with up to 16 frames given up). Frames given up are printed, not
// asserted: GCC's target there falls to 100-300 kbit/s, where one keyframe
// takes seconds and a run can lose one.
//
// A failing row prints both sides' output (the technician runs with -v:
// frames given up and keyframe requests); TANDEM_DUMP=1 prints it for the
// 20 % row every time.
func TestVideoUnderLoss(t *testing.T) {
	t.Run("10%", func(t *testing.T) {
		v := runVideo(t, videoCase{loss: 0.10, endAfter: "12s"})
		t.Logf("10%% loss each way: %v", v)
		if v.Seconds < 5 {
			t.Fatalf("only %d seconds of picture: %v\n%s", v.Seconds, v, v.dump)
		}
		if v.Dropped > 2 {
			t.Errorf("%d frames given up at 10%% loss: %v", v.Dropped, v)
		}
		if v.Stall > 1 {
			t.Errorf("the picture froze for %d s at 10%% loss: %v", v.Stall, v)
		}
		if v.Rebuilt == 0 {
			t.Errorf("no packet rebuilt from parity at 10%% loss: %v", v)
		}
		if t.Failed() {
			t.Log(v.dump)
		}
	})
	t.Run("20%", func(t *testing.T) {
		v := runVideo(t, videoCase{loss: 0.20, endAfter: "12s"})
		t.Logf("20%% loss each way: %v", v)
		if v.Seconds < 5 {
			t.Fatalf("only %d seconds of picture: %v\n%s", v.Seconds, v, v.dump)
		}
		if v.Stall > 1 {
			t.Errorf("the picture froze for %d s at 20%% loss: %v", v.Stall, v)
		}
		if t.Failed() || os.Getenv("TANDEM_DUMP") != "" {
			t.Log(v.dump)
		}
	})
}

// TestVideoPoliced: on a path policed to 1 Mbit/s (a token bucket with next
// to no queue, as throttled mobile plans and hotel networks have: loss is
// the only sign it is full), direct and relayed, the loss split finds the
// path policed, the pacer and the retransmissions keep under the policer,
// and the picture stays live (60 frames in 18 s at least, no stall over
// 5 s). Before, pion's pacer sent a packet every 5 ms whatever the target
// (1.8 Mbit/s) and its NACK responder resent at once: 1 frame in 18 s.
func TestVideoPoliced(t *testing.T) {
	for _, relay := range []bool{false, true} {
		t.Run(fmt.Sprintf("relay=%v", relay), func(t *testing.T) {
			v := runVideo(t, videoCase{police: 1000, relayOnly: relay, endAfter: "20s"})
			t.Logf("policed to 1 Mbit/s: %v", v)
			if v.Frames < 60 { // 3 a second; 150-200 in the lab, 1 before
				t.Fatalf("only %d frames decoded: %v\n%s", v.Frames, v, v.dump)
			}
			if v.Target == 0 || v.Target > 1500 {
				t.Errorf("the agent's target ended at %d kbit/s through a 1 Mbit/s policer: %v", v.Target, v)
			}
			if v.Stall > 5 { // 0-1 s in most lab runs, 3 s in one of ten; 18 before
				t.Errorf("the picture froze for %d s: %v", v.Stall, v)
			}
			if t.Failed() || os.Getenv("TANDEM_DUMP") != "" {
				t.Log(v.dump)
			}
		})
	}
}

// median is the middle of xs (0 when empty).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}
