package e2e

import (
	"image"
	"os/exec"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// countFakeGreen counts the pixels of Chromium's fake screen capture
// (--use-fake-device-for-media-stream: mostly green around 0x00, 0x80-0x9f,
// 0x00) in img.
func countFakeGreen(img *image.RGBA) int {
	n := 0
	for i := 0; i+3 < len(img.Pix); i += 4 {
		r, g, b := img.Pix[i], img.Pix[i+1], img.Pix[i+2]
		if r < 48 && b < 48 && g >= 100 && g <= 175 {
			n++
		}
	}
	return n
}

// TestConsoleDemonstration: the operator shows their screen from the
// page (getDisplayMedia; Chromium's fake capture here); the agent asks
// the customer, who allows it (xdotool), and the customer's display shows
// the page's picture.
func TestConsoleDemonstration(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	needBrowser(t)
	bins := binaries(t)
	display := xvfb.Start(t, 1280, 800)
	x := xvfb.Connect(t, display)
	sig := server(t, bins)
	sig.admin(t, bins, consolePassword+"\n", "user", "add", "-name", "Paul Durand", "paul")
	sig.admin(t, bins, "", "perm", "set", "account", "paul", "observe", "remote-control", "demonstrate")

	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, sig.ca),
		"args": []string{"--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"}})
	b.do("goto", map[string]any{"url": sig.url + "/console"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	consoleLogin(b, "paul", consolePassword, "")
	b.waitText("#operator-name", "Paul Durand")
	b.do("click", map[string]any{"sel": "#start"})
	b.waitText("#session-status", "Waiting for the customer")
	agent := start(t, bins["agent"], nil, "-keep", "-server", sig.url, "-ca", sig.ca, "-code", b.texts("#code")[0],
		"-json", "-display", display)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("agent's output:\n%s\n%s", agent.output(), agent.stderr.String())
		}
	})
	answer(t, agent, display, "allow")
	b.waitText("#mode", "You have control")
	if n := countFakeGreen(x.Screenshot()); n > 20_000 {
		t.Fatalf("%d green pixels on the customer's screen before the demonstration", n)
	}

	b.do("click", map[string]any{"sel": "#demo"})
	if q := answer(t, agent, display, "allow"); q["mode"] != "demonstrate" {
		t.Fatalf("question %v, want demonstrate", q)
	}
	b.waitText("#mode", "Demonstration")
	var green int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && green < 100_000; time.Sleep(200 * time.Millisecond) {
		green = countFakeGreen(x.Screenshot())
	}
	if green < 100_000 {
		t.Fatalf("the customer's screen shows %d pixels of the page's shared screen, want its picture", green)
	}
	t.Logf("the customer's screen shows the page's shared screen (%d pixels)", green)

	// Pressed again, the page stops sharing and asks for control back
	// (allowed; the customer's click took their input back, as clicks do),
	// and the demonstration window closes.
	b.do("click", map[string]any{"sel": "#demo"})
	if q := answer(t, agent, display, "allow"); q["mode"] != "control" {
		t.Errorf("question %v, want control back", q)
	}
	for m := agent.next(t, "mode"); m["answer"] != "allowed" || m["mode"] != "control"; m = agent.next(t, "mode") {
	}
	if p := b.attr("#demo", "aria-pressed"); p != "false" {
		t.Errorf("Show my screen still pressed (%q) after the demonstration", p)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && green >= 20_000; time.Sleep(200 * time.Millisecond) {
		green = countFakeGreen(x.Screenshot())
	}
	if green >= 20_000 {
		t.Errorf("the customer's screen still shows %d pixels of the demonstration", green)
	}
	b.do("click", map[string]any{"sel": "#end"})
	if st := agent.wait(t, 20*time.Second); st != 0 {
		t.Fatalf("agent exit %d\n%s", st, agent.stderr.String())
	}
}
