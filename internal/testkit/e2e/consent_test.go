package e2e

import (
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// clickControl clicks the centre of a rectangle from an agent event
// ({"x","y","w","h"}) with the real pointer on display.
func clickControl(t *testing.T, display string, r any) {
	t.Helper()
	m, ok := r.(map[string]any)
	if !ok {
		t.Fatalf("no rectangle in %v", r)
	}
	x := int(m["x"].(float64) + m["w"].(float64)/2)
	y := int(m["y"].(float64) + m["h"].(float64)/2)
	// From elsewhere, as a hand moves: a pointer already resting on the
	// spot when the window appeared under it would not be a fair test.
	xdo(t, display, "mousemove", "--sync", "0", "0", "mousemove", "--sync", fmt.Sprint(x), fmt.Sprint(y), "click", "1")
}

// answer waits for the agent's next question and clicks button
// ("allow" or "deny") in its window.
func answer(t *testing.T, agent *proc, display, button string) map[string]any {
	t.Helper()
	q := agent.next(t, "question")
	clickControl(t, display, q[button])
	return q
}

// TestConsentFirstPrompt: the customer's answer to the first question,
// clicked in the agent's window with the real pointer, decides the
// session: Allow shares the screen, Deny and no answer end it before any
// picture leaves, and the technician exits with status 3.
func TestConsentFirstPrompt(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	for _, c := range []struct {
		name       string
		click      string // "" = let it time out
		techStatus int
		answer     string
	}{
		{"allow", "allow", 0, "allowed"},
		{"deny", "deny", 3, "refused"},
		{"timeout", "", 3, "timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			display := xvfb.Start(t, 1280, 800)
			tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw,
				"-json", "-end-after", "6s") // a refusal ends it sooner
			code := tech.next(t, "code")["code"].(string)
			agent := start(t, b["agent"], nil, "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display,
				"-keep", "-consent-timeout", "3s")
			q := agent.next(t, "question")
			if q["kind"] != "session" || q["mode"] != "control" {
				t.Errorf("first question %v, want the session question for control", q)
			}
			if c.click != "" {
				clickControl(t, display, q[c.click])
			}
			mode := tech.next(t, "mode")
			if mode["answer"] != c.answer {
				t.Errorf("technician heard %v, want answer %q", mode, c.answer)
			}
			if st := tech.wait(t, 30*time.Second); st != c.techStatus {
				t.Fatalf("technician exit %d, want %d\n%s", st, c.techStatus, tech.stderr.String())
			}
			if st := agent.wait(t, 10*time.Second); st != 0 {
				t.Fatalf("agent exit %d\n%s", st, agent.stderr.String())
			}
			stats := tech.last("stats")
			frames, _ := stats["frames_decoded"].(float64)
			if (frames > 0) != (c.click == "allow") {
				t.Errorf("technician decoded %v frames after %q", frames, c.name)
			}
		})
	}
}
