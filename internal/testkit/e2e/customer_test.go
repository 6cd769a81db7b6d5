package e2e

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// session is one technician and one agent on a private Xvfb, the agent's
// first question answered Allow.
type session struct {
	tech, agent *proc
	display     string
}

func newSession(t *testing.T, srv *sigServer, user, pw, display string, techArgs ...string) *session {
	t.Helper()
	b := binaries(t)
	args := append([]string{"-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json"}, techArgs...)
	tech := start(t, b["technician"], nil, args...)
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	return &session{tech: tech, agent: agent, display: display}
}

// control returns where the panel's control name is, from the agent's
// latest "panel" event that has it.
func (s *session) control(t *testing.T, name string) any {
	t.Helper()
	if p := s.agent.last("panel"); p != nil {
		if r, ok := p["controls"].(map[string]any)[name]; ok {
			return r
		}
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		p := s.agent.next(t, "panel")
		if r, ok := p["controls"].(map[string]any)[name]; ok {
			return r
		}
	}
	t.Fatalf("the agent's panel never showed %q", name)
	return nil
}

func (s *session) end(t *testing.T) {
	t.Helper()
	s.tech.cmd.Process.Signal(os.Interrupt)
	s.tech.wait(t, 20*time.Second)
	s.agent.wait(t, 20*time.Second)
}

func xdo(t *testing.T, display string, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

// TestModeChangeRefused: allowed to view, the technician asks for
// control; the customer says no and the session stays in view.
func TestModeChangeRefused(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	s := newSession(t, srv, user, pw, xvfb.Start(t, 1280, 800), "-mode", "view", "-then-mode", "control")
	if m := s.tech.next(t, "mode"); m["mode"] != "view" || m["answer"] != "allowed" {
		t.Fatalf("first answer %v", m)
	}
	if q := answer(t, s.agent, s.display, "deny"); q["kind"] != "mode" || q["mode"] != "control" {
		t.Errorf("second question %v, want the mode question for control", q)
	}
	if m := s.tech.next(t, "mode"); m["mode"] != "view" || m["answer"] != "refused" {
		t.Fatalf("after the refusal %v, want view kept", m)
	}
	s.end(t)
}

// TestDemonstration: the technician shows its own screen (a red desktop
// on its own Xvfb); once the customer allows it, the customer's display
// shows it.
func TestDemonstration(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	techScreen := xvfb.Start(t, 800, 600)
	xvfb.Connect(t, techScreen).Window(image.Rect(0, 0, 800, 600), 0xd02020)
	customer := xvfb.Start(t, 1280, 800)
	cx := xvfb.Connect(t, customer)
	s := newSession(t, srv, user, pw, customer, "-mode", "view", "-then-mode", "demonstrate", "-demo-display", techScreen)
	if n := countRed(cx.Screenshot()); n > 20_000 { // the agent's red Stop button is there
		t.Fatalf("%d red pixels on the customer's screen before the demonstration", n)
	}
	if q := answer(t, s.agent, customer, "allow"); q["mode"] != "demonstrate" {
		t.Fatalf("question %v, want demonstrate", q)
	}
	var reds int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && reds < 100_000; time.Sleep(200 * time.Millisecond) {
		reds = countRed(cx.Screenshot())
	}
	if reds < 100_000 {
		t.Fatalf("the customer's screen shows %d red pixels, want the technician's red desktop", reds)
	}
	s.end(t)
}

// TestObserverInputDropped: allowed to view only, the technician's click
// and typing never reach the customer's xterm.
func TestObserverInputDropped(t *testing.T) {
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Skip("xterm not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	display := xvfb.Start(t, 1280, 800)
	typed := filepath.Join(t.TempDir(), "typed.txt")
	start(t, "xterm", []string{"DISPLAY=" + display, "LANG=C.UTF-8"}, "-geometry", "60x8+100+100", "-e", "sh", "-c", "cat > "+typed)
	waitFile(t, typed)
	s := newSession(t, srv, user, pw, display, "-mode", "view", "-click", "0:200,150", "-type", "secret\n")
	if sent := s.tech.next(t, "input-sent"); sent["events"].(float64) < 3 {
		t.Fatalf("technician sent %v", sent)
	}
	time.Sleep(time.Second) // what was sent had time to arrive, were it let through
	if got, _ := os.ReadFile(typed); len(got) != 0 {
		t.Errorf("in view mode the xterm received %q", got)
	}
	s.end(t)
}

// TestInputOverAgentWindowDropped: with control allowed, a technician's
// click on the agent window's Stop button does nothing: the session goes
// on and ends by the technician's hang-up.
func TestInputOverAgentWindowDropped(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	// Where Stop is on this screen: from a first session's panel.
	display := xvfb.Start(t, 1280, 800)
	first := newSession(t, srv, user, pw, display)
	r := first.control(t, "stop").(map[string]any)
	stop := image.Pt(int(r["x"].(float64)+r["w"].(float64)/2), int(r["y"].(float64)+r["h"].(float64)/2))
	first.end(t)

	s := newSession(t, srv, user, pw, display, "-click", fmt.Sprintf("0:%d,%d", stop.X, stop.Y), "-end-after", "4s")
	defer func() {
		if t.Failed() {
			t.Logf("technician:\n%s\nagent:\n%s", s.tech.output(), s.agent.output())
		}
	}()
	s.tech.next(t, "input-sent")
	if e := s.tech.next(t, "ended"); e["reason"] != "hangup" {
		t.Fatalf("session ended %v: the technician's click on the agent's Stop got through", e)
	}
	s.agent.wait(t, 20*time.Second)
	if p := xvfb.Connect(t, display).Pointer(); p == stop {
		t.Errorf("the technician's pointer move onto the agent's window landed (%v)", p)
	}
}

// TestApplicationSelection: the customer shares one application window
// (chosen in the agent's apps chooser with real clicks); in the
// technician's frames everything else is black.
func TestApplicationSelection(t *testing.T) {
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Skip("xterm not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	display := xvfb.Start(t, 1280, 800)
	for _, w := range []struct{ class, bg, geometry string }{
		{"Shared", "#20c040", "40x10+100+100"}, {"Private", "#2040e0", "40x10+100+450"},
	} {
		start(t, "xterm", []string{"DISPLAY=" + display}, "-class", w.class, "-title", w.class, "-bg", w.bg, "-geometry", w.geometry)
	}
	frames := t.TempDir()
	s := newSession(t, srv, user, pw, display, "-mode", "view", "-frames", frames)
	defer func() {
		if t.Failed() {
			t.Logf("agent:\n%s\n%s", s.agent.output(), s.agent.stderr.String())
		}
	}()
	clickControl(t, display, s.control(t, "apps"))
	entry := s.control(t, "app-"+xdoSearch(t, display, "Shared"))
	clickControl(t, display, entry)
	clickControl(t, display, s.control(t, "share"))
	m := s.tech.nextOf(t, "mode")
	for m["apps_only"] != true {
		m = s.tech.nextOf(t, "mode")
	}
	time.Sleep(2 * time.Second) // a few frames after the choice
	s.end(t)
	img := readPNG(t, filepath.Join(frames, "last.png"))
	expectColour(t, img, image.Pt(150, 150), 0x20, 0xc0, 0x40) // inside the shared xterm
	expectColour(t, img, image.Pt(150, 500), 0, 0, 0)          // the private xterm: black
	expectColour(t, img, image.Pt(1000, 60), 0, 0, 0)          // the agent's own panel: black
}

// xdoSearch returns the decimal X ID of the window titled title.
func xdoSearch(t *testing.T, display, title string) string {
	t.Helper()
	cmd := exec.Command("xdotool", "search", "--name", "^"+title+"$")
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool search %s: %v", title, err)
	}
	return strings.Fields(string(out))[0]
}

// TestLocalInputTakesBackControl: once the customer has allowed control
// and their hand has settled, their own mouse suspends the technician's
// input, and both sides hear it; the moves they made on the way to Allow
// do not (the consent click moves from the screen's corner, and the
// agent may read those moves only after Allow). Give back on the panel
// lets the technician control again.
func TestLocalInputTakesBackControl(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	display := xvfb.Start(t, 1280, 800)
	s := newSession(t, srv, user, pw, display)
	defer func() {
		if t.Failed() {
			t.Logf("technician:\n%s\nagent:\n%s\n%s", s.tech.output(), s.agent.output(), s.agent.stderr.String())
		}
	}()
	suspended := func(m map[string]any) bool { return m["input_suspended"] == true }
	if m := s.tech.next(t, "mode"); m["mode"] != "control" || suspended(m) {
		t.Fatalf("after Allow the technician has %v, want control", m)
	}
	time.Sleep(2 * time.Second) // the hand that clicked Allow rests; stale moves would have counted by now
	if m := s.agent.last("mode"); suspended(m) {
		t.Fatalf("control was taken back before the customer touched anything: %v", m)
	}
	xdo(t, display, "mousemove", "--sync", "40", "700")
	if m := s.tech.next(t, "mode"); m["mode"] != "control" || !suspended(m) {
		t.Fatalf("after the customer's own move the technician has %v, want control with input suspended", m)
	}
	for !suspended(s.agent.next(t, "mode")) { // the agent says so too (next fails the test after 30 s)
	}
	time.Sleep(500 * time.Millisecond) // the panel relabels the button; its new place is reported once steady
	clickControl(t, display, s.control(t, "take-back"))
	if m := s.tech.next(t, "mode"); m["mode"] != "control" || suspended(m) {
		t.Fatalf("after Give back the technician has %v, want control", m)
	}
	s.end(t)
}
