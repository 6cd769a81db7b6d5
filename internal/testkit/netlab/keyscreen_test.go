package netlab

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/technician/techscript"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// keyFileSize is the file that streams during a row: about half a minute
// at the lab's loss-free goodput (30 MB/s); at 10 % loss it does not end
// within the row. Presses after the transfer ended do not count.
const keyFileSize = 1 << 30

// keySeconds is how long each row's technician stays connected
// (-end-after); its presses count from the moment the customer has
// answered every question and the pointer rests on the terminal.
const keySeconds = 60

// keyCase is one row: loss each way and what streams meanwhile.
type keyCase struct {
	name string
	loss float64 // 0..1, each way
	file string  // "", "to-agent" (technician -send) or "to-technician" (-fetch)
}

// keyRun is what one row measured.
type keyRun struct {
	delays   []float64 // ms, of the presses that showed
	unshown  int       // presses that never showed (3 s)
	fileMBps float64   // the file's goodput while the presses ran
	// wrong is how many of the terminal's pixels differ on the
	// technician's last picture from the real screen at the end.
	wrong int
}

// BenchmarkKeyToScreenUnderLoss measures what a technician feels when
// typing: the headless technician's -key-delay presses X on the agent's
// screen, where an xterm runs cat on a private Xvfb and nothing else
// moves, and times each press from sending the key to the first decoded
// picture that shows it (injection by XTEST, damage, capture, VP8, the
// video back). The real binaries run behind two cone NATs with the
// embedded relay on the wan; each router drops a share of what it forwards
// into its LAN at random. Rows: 0 and 10 % loss each way, idle and with a
// 1 GiB file streaming to the agent or to the technician (the customer
// allows each file with a click, then gives control back); only presses
// made while the file streams count. Metrics per row: the presses' p50,
// p95 and max in ms, how many showed and how many never did (3 s), p50 and
// p95 over the loss-free idle row of the same run (which runs first), the
// file's goodput, and wrong-px: how many of the terminal's pixels differ
// between the technician's last picture and the screen itself when the
// session ends. Root, about 8 minutes (scripts/bench-loss.sh SCREEN=1).
func BenchmarkKeyToScreenUnderLoss(b *testing.B) {
	Require(b)
	for _, tool := range []string{"xterm", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	bins, err := Build(b.TempDir(), "signaling", "agent", "technician")
	if err != nil {
		b.Fatalf("netlab: build: %v", err)
	}
	file := randomFile(b, keyFileSize)
	var base keyRun
	for _, c := range []keyCase{
		{"loss0%/idle", 0, ""}, {"loss10%/idle", 0.10, ""},
		{"loss0%/file-to-agent", 0, "to-agent"}, {"loss10%/file-to-agent", 0.10, "to-agent"},
		{"loss0%/file-to-technician", 0, "to-technician"}, {"loss10%/file-to-technician", 0.10, "to-technician"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var r keyRun
			for range b.N {
				r = runKeys(b, bins, c, file)
			}
			if c.name == "loss0%/idle" {
				base = r
			}
			r.report(b, base)
		})
	}
}

// report prints r's metrics, with p50 and p95 against base.
func (r keyRun) report(b *testing.B, base keyRun) {
	p50, p95, top := percentile(r.delays, 0.50), percentile(r.delays, 0.95), percentile(r.delays, 1)
	b.ReportMetric(0, "ns/op") // the presses, not the row's length, are the figure
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p95, "p95-ms")
	b.ReportMetric(top, "max-ms")
	b.ReportMetric(float64(len(r.delays)), "shown")
	b.ReportMetric(float64(r.unshown), "unshown")
	if bp50, bp95 := percentile(base.delays, 0.50), percentile(base.delays, 0.95); bp50 > 0 && bp95 > 0 {
		b.ReportMetric(p50/bp50, "p50/idle0")
		b.ReportMetric(p95/bp95, "p95/idle0")
	}
	b.ReportMetric(float64(r.wrong), "wrong-px")
	if r.fileMBps > 0 {
		b.ReportMetric(r.fileMBps, "file-MB/s")
	}
}

// percentile is the nearest-rank q-quantile of xs (0 when empty).
func percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	i := max(int(q*float64(len(s))+0.999999)-1, 0)
	return s[min(i, len(s)-1)]
}

// runKeys runs one row: a session whose technician presses keys for
// keySeconds, with c's loss and file.
func runKeys(b *testing.B, bins Binaries, c keyCase, file string) keyRun {
	b.Helper()
	display := catScreen(b)
	lab := New(b)
	d := DeployEmbedded(b, lab, bins)
	ra, rb := lab.Router("ra", PublicA, LANA, Cone), lab.Router("rb", PublicB, LANB, Cone)
	techNS, _ := ra.Host("tech")
	agentNS, _ := rb.Host("agent")
	ra.Loss(c.loss)
	rb.Loss(c.loss)
	ctx, cancel := context.WithTimeout(context.Background(), (keySeconds+60)*time.Second)
	defer cancel()
	dir := b.TempDir()
	keys := filepath.Join(dir, "keys.json")
	common := []string{"-server", d.ServerURL, "-ca", d.CA, "-json"}
	args := []string{"-headless", "-user", d.User, "-password-file", d.PasswordFile,
		"-end-after", fmt.Sprint(keySeconds, "s"), "-key-delay", keys, "-download-dir", dir, "-frames", dir}
	switch c.file {
	case "to-agent":
		args = append(args, "-send", file)
	case "to-technician":
		args = append(args, "-fetch", file)
	}
	s := &Session{d: d}
	s.Tech = techNS.Start("technician", bins["technician"], append(args, common...)...)
	code, err := s.Tech.WaitEvent(ctx, "code")
	if err != nil {
		b.Fatalf("netlab: %v\n%s", err, s.Dump())
	}
	s.Agent = agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code"),
		"-display", display, "-download-dir", b.TempDir()}, common...)...)
	questions := 1
	if c.file != "" {
		questions = 2
	}
	for n := 1; n <= questions; n++ {
		allow(b, ctx, s, display, n)
	}
	xdotool(b, display, "mousemove", "--sync", "300", "300") // back on the terminal, as the customer's hand
	if c.file != "" {
		giveBack(b, ctx, s, display)
	}
	ready := time.Now()
	r := keyRun{}
	var fileEnd time.Time // zero while the file still streams
	r.fileMBps, fileEnd = watchFile(ctx, s.Tech, c.file != "")
	for _, p := range []*Proc{s.Tech, s.Agent} {
		if err := p.Wait(ctx); err != nil && !p.Exited() {
			b.Fatalf("netlab: %v\n%s", err, s.Dump())
		}
	}
	if m := lastEvent(s.Tech, "mode"); m["input_suspended"] == true {
		b.Fatalf("netlab: the customer took control back during the row: %v\n%s", m, s.Dump())
	}
	r.wrong = wrongPixels(b, filepath.Join(dir, "last.png"), display)
	for _, k := range readKeys(b, keys) {
		switch {
		case k.Sent.Before(ready), !fileEnd.IsZero() && k.Sent.After(fileEnd):
		case k.Shown:
			r.delays = append(r.delays, k.DelayMS)
		default:
			r.unshown++
		}
	}
	if len(r.delays) == 0 {
		b.Fatalf("netlab: no press showed on the technician's screen\n%s", s.Dump())
	}
	return r
}

// catScreen starts a private Xvfb with one xterm running cat (terminal),
// so that only typed keys change the screen, and returns its display.
func catScreen(b *testing.B) string {
	b.Helper()
	display := xvfb.Start(b, 1280, 800)
	cmd := exec.Command("xterm", "-geometry", "200x30+40+220", "-e", "cat")
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	if err := cmd.Start(); err != nil {
		b.Fatalf("start xterm: %v", err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return display
}

// allow clicks Allow on the agent's n-th question.
func allow(b *testing.B, ctx context.Context, s *Session, display string, n int) {
	b.Helper()
	for len(s.Agent.Events("question")) < n {
		if ctx.Err() != nil || s.Agent.Exited() {
			b.Fatalf("netlab: the agent asked no question #%d\n%s", n, s.Dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
	q := s.Agent.Events("question")[n-1]
	r, ok := q["allow"].(map[string]any)
	if !ok {
		b.Fatalf("netlab: question without an allow rectangle: %v", q)
	}
	num := func(k string) float64 { v, _ := r[k].(float64); return v }
	xdotool(b, display, "mousemove", "--sync", "0", "0", "mousemove", "--sync",
		fmt.Sprint(int(num("x")+num("w")/2)), fmt.Sprint(int(num("y")+num("h")/2)), "click", "1")
}

// giveBack undoes the customer's file click taking control back: a
// click in their own window more than a second after they allowed control
// counts as their hand on the mouse. It clicks Give back control and
// returns the pointer to the terminal within that second.
func giveBack(b *testing.B, ctx context.Context, s *Session, display string) {
	b.Helper()
	wait, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	for lastEvent(s.Tech, "mode")["input_suspended"] != true {
		if wait.Err() != nil {
			return // the click came within the second: control stayed
		}
		time.Sleep(20 * time.Millisecond)
	}
	var r map[string]any // the button, once the panel has stood still after the question
	for r == nil {
		controls, _ := lastEvent(s.Agent, "panel")["controls"].(map[string]any)
		r, _ = controls["take-back"].(map[string]any)
		if r == nil && ctx.Err() != nil {
			b.Fatalf("netlab: no Give back control button\n%s", s.Dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
	num := func(k string) float64 { v, _ := r[k].(float64); return v }
	xdotool(b, display, "mousemove", "--sync", fmt.Sprint(int(num("x")+num("w")/2)), fmt.Sprint(int(num("y")+num("h")/2)),
		"click", "1", "mousemove", "--sync", "300", "300")
	for lastEvent(s.Tech, "mode")["input_suspended"] == true {
		if ctx.Err() != nil {
			b.Fatalf("netlab: control not given back\n%s", s.Dump())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func xdotool(b *testing.B, display string, args ...string) {
	b.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("xdotool: %v\n%s", err, out)
	}
}

// watchFile follows the technician's transfer events until it exits, or
// until the transfer ends (then end is when), and returns the file's
// goodput from now to the last progress seen.
func watchFile(ctx context.Context, tech *Proc, streaming bool) (mbps float64, end time.Time) {
	if !streaming {
		return 0, time.Time{}
	}
	done0, _ := lastEvent(tech, "transfer").Num("done")
	t0 := time.Now()
	var done1 float64
	var t1 time.Time
	for !tech.Exited() && ctx.Err() == nil {
		if _, ok := tech.Event("transfer-done"); ok {
			end = time.Now()
			break
		}
		done1, _ = lastEvent(tech, "transfer").Num("done")
		t1 = time.Now()
		time.Sleep(100 * time.Millisecond)
	}
	if t1.IsZero() {
		return 0, end
	}
	return (done1 - done0) / 1e6 / t1.Sub(t0).Seconds(), end
}

// terminal is the xterm catScreen opens: 200x30 cells of 6x13 pixels,
// below the agent's window and wide enough that a row's presses (about
// 120) never reach the end of the line, where the cursor stops moving.
var terminal = image.Rect(42, 222, 1242, 612)

// wrongPixels counts the terminal's pixels whose brightness differs by a
// quarter of the range or more between the technician's last picture and
// the screen itself: 0 when the picture ended right (a press still in
// flight as the session ended accounts for about 150).
func wrongPixels(b *testing.B, lastPNG, display string) int {
	b.Helper()
	f, err := os.Open(lastPNG)
	if err != nil {
		b.Fatalf("netlab: the technician's last picture: %v", err)
	}
	defer f.Close()
	got, err := png.Decode(f)
	if err != nil {
		b.Fatalf("netlab: the technician's last picture: %v", err)
	}
	want := xvfb.Connect(b, display).Screenshot()
	n := 0
	for y := terminal.Min.Y; y < terminal.Max.Y; y++ {
		for x := terminal.Min.X; x < terminal.Max.X; x++ {
			if d := luma(got.At(x, y)) - luma(want.At(x, y)); d >= 64 || d <= -64 {
				n++
			}
		}
	}
	return n
}

func luma(c color.Color) int {
	r, g, b, _ := c.RGBA()
	return int(299*r+587*g+114*b) / 1000 >> 8
}

// randomFile writes size random bytes into a temporary file.
func randomFile(b *testing.B, size int64) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "stream.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	return path
}

// readKeys reads the technician's -key-delay file.
func readKeys(b *testing.B, path string) []techscript.KeyDelay {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatalf("netlab: key delays: %v", err)
	}
	defer f.Close()
	var out []techscript.KeyDelay
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var k techscript.KeyDelay
		if err := json.Unmarshal(sc.Bytes(), &k); err != nil {
			b.Fatalf("netlab: key delays: %q: %v", sc.Text(), err)
		}
		out = append(out, k)
	}
	return out
}
