package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// The help page in Debian's Chromium (playwright-core, web/drive.mjs)
// against the real signaling server, with real technicians on the other
// side of the chat. TANDEM_SCREENSHOTS names a folder to keep the
// screenshots in (a temporary one otherwise).

// TestHelpPageCodeAndChat: keyboard only, the customer types the code
// the technician gave; the page names the operator, offers the Linux
// agent, and a message goes from the page to a headless technician's desk
// and an answer back. Every request the page made stayed on the server's
// origin. Screenshots at desktop and phone sizes.
func TestHelpPageCodeAndChat(t *testing.T) {
	w := newWebSetup(t)
	code := w.session(t)
	b := openBrowser(t, map[string]any{"spki": w.spki, "viewport": map[string]any{"width": 1280, "height": 800}})
	b.do("goto", map[string]any{"url": w.srv.url + "/"})
	if lang := b.attr("html", "lang"); lang != "en" {
		t.Errorf("<html lang=%q>, want en", lang)
	}
	// Keyboard only: Tab past the language link to the code field.
	b.do("keyboard", map[string]any{"key": "Tab"})
	b.do("keyboard", map[string]any{"key": "Tab"})
	if f := focused(t, b); f != "code" {
		t.Fatalf("two Tabs focus %q, want the code field", f)
	}
	var ring string
	json.Unmarshal(b.do("eval", map[string]any{"expr": focusRing}), &ring)
	if !strings.HasPrefix(ring, "solid") || ring == "solid 0px" {
		t.Errorf("the focused code field's outline is %q: focus is not visible", ring)
	}
	checkAccessible(t, b, "the start page")
	b.do("type", map[string]any{"sel": "#code", "text": code[:3] + " " + code[3:6] + " " + code[6:]})
	b.do("keyboard", map[string]any{"key": "Enter"})
	b.waitText("#helper", "Operator tech")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "online"})
	if got := b.attr("#dl-code-field", "value"); got != code {
		t.Errorf("the download form carries code %q, want %q", got, code)
	}
	if p := b.attr("#download", "data-platform"); p != "linux-amd64" {
		t.Errorf("the page took Chromium on Linux for %q, want linux-amd64", p)
	}

	b.do("type", map[string]any{"sel": "#message", "text": "Hello from the page"})
	b.do("press", map[string]any{"sel": "#message", "key": "Enter"})
	b.do("waitAttr", map[string]any{"sel": "#log li.from-customer", "name": "class", "value": "msg from-customer"}) // echoed: no longer pending
	desk := w.desk(t, "first", "Bonjour, ici le technicien")
	deskMessage(t, desk, "customer", "Hello from the page")
	b.waitText("#log", "Bonjour, ici le technicien")
	checkAccessible(t, b, "the chat")

	// The technician's typing notice (sent from a Go desk: the binary
	// sends one only from a terminal) shows until their message comes.
	dc, conv := w.deskClient(t), conversation(t, b)
	ctx := context.Background()
	if err := dc.Typing(ctx, conv); err != nil {
		t.Fatal(err)
	}
	b.waitText("#typing", "Operator tech is typing")
	if err := dc.Say(ctx, conv, "Here is the answer"); err != nil {
		t.Fatal(err)
	}
	b.waitText("#log", "Here is the answer")
	if typing := b.texts("#typing"); len(typing) != 1 || typing[0] != "" {
		t.Errorf("after the technician's message the page still shows %q", typing)
	}

	dir := screenshotDir(t)
	desktop, phone := filepath.Join(dir, "help-desktop.png"), filepath.Join(dir, "help-phone.png")
	b.do("eval", map[string]any{"expr": "window.scrollTo(0, 0)"})
	b.do("screenshot", map[string]any{"path": desktop})
	checkPNG(t, desktop, 1280, 800)
	b.do("viewport", map[string]any{"width": 390, "height": 844})
	b.do("eval", map[string]any{"expr": "window.scrollTo(0, 0)"})
	b.do("screenshot", map[string]any{"path": phone})
	checkPNG(t, phone, 390, 844)
	whole := filepath.Join(dir, "help-phone-full.png")
	b.do("screenshot", map[string]any{"path": whole, "fullPage": true})
	checkPNG(t, whole, 390, 844)
	if wide := b.do("eval", map[string]any{"expr": "document.documentElement.scrollWidth"}); string(wide) != "390" {
		t.Errorf("at 390 px the page is %s px wide: it scrolls sideways", wide)
	}
	t.Logf("screenshots: %s, %s", desktop, phone)

	sameOrigin(t, b.requests(), w.srv.url, "/static/page.js", "/v1/desk/visit", "/v1/desk/chat")
}

// TestHelpPageSurvivesCut: the link /s/CODE opens the chat; then every
// connection between Chromium and the server drops and stays down while
// the technician writes and the customer writes. When the network comes
// back the page reconnects its WebSocket: the technician's message
// appears once, the customer's reaches the technician once. After a
// longer outage that drove it to long-polling, a WebSocket takes over
// again.
func TestHelpPageSurvivesCut(t *testing.T) {
	w := newWebSetup(t)
	code := w.session(t)
	roots, err := certs.Pool(w.srv.ca)
	if err != nil {
		t.Fatal(err)
	}
	px := newCutProxy(t, w.srv.url, roots)
	b := openBrowser(t, map[string]any{"spki": append(spkiHashes(t, px.Cert), w.spki...)})
	b.do("goto", map[string]any{"url": px.URL + "/s/" + code})
	b.waitText("#helper", "Operator tech")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "online"})
	if path := string(b.do("eval", map[string]any{"expr": "location.pathname"})); path != `"/"` {
		t.Errorf("after the visit the address still shows %s: the code stays in the history", path)
	}
	desk := w.desk(t, "first", "Before the cut")
	b.waitText("#log", "Before the cut")
	conv := conversation(t, b)

	if n := px.Cut(); n == 0 {
		t.Fatal("the proxy held no connection to cut")
	}
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "reconnecting"})
	during := w.desk(t, conv, "During the cut")
	deskMessage(t, during, "operator", "During the cut") // the server has it
	b.do("type", map[string]any{"sel": "#message", "text": "Written offline"})
	b.do("press", map[string]any{"sel": "#message", "key": "Enter"})
	px.Resume()
	resumed := time.Now()

	b.waitText("#log", "During the cut")
	t.Logf("the technician's message showed %v after the network came back", time.Since(resumed).Round(time.Millisecond))
	// A socket takes over only after 10 s of health, after the back-off
	// of the cut (up to about 23 s in all): room for a loaded machine.
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "online", "timeout": 60000})
	deskMessage(t, desk, "customer", "Written offline")
	b.do("waitAttr", map[string]any{"sel": "#log li.from-customer", "name": "class", "value": "msg from-customer"})
	log := b.texts("#log li")
	for _, text := range []string{"Before the cut", "During the cut", "Written offline"} {
		if n := lines(log, text); n != 1 {
			t.Errorf("the page shows %q %d times, want once: %q", text, n, log)
		}
	}
	if len(log) == 3 && !(strings.Contains(log[1], "During the cut") && strings.Contains(log[2], "Written offline")) {
		t.Errorf("the chat reads %q: the technician's message, which the server had first, should come before the offline one", log)
	}
	if n := deskMessages(desk, "Written offline"); n != 1 {
		t.Errorf("the technician got the offline message %d times, want once", n)
	}
	ws := 0
	for _, r := range b.requests() {
		if r.Kind == "websocket" {
			ws++
		}
	}
	if ws < 2 {
		t.Errorf("%d WebSockets opened, want a second one after the cut", ws)
	}

	// A longer outage, where connections are refused: the page gives up
	// on WebSockets and polls; once the network is back a WebSocket takes
	// over again, and the technician's message from the outage arrives.
	px.Refuse()
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-mode", "value": "poll"})
	outage := w.desk(t, conv, "During the outage")
	deskMessage(t, outage, "operator", "During the outage")
	px.Resume()
	b.waitText("#log", "During the outage")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-mode", "value": "ws"})
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "online"})
	if n := lines(b.texts("#log li"), "During the outage"); n != 1 {
		t.Errorf("the page shows the outage's message %d times, want once", n)
	}
}

// TestHelpPageLongPoll: behind a proxy that refuses WebSockets, a
// customer with no code joins the queue, a technician picks them, and
// they chat both ways by long-polling, through a network cut too.
func TestHelpPageLongPoll(t *testing.T) {
	w := newWebSetup(t)
	roots, err := certs.Pool(w.srv.ca)
	if err != nil {
		t.Fatal(err)
	}
	px := newCutProxy(t, w.srv.url, roots)
	px.BlockUpgrades()
	t0 := time.Now()
	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, px.Cert)})
	b.do("goto", map[string]any{"url": px.URL + "/"})
	b.do("fill", map[string]any{"sel": "#name", "value": "Marie"})
	b.do("fill", map[string]any{"sel": "#topic", "value": "My printer prints nothing"})
	b.do("click", map[string]any{"sel": "#queue-form button"})
	b.waitText("#helper", "Waiting for a technician")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "polling"})
	t.Logf("long-polling %v after the browser started (three refused WebSockets first)", time.Since(t0).Round(time.Millisecond))
	desk := w.desk(t, "first", "Hello Marie, let us look at it")
	b.waitText("#helper", "Operator tech")
	b.waitText("#log", "Hello Marie, let us look at it")
	b.do("type", map[string]any{"sel": "#message", "text": "Thank you"})
	desk.next(t, "desk-typing") // by /v1/desk/typing
	b.do("press", map[string]any{"sel": "#message", "key": "Enter"})
	deskMessage(t, desk, "customer", "Thank you")
	b.do("waitAttr", map[string]any{"sel": "#log li.from-customer", "name": "class", "value": "msg from-customer"})

	// A cut while polling (connections refused, so polls fail): the
	// technician's message from then arrives once the network is back,
	// still by polling.
	conv := conversation(t, b)
	px.Refuse()
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "reconnecting"})
	during := w.desk(t, conv, "Are you still there?")
	deskMessage(t, during, "operator", "Are you still there?")
	px.Resume()
	b.waitText("#log", "Are you still there?")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "polling"})
	if n := lines(b.texts("#log li"), "Are you still there?"); n != 1 {
		t.Errorf("the page shows the message sent during the cut %d times, want once", n)
	}

	polls := 0
	for _, r := range b.requests() {
		if strings.HasSuffix(r.URL, "/v1/desk/poll") {
			polls++
		}
	}
	if polls == 0 {
		t.Error("no /v1/desk/poll request: the chat did not long-poll")
	}
}

// TestHelpPageFrench: a browser that prefers French gets the French page,
// and the error for a wrong code in French; ?lang=en gives English back.
// Then a conversation the server has forgotten ends plainly.
func TestHelpPageFrench(t *testing.T) {
	w := newWebSetup(t)
	b := openBrowser(t, map[string]any{"spki": w.spki, "locale": "fr-FR",
		"headers":  map[string]string{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
		"viewport": map[string]any{"width": 390, "height": 844}})
	b.do("goto", map[string]any{"url": w.srv.url + "/"})
	if lang := b.attr("html", "lang"); lang != "fr" {
		t.Errorf("<html lang=%q>, want fr", lang)
	}
	b.waitText("h1", "Obtenir l’aide d’un technicien")
	b.waitText("label[for=code]", "Code (9 chiffres)")
	b.do("fill", map[string]any{"sel": "#code", "value": "000000000"})
	b.do("click", map[string]any{"sel": "#code-form button"})
	b.waitText("#alert", "Ce code n’est pas valide")
	shot := filepath.Join(screenshotDir(t), "help-phone-fr.png")
	b.do("screenshot", map[string]any{"path": shot})
	checkPNG(t, shot, 390, 844)

	checkAccessible(t, b, "the French page")

	// The audit finds what it looks for: a pale text and a nameless field.
	b.do("eval", map[string]any{"expr": `(() => {
		const p = document.createElement('p'); p.textContent = 'pale text'; p.style.color = '#bbbbbb';
		const i = document.createElement('input'); i.id = 'nameless';
		document.querySelector('main').append(p, i);
	})()`})
	var bad []string
	json.Unmarshal(b.do("eval", map[string]any{"expr": a11yAudit}), &bad)
	if len(bad) != 2 {
		t.Errorf("the audit found %q in a page with one pale text and one nameless field", bad)
	}

	b.do("goto", map[string]any{"url": w.srv.url + "/?lang=en"})
	b.waitText("h1", "Get help from a technician")

	// A conversation the server no longer knows (it restarted): the page
	// says so and stops; Start over brings the forms back.
	b.do("eval", map[string]any{"expr": `sessionStorage.setItem('tandem.desk', JSON.stringify({id: 'gone', key: 'gone', after: 0, pending: []}))`})
	b.do("goto", map[string]any{"url": w.srv.url + "/?lang=en"})
	b.waitText("#alert", "This conversation is no longer available")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "closed"})
	b.do("click", map[string]any{"sel": "#restart"})
	b.waitText("#start", "I have a code")
	if hidden := string(b.do("eval", map[string]any{"expr": "document.getElementById('start').hidden"})); hidden != "false" {
		t.Error("Start over did not bring the forms back")
	}
}

// TestHelpPageInviteDownload: a customer from the queue is invited by the
// technician's desk (-invite opens a session and sends its code); the
// page shows the download with that code, and its button gets the agent
// binary from the server, named tandem-agent, which run as saved with no
// arguments joins the technician's session. A reload continues the same
// conversation with nothing shown twice; when the technician leaves, the
// page says the chat has ended and stops taking messages.
func TestHelpPageInviteDownload(t *testing.T) {
	w := newWebSetup(t)
	b := openBrowser(t, map[string]any{"spki": w.spki})
	b.do("goto", map[string]any{"url": w.srv.url + "/"})
	b.do("fill", map[string]any{"sel": "#name", "value": "Jean"})
	b.do("click", map[string]any{"sel": "#queue-form button"})
	b.waitText("#helper", "Waiting for a technician")
	if hidden := string(b.do("eval", map[string]any{"expr": "document.getElementById('download').hidden"})); hidden != "true" {
		t.Error("a customer from the queue is offered the download before any invitation")
	}

	desk := w.technician(t, "-desk", "-pick", "first", "-desk-say", "I am sending you an invitation", "-invite", "-headless")
	code := desk.next(t, "code")["code"].(string)
	b.waitText("#dl-code", code[:3]+" "+code[3:6]+" "+code[6:])
	b.waitText("#log", "invites you")
	if got := b.attr("#dl-code-field", "value"); got != code {
		t.Errorf("the download form carries code %q, want the invitation's %q", got, code)
	}
	file := filepath.Join(t.TempDir(), "tandem-agent")
	var dl struct{ Name, Failure string }
	json.Unmarshal(b.do("download", map[string]any{"sel": "#dl-linux", "path": file}), &dl)
	if dl.Name != "tandem-agent" || dl.Failure != "" {
		t.Errorf("download named %q (failure %q), want tandem-agent", dl.Name, dl.Failure)
	}
	head := make([]byte, 4)
	if f, err := os.Open(file); err != nil {
		t.Fatal(err)
	} else {
		f.Read(head)
		f.Close()
	}
	if string(head) != "\x7fELF" {
		t.Fatalf("the download starts with %q, not an ELF executable", head)
	}
	// The customer runs what the browser saved, with no arguments: it
	// joins the technician's session.
	if err := os.Chmod(file, 0o755); err != nil {
		t.Fatal(err)
	}
	display := xvfb.Start(t, 1024, 768)
	start(t, file, []string{"DISPLAY=" + display})
	desk.next(t, "joined")

	before := b.texts("#log li")
	b.do("goto", map[string]any{"url": w.srv.url + "/"}) // a reload of the tab
	b.waitText("#log", "I am sending you an invitation")
	b.waitText("#dl-code", code[:3])
	if after := b.texts("#log li"); strings.Join(after, "|") != strings.Join(before, "|") {
		t.Errorf("after a reload the chat shows\n%q\nwant\n%q", after, before)
	}

	desk.cmd.Process.Signal(os.Interrupt)
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "closed"})
	b.waitText("#log", "ended the chat")
	if d := string(b.do("eval", map[string]any{"expr": "document.getElementById('message').disabled"})); d != "true" {
		t.Error("the message box still takes messages after the chat ended")
	}
}

// TestHelpPageOtherPlatforms: on macOS the page says plainly that the
// agent is not available yet (and still offers the Linux file to a
// computer that is Linux after all); on phones it offers no file. Windows
// is offered its own agent (TestHelpPageWindows).
func TestHelpPageOtherPlatforms(t *testing.T) {
	w := newWebSetup(t)
	code := w.session(t)
	tests := []struct {
		name, ua, says string
		phone          bool
	}{
		{"mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15", "The agent for macOS is not available yet", false},
		{"android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36", "The agent for Android is not available yet", true},
		{"iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "The agent for iPhone / iPad is not available yet", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := openBrowser(t, map[string]any{"spki": w.spki, "userAgent": tt.ua})
			b.do("goto", map[string]any{"url": w.srv.url + "/s/" + code})
			b.waitText("#dl-unavailable", tt.says)
			formHidden := string(b.do("eval", map[string]any{"expr": "document.getElementById('dl-form').hidden"}))
			if want := fmt.Sprint(tt.phone); formHidden != want {
				t.Errorf("download form hidden: %s, want %s", formHidden, want)
			}
		})
	}
}

// TestHelpPageWindows: a Windows browser is offered the Windows agent
// (the button posting to /v1/agent/windows-amd64, the Linux one hidden)
// with how to run it, SmartScreen's warning included, and no "not
// available yet".
func TestHelpPageWindows(t *testing.T) {
	w := newWebSetup(t)
	code := w.session(t)
	b := openBrowser(t, map[string]any{"spki": w.spki,
		"userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"})
	b.do("goto", map[string]any{"url": w.srv.url + "/s/" + code})
	b.do("waitAttr", map[string]any{"sel": "#download", "name": "data-platform", "value": "windows-amd64"})
	for expr, want := range map[string]string{
		"document.getElementById('dl-unavailable').hidden":                 "true",
		"document.getElementById('dl-linux').hidden":                       "true",
		"document.getElementById('dl-windows').hidden":                     "false",
		"document.getElementById('dl-windows').getAttribute('formaction')": `"/v1/agent/windows-amd64"`,
		"document.getElementById('dl-steps').hidden":                       "true",
		"document.getElementById('dl-steps-windows').hidden":               "false",
		"document.getElementById('dl-code-field').value.length":            "9",
	} {
		if got := string(b.do("eval", map[string]any{"expr": expr})); got != want {
			t.Errorf("%s: %s, want %s", expr, got, want)
		}
	}
	b.waitText("#dl-steps-windows", "Run anyway")
}
