package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
)

// TestHelpPageSocketKiller: behind a proxy that lets every WebSocket open
// and kills it soon after (2 s later, or once the page's hello has gone
// through, as some corporate proxies and antivirus products do), the page
// falls back to long-polling instead of reconnecting forever, and the
// chat works both ways. While the proxy still kills them, the WebSockets
// the page tries now and then (on its clock, jumped forward by minutes)
// never take over, nor after a reload. Once the proxy lets sockets live, one takes over, and
// every message written by either side before, during and after the
// switch shows once on the page and reaches the technician once.
func TestHelpPageSocketKiller(t *testing.T) {
	tests := []struct {
		name   string
		after  time.Duration
		frames int
	}{
		{"2s-after-opening", 2 * time.Second, 0},
		{"after-the-hello", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { socketKiller(t, tt.after, tt.frames) })
	}
}

// socketKiller is TestHelpPageSocketKiller behind KillSockets(after, frames).
func socketKiller(t *testing.T, after time.Duration, frames int) {
	w := newWebSetup(t)
	code := w.session(t)
	roots, err := certs.Pool(w.srv.ca)
	if err != nil {
		t.Fatal(err)
	}
	px := newCutProxy(t, w.srv.url, roots)
	px.KillSockets(after, frames)
	b := openBrowser(t, map[string]any{"spki": append(spkiHashes(t, px.Cert), w.spki...), "clock": true})
	t0 := time.Now()
	b.do("goto", map[string]any{"url": px.URL + "/s/" + code})
	b.waitText("#helper", "Operator tech")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-mode", "value": "poll", "timeout": 60000})
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "polling"})
	young := sockets(t, b)
	t.Logf("long-polling %v after the page opened, after %d WebSockets died young", time.Since(t0).Round(time.Millisecond), len(young))
	if len(young) < 3 {
		t.Errorf("the page polls after %d WebSockets: it gave up before trying them", len(young))
	}

	k := &killed{t: t, b: b, desk: w.desk(t, "first", "Desk while polling")}
	b.waitText("#log", "Desk while polling")
	k.conv, k.dc = conversation(t, b), w.deskClient(t)
	k.pageSays("Page while polling")
	k.reload(px.URL + "/")
	recordModes(b)
	k.probesDie()
	px.KillSockets(0, 0)
	k.wsReturns()
	k.eachOnce("Desk while polling", "Page while polling", "Desk during probe 1", "Desk during probe 2",
		"Desk while switching", "Page while switching", "Desk after the switch", "Page after the switch")
}

// killed is a page with its technician, behind a proxy that kills
// WebSockets.
type killed struct {
	t    *testing.T
	b    *browser
	desk *proc // picked the conversation: gets the page's messages
	dc   *deskclient.Client
	conv string
}

// reload reloads the page at url: it remembers that WebSockets die young
// here and polls at once, with no WebSocket first.
func (k *killed) reload(url string) {
	t, b := k.t, k.b
	before := len(sockets(t, b))
	b.do("goto", map[string]any{"url": url})
	b.waitText("#log", "Page while polling")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "polling"})
	if n := len(sockets(t, b)) - before; n != 0 {
		t.Errorf("after a reload the page tried %d WebSockets before polling, want none: it forgot they die here", n)
	}
}

// probesDie: the page tries a WebSocket after minutes, and again after
// longer; each one dies young, polling goes on, and a technician's
// message sent meanwhile arrives.
func (k *killed) probesDie() {
	t, b := k.t, k.b
	for i, wait := range []time.Duration{5 * time.Minute, 10 * time.Minute} {
		before := len(sockets(t, b))
		b.do("fastForward", map[string]any{"ms": (wait + time.Second).Milliseconds()})
		waitSocket(t, b, before+1, false)
		k.deskSays(fmt.Sprintf("Desk during probe %d", i+1))
		waitSocket(t, b, before+1, true) // the proxy kills it
	}
	if modes := seenModes(t, b); slices.Contains(modes, "ws") {
		t.Errorf("while the proxy killed every WebSocket one took over from polling: modes %q", modes)
	}
}

// wsReturns: once sockets live, the next one the page tries takes over
// while messages go both ways, and they go on after the switch.
func (k *killed) wsReturns() {
	t, b := k.t, k.b
	before := len(sockets(t, b))
	b.do("fastForward", map[string]any{"ms": (20*time.Minute + time.Second).Milliseconds()})
	k.deskSays("Desk while switching")
	k.pageSays("Page while switching")
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-mode", "value": "ws", "timeout": 60000})
	b.do("waitAttr", map[string]any{"sel": "#conn", "name": "data-state", "value": "online"})
	if n := len(sockets(t, b)); n != before+1 {
		t.Errorf("%d WebSockets opened to return from polling, want 1", n-before)
	}
	k.deskSays("Desk after the switch")
	k.pageSays("Page after the switch")
}

// deskSays sends text from the technician and waits for it on the page.
func (k *killed) deskSays(text string) {
	k.t.Helper()
	if err := k.dc.Say(context.Background(), k.conv, text); err != nil {
		k.t.Fatal(err)
	}
	k.b.waitText("#log", text)
}

// pageSays sends text from the page and waits until the technician has
// it.
func (k *killed) pageSays(text string) {
	k.t.Helper()
	say(k.t, k.b, text)
	deskMessage(k.t, k.desk, "customer", text)
}

// eachOnce fails unless the page shows each text once and the technician
// got each of the page's once.
func (k *killed) eachOnce(texts ...string) {
	k.t.Helper()
	log := k.b.texts("#log li")
	for _, text := range texts {
		if n := lines(log, text); n != 1 {
			k.t.Errorf("the page shows %q %d times, want once: %q", text, n, log)
		}
		if n := deskMessages(k.desk, text); strings.HasPrefix(text, "Page") && n != 1 {
			k.t.Errorf("the technician got %q %d times, want once", text, n)
		}
	}
}

// say types text on the page, sends it, and waits until the server has
// echoed it: no message is pending any more.
func say(t *testing.T, b *browser, text string) {
	t.Helper()
	b.do("type", map[string]any{"sel": "#message", "text": text})
	b.do("press", map[string]any{"sel": "#message", "key": "Enter"})
	deadline := time.Now().Add(60 * time.Second)
	for string(b.do("eval", map[string]any{"expr": "document.querySelectorAll('#log li.pending').length"})) != "0" {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s %q is still pending on the page", text)
		}
		time.Sleep(100 * time.Millisecond) // polling the page's state, not timing it
	}
}

// pageSocket is one WebSocket the page opened, as the driver recorded it.
type pageSocket struct {
	URL    string
	Closed bool
}

// sockets lists the WebSockets the page has opened so far.
func sockets(t *testing.T, b *browser) []pageSocket {
	t.Helper()
	var all []struct {
		Kind string
		pageSocket
	}
	if err := json.Unmarshal(b.do("requests", nil), &all); err != nil {
		t.Fatal(err)
	}
	var out []pageSocket
	for _, r := range all {
		if r.Kind == "websocket" {
			out = append(out, r.pageSocket)
		}
	}
	return out
}

// waitSocket waits until the page has opened its nth WebSocket and, if
// closed, until that one has closed.
func waitSocket(t *testing.T, b *browser, n int, closed bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := sockets(t, b)
		if len(s) >= n && (s[n-1].Closed || !closed) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the page has opened %d WebSockets (%v), want #%d (closed: %v)", len(s), s, n, closed)
		}
		time.Sleep(100 * time.Millisecond) // polling the driver's record, not timing the page
	}
}

// recordModes starts keeping every value the page gives #conn's
// data-mode, for seenModes.
func recordModes(b *browser) {
	b.do("eval", map[string]any{"expr": `(() => {
		const conn = document.getElementById('conn');
		window.seenModes = [conn.dataset.mode];
		new MutationObserver(() => window.seenModes.push(conn.dataset.mode))
			.observe(conn, { attributes: true, attributeFilter: ['data-mode'] });
	})()`})
}

func seenModes(t *testing.T, b *browser) []string {
	t.Helper()
	var modes []string
	if err := json.Unmarshal(b.do("eval", map[string]any{"expr": "window.seenModes"}), &modes); err != nil {
		t.Fatal(err)
	}
	return modes
}
