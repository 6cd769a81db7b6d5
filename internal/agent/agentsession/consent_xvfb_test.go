package agentsession

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techscript"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// consentRun is one technician and one agent sharing a private Xvfb, the
// agent's customer scripted.
type consentRun struct {
	techErr, agentErr error
	tech, agent       *collected
	x                 *xvfb.Client
	cust              *scriptedCustomer
}

// viewConfig is what a test's technician does: its settings and script.
type viewConfig struct {
	Monitor     int
	Mode        proto.Mode
	ThenMode    proto.Mode
	Moves       []input.Event
	DemoDisplay string
}

func runConsent(t *testing.T, view viewConfig, endAfter time.Duration, screenCfg ScreenConfig, answers ...string) consentRun {
	t.Helper()
	return runConsentOn(t, xvfb.Start(t, 640, 480), view, endAfter, screenCfg, answers...)
}

// runConsentOn is runConsent on the customer's display.
func runConsentOn(t *testing.T, display string, view viewConfig, endAfter time.Duration, screenCfg ScreenConfig, answers ...string) consentRun {
	t.Helper()
	s := newStack(t, "udp")
	tech, agent := newEvents(), newEvents()
	res := consentRun{x: xvfb.Connect(t, display), cust: newScriptedCustomer(answers...)}
	res.x.Window(image.Rect(100, 100, 300, 200), 0x2040e0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	techDone := make(chan error, 1)
	go func() {
		tcfg := techsession.TechnicianConfig{Common: s.common(tech, false), Token: s.token, EndAfter: endAfter,
			Monitor: view.Monitor, Mode: view.Mode, DemoDisplay: view.DemoDisplay}
		techDone <- techscript.Run(ctx, tcfg, techscript.Script{ThenMode: view.ThenMode, Moves: view.Moves})
	}()
	code := tech.next(t, "code")["code"].(string)
	stop := make(chan struct{})
	techEvents, agentEvents := collect(tech, stop), collect(agent, stop)
	res.agentErr = RunAgent(ctx, AgentConfig{Common: s.common(agent, false), Code: code, Screen: screenCfg, Customer: res.cust,
		Platform: platform.Native(platform.Config{Display: display})})
	res.techErr = <-techDone
	close(stop)
	res.tech, res.agent = <-techEvents, <-agentEvents
	return res
}

// collected is every event of one side, gathered as they come so that
// the side never blocks on its reporter.
type collected struct {
	lines []map[string]any
}

func collect(e *events, stop <-chan struct{}) <-chan *collected {
	out := make(chan *collected, 1)
	go func() {
		c := &collected{}
		for {
			select {
			case m := <-e.lines:
				c.lines = append(c.lines, m)
			case <-stop:
				for {
					select {
					case m := <-e.lines:
						c.lines = append(c.lines, m)
					default:
						out <- c
						return
					}
				}
			}
		}
	}()
	return out
}

// all returns the events called name, in order.
func (c *collected) all(name string) []map[string]any {
	var out []map[string]any
	for _, m := range c.lines {
		if m["event"] == name {
			out = append(out, m)
		}
	}
	return out
}

// TestConsentRefused: a customer who says no ends the session before any
// picture leaves the agent; the technician is told and exits "refused".
func TestConsentRefused(t *testing.T) {
	leakcheck.Check(t)
	res := runConsent(t, viewConfig{Monitor: -1}, 0, ScreenConfig{}, proto.AnswerRefused)
	if !errors.Is(res.techErr, session.ErrRefused) {
		t.Fatalf("technician: %v, want ErrRefused", res.techErr)
	}
	if res.agentErr != nil {
		t.Fatalf("agent: %v, want a clean end (its customer's choice)", res.agentErr)
	}
	q := <-res.cust.asked
	if q.Kind != session.AskSession || q.Mode != proto.ModeControl || q.Operator == "" {
		t.Errorf("question %+v: want the session question for control, naming the operator", q)
	}
	if n := lastFrames(res.tech); n != 0 {
		t.Fatalf("technician decoded %v frames from a customer who refused", n)
	}
}

// TestViewModeDropsInput: allowed to view only, the technician sees the
// screen, but its pointer moves never reach it — not even after asking
// for control, which the customer refuses: the session stays in view.
func TestViewModeDropsInput(t *testing.T) {
	leakcheck.Check(t)
	move := input.Event{Type: input.PointerMove, X: 500, Y: 400}
	res := runConsent(t, viewConfig{Monitor: -1, Mode: proto.ModeView, ThenMode: proto.ModeControl, Moves: []input.Event{move}},
		3*time.Second, ScreenConfig{}, proto.AnswerAllowed, proto.AnswerRefused)
	if res.techErr != nil || res.agentErr != nil {
		t.Fatalf("technician: %v; agent: %v", res.techErr, res.agentErr)
	}
	modes := res.tech.all("mode")
	if len(modes) < 2 || modes[0]["mode"] != "view" || modes[0]["answer"] != "allowed" ||
		modes[1]["mode"] != "view" || modes[1]["answer"] != "refused" {
		t.Fatalf("mode events %v: want view allowed, then control refused leaving view", modes)
	}
	if p := res.x.Pointer(); p == image.Pt(500, 400) {
		t.Errorf("pointer moved to %v in view mode", p)
	}
	if n := lastFrames(res.tech); n < 1 {
		t.Errorf("technician decoded %v frames in view mode, want the screen", n)
	}
}

// lastFrames is frames_decoded in the last stats event.
func lastFrames(e *collected) float64 {
	var n float64
	for _, st := range e.all("stats") {
		n, _ = st["frames_decoded"].(float64)
	}
	return n
}

// TestControlMoves is the positive twin: with control allowed the same
// move lands.
func TestControlMoves(t *testing.T) {
	leakcheck.Check(t)
	move := input.Event{Type: input.PointerMove, X: 500, Y: 400}
	res := runConsent(t, viewConfig{Monitor: -1, Moves: []input.Event{move}}, 3*time.Second, ScreenConfig{}, proto.AnswerAllowed)
	if res.techErr != nil || res.agentErr != nil {
		t.Fatalf("technician: %v; agent: %v", res.techErr, res.agentErr)
	}
	if p := res.x.Pointer(); p != image.Pt(500, 400) {
		t.Errorf("pointer at %v, want (500,400) with control allowed", p)
	}
}

// TestDemonstration: after the customer allows it, the technician's own
// screen (a red desktop on a second Xvfb) appears in a window on the
// customer's display; before that, nothing red is there.
func TestDemonstration(t *testing.T) {
	leakcheck.Check(t)
	techDisplay := xvfb.Start(t, 640, 480)
	xvfb.Connect(t, techDisplay).Window(image.Rect(0, 0, 640, 480), 0xd02020)
	customer := xvfb.Start(t, 1280, 800)
	t.Setenv("DISPLAY", customer) // the demonstration window opens on $DISPLAY
	cx := xvfb.Connect(t, customer)
	if n := redPixels(cx.Screenshot()); n != 0 {
		t.Fatalf("%d red pixels on the customer's screen before the demonstration", n)
	}
	seen := make(chan int, 1)
	stop := make(chan struct{})
	go func() {
		best := 0
		for {
			select {
			case <-stop:
				seen <- best
				return
			case <-time.After(100 * time.Millisecond):
				best = max(best, redPixels(cx.Screenshot()))
			}
		}
	}()
	view := viewConfig{Monitor: -1, Mode: proto.ModeView, ThenMode: proto.ModeDemonstrate, DemoDisplay: techDisplay}
	res := runConsentOn(t, customer, view, 5*time.Second, ScreenConfig{Demonstrations: true}, proto.AnswerAllowed, proto.AnswerAllowed)
	close(stop)
	if res.techErr != nil || res.agentErr != nil {
		t.Fatalf("technician: %v; agent: %v", res.techErr, res.agentErr)
	}
	modes := res.tech.all("mode")
	if len(modes) < 2 || modes[1]["mode"] != "demonstrate" || modes[1]["answer"] != "allowed" {
		t.Fatalf("mode events %v: want demonstrate allowed", modes)
	}
	if n := <-seen; n < 50_000 {
		t.Errorf("at most %d red pixels on the customer's screen: the technician's screen was not shown", n)
	}
}

func redPixels(img *image.RGBA) int {
	n := 0
	for i := 0; i+3 < len(img.Pix); i += 4 {
		r, g, b := img.Pix[i], img.Pix[i+1], img.Pix[i+2]
		if r > 0xb0 && g < 0x50 && b < 0x50 {
			n++
		}
	}
	return n
}
