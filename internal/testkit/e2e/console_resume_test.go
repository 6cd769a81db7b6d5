package e2e

import (
	"encoding/json"
	"io"
	"net"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// recordResume records, in the console page, each offer it makes and
// each answer it takes, with performance.now(): what
// TestConsoleSignalingLost reads back.
const recordResume = `
window.__sdp = [];
const sld = RTCPeerConnection.prototype.setLocalDescription;
RTCPeerConnection.prototype.setLocalDescription = function (d) {
  const p = sld.apply(this, arguments);
  if (d && d.type === 'offer') p.then(() => window.__sdp.push({ type: 'offer', at: performance.now() }), () => {});
  return p;
};
const srd = RTCPeerConnection.prototype.setRemoteDescription;
RTCPeerConnection.prototype.setRemoteDescription = function (d) {
  const p = srd.apply(this, arguments);
  if (d && d.type === 'answer') p.then(() => window.__sdp.push({ type: 'answer', at: performance.now() }), () => {});
  return p;
};
`

// pageEvent is one record of recordResume.
type pageEvent struct {
	Type string  `json:"type"`
	At   float64 `json:"at"`
}

// TestConsoleSignalingLost: the console page reaches signaling through a
// proxy (web_proxy_test.go), which then drops every connection it holds
// and holds new ones back for a moment, twice. The page's status line
// says the signaling was lost; once the proxy lets it through the page
// redials and
// resumes (the agent hears peer-resumed), says it is restored, restarts ICE through the new socket
// (a new offer, answered), and the session goes on: a chat line from the
// from the customer reaches the page after each cut. Then the agent's
// own connection is cut: it resumes, and the page, hearing peer-resumed,
// restarts ICE again, with one consent question in
// all, and nothing in the page's storage. The time from the proxy letting
// connections through again to the answered restart is logged.
func TestConsoleSignalingLost(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	needBrowser(t)
	bins := binaries(t)
	began := time.Now()
	display := xvfb.Start(t, 1280, 800)
	sig := server(t, bins)
	sig.admin(t, bins, consolePassword+"\n", "user", "add", "-name", "Rosa Lind", "rosa")
	sig.admin(t, bins, "", "perm", "set", "account", "rosa", "observe", "remote-control", "chat")
	roots, err := certs.Pool(sig.ca)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, sig.url, roots)

	b := openBrowser(t, map[string]any{"spki": spkiHashes(t, proxy.Cert)})
	b.do("initScript", map[string]any{"script": recordResume})
	b.do("goto", map[string]any{"url": proxy.URL + "/console"})
	b.do("waitAttr", map[string]any{"sel": "#app", "name": "data-view", "value": "login"})
	consoleLogin(b, "rosa", consolePassword, "")
	b.waitText("#operator-name", "Rosa Lind")
	b.do("click", map[string]any{"sel": "#start"})
	b.waitText("#session-status", "Waiting for the customer")
	agentFront := newTCPCutter(t, hostPort(sig.url))
	agent := start(t, bins["agent"], nil, "-keep", "-server", "https://"+agentFront.addr(), "-ca", sig.ca, "-code", b.texts("#code")[0],
		"-json", "-display", display)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("agent's output:\n%s\n%s", agent.output(), agent.stderr.String())
		}
	})
	answer(t, agent, display, "allow")
	b.waitText("#mode", "You have control")
	// In view, the customer's clicks in their chat do not take control
	// back (as in checkConsoleChat).
	b.do("click", map[string]any{"sel": "#view-only"})
	b.waitText("#mode", "Viewing")
	for m := agent.next(t, "mode"); m["mode"] != "view"; m = agent.next(t, "mode") {
	}
	s := &session{agent: agent, display: display}
	b.do("fill", map[string]any{"sel": "#chat-text", "value": "avant la coupure"})
	b.do("press", map[string]any{"sel": "#chat-text", "key": "Enter"})
	customerTells(t, b, s, "bien recu")

	for cut := 1; cut <= 2; cut++ {
		answers := len(pageEvents(t, b, "__sdp"))
		if n := proxy.Cut(); n == 0 {
			t.Fatalf("cut %d: the proxy held no connection to drop", cut)
		}
		b.waitText("#session-status", "Signaling lost")
		proxy.Resume()
		resumedAt := evalNumber(t, b, "performance.now()")
		b.waitText("#session-status", "Signaling restored")
		waitEvents(t, agent, cut, "signaling", "state", "peer-resumed")
		restart := waitAnswer(t, b, answers)
		t.Logf("cut %d: proxy lets connections through again → the page's ICE restart answered through its resumed socket in %.0f ms", cut, restart-resumedAt)
		customerTells(t, b, s, "apres la coupure "+string(rune('0'+cut)))
	}
	// The agent's socket breaks: it resumes, the page hears peer-resumed
	// and restarts ICE (the agent only answers).
	answers := len(pageEvents(t, b, "__sdp"))
	if n := agentFront.cut(); n == 0 {
		t.Fatal("the agent's proxy held no connection to drop")
	}
	waitEvent(t, agent, "signaling", "state", "resumed")
	waitAnswer(t, b, answers)
	customerTells(t, b, s, "apres la coupure du client")

	if kept := evalString(t, b, "JSON.stringify([localStorage.length, sessionStorage.length])"); kept != "[0,0]" {
		t.Errorf("the page keeps %s items in local and session storage, want none (the resume secret stays in memory)", kept)
	}
	if q := agent.all("question"); len(q) != 1 {
		t.Errorf("the customer was asked %d questions, want the first one only: %v", len(q), q)
	}
	t.Logf("test ran %v after the binaries' build", time.Since(began).Round(time.Second))
}

// customerTells types line in the agent's chat (real keys) and waits for
// the page's chat to show it: the peer link still carries it.
func customerTells(t *testing.T, b *browser, s *session, line string) {
	t.Helper()
	clickControl(t, s.display, s.control(t, "chat-input"))
	xdo(t, s.display, "type", line)
	xdo(t, s.display, "key", "Return")
	b.waitText("#chat-log", line)
}

// waitAnswer waits (60 s at most) for an offer and its answer recorded
// after the first n records, and returns when the answer was taken.
func waitAnswer(t *testing.T, b *browser, n int) float64 {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		evs := pageEvents(t, b, "__sdp")
		offered := false
		for _, e := range evs[min(n, len(evs)):] {
			offered = offered || e.Type == "offer"
			if offered && e.Type == "answer" {
				return e.At
			}
		}
	}
	t.Fatalf("the page's ICE restart was not answered: %v", pageEvents(t, b, "__sdp"))
	return 0
}

func pageEvents(t *testing.T, b *browser, name string) []pageEvent {
	t.Helper()
	var evs []pageEvent
	if err := json.Unmarshal([]byte(evalString(t, b, "JSON.stringify(window."+name+")")), &evs); err != nil {
		t.Fatalf("page records %s: %v", name, err)
	}
	return evs
}

func evalNumber(t *testing.T, b *browser, expr string) float64 {
	t.Helper()
	var f float64
	if err := json.Unmarshal(b.do("eval", map[string]any{"expr": expr}), &f); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return f
}

// tcpCutter forwards TCP connections to a target (TLS passes through)
// and drops all it carries on cut, as a broken network would.
type tcpCutter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func newTCPCutter(t *testing.T, target string) *tcpCutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCutter{ln: ln, target: target, conns: map[net.Conn]bool{}}
	c.wg.Go(c.serve)
	t.Cleanup(func() {
		ln.Close()
		c.cut()
		c.wg.Wait()
	})
	return c
}

func (c *tcpCutter) addr() string { return c.ln.Addr().String() }

// cut closes every connection carried now and returns how many pairs.
func (c *tcpCutter) cut() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn := range c.conns {
		conn.Close()
	}
	n := len(c.conns) / 2
	clear(c.conns)
	return n
}

func (c *tcpCutter) serve() {
	for {
		in, err := c.ln.Accept()
		if err != nil {
			return
		}
		c.wg.Go(func() { c.carry(in) })
	}
}

// carry copies both ways between in and a new connection to the target
// until either side ends or cut closes them.
func (c *tcpCutter) carry(in net.Conn) {
	out, err := net.DialTimeout("tcp", c.target, 5*time.Second)
	if err != nil {
		in.Close()
		return
	}
	c.mu.Lock()
	c.conns[in], c.conns[out] = true, true
	c.mu.Unlock()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(out, in)
	go cp(in, out)
	<-done
	in.Close()
	out.Close()
	<-done
	c.mu.Lock()
	delete(c.conns, in)
	delete(c.conns, out)
	c.mu.Unlock()
}
