package e2e

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestNodeKilled: a technician reaches node 1 through a front (the load
// balancer an administrator puts before the nodes; here a TCP proxy on
// loopback), the customer's agent is on node 3, the customer allowed the
// session and a chat line crossed. Node 1 is killed (SIGKILL) and the
// front sends new connections to node 2: the technician's signaling
// connection breaks, it resumes on node 2 with its secret (its events say
// lost, then resumed), restarts ICE, and the restart's offer and answer
// cross node 2 and node 3; the customer's agent hears that the technician
// is back. The peer link never stopped: a chat line typed by the customer
// after the kill arrives, so does the customer's pause (a mode change), no
// second consent question is asked, the
// session ends normally through node 2, and the audit chain verifies with
// one open, join and end for the session, and two resumes: then node 3,
// the agent's, is killed too, and the agent resumes on the next of its
// -more-servers, node 2, beside the technician, which restarts ICE again
// and hears the customer's next line. The failover time (kill to resumed,
// and to the restart's answer) is logged.
func TestNodeKilled(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	c := startCluster(t, b, 3)
	op := c.admin.AddOperator("tech")
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(op.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	front := newFront(t, hostPort(c.nodes[0].url))
	display := xvfb.Start(t, 1280, 800)
	tech := start(t, b["technician"], nil, "-headless", "-server", "https://"+front.addr(), "-ca", c.ca, "-user", op.ID,
		"-password-file", pw, "-json", "-mode", "view", "-say", "Bonjour")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", c.nodes[2].url, "-more-servers", c.nodes[1].url, "-ca", c.ca,
		"-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")
	s := &session{tech: tech, agent: agent, display: display}
	customerSays(t, s, "avant la panne")

	front.point(hostPort(c.nodes[1].url))
	killed := time.Now()
	if err := c.nodes[0].proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, tech, "signaling", "state", "lost")
	waitEvent(t, tech, "signaling", "state", "resumed")
	resumed := time.Since(killed)
	waitEvent(t, tech, "signaling", "state", "ice-restarted")
	restarted := time.Since(killed)
	waitEvent(t, agent, "signaling", "state", "peer-resumed")
	t.Logf("node 1 killed → technician resumed on node 2 in %v; its ICE restart answered through nodes 2 and 3 in %v",
		resumed.Round(time.Millisecond), restarted.Round(time.Millisecond))
	customerSays(t, s, "apres la panne")
	clickControl(t, display, s.control(t, "pause")) // a mode change, after the kill
	waitEvent(t, tech, "mode", "paused", true)

	// The agent's node dies too: the agent resumes on its next server,
	// node 2, where the technician is; the technician hears it and
	// restarts ICE again, now through node 2 alone.
	if err := c.nodes[2].proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, agent, "signaling", "state", "resumed")
	waitEvent(t, tech, "signaling", "state", "peer-resumed")
	waitEvents(t, tech, 2, "signaling", "state", "ice-restarted")
	customerSays(t, s, "noeud 3 aussi")
	if q := agent.all("question"); len(q) != 1 {
		t.Errorf("the customer was asked %d questions, want the first one only: %v", len(q), q)
	}
	if n2 := c.nodes[1].proc.stderr.String(); !strings.Contains(n2, "session resumed") {
		t.Errorf("node 2 did not resume the session:\n%s", n2)
	}
	s.end(t)
	if e := agent.last("ended"); e == nil || e["reason"] != "interrupted" {
		t.Errorf("the agent ended with %v, want the technician's goodbye (interrupted)", e)
	}
	checkFailoverAudit(t, c)
}

// customerSays types line in the agent's chat and waits for the
// technician to get it.
func customerSays(t *testing.T, s *session, line string) {
	t.Helper()
	clickControl(t, s.display, s.control(t, "chat-input"))
	xdo(t, s.display, "type", line)
	xdo(t, s.display, "key", "Return")
	m := waitEvent(t, s.tech, "chat", "text", line)
	if m["from"] != "customer" {
		t.Fatalf("technician heard %v, want the customer's line", m)
	}
}

// waitEvents waits (60 s at most) until p has n events called name whose
// key is value.
func waitEvents(t *testing.T, p *proc, n int, name, key string, value any) {
	t.Helper()
	var got int
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = 0
		for _, e := range p.all(name) {
			if e[key] == value {
				got++
			}
		}
		if got >= n {
			return
		}
	}
	t.Fatalf("%s: %d %s events with %s %v, want %d\n%s", p.name, got, name, key, value, n, p.stderr.String())
}

// waitEvent waits (60 s at most: a hang guard) for p's event called name
// whose key is value, among every event recorded, and returns it.
func waitEvent(t *testing.T, p *proc, name, key string, value any) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, e := range p.all(name) {
			if e[key] == value {
				return e
			}
		}
	}
	t.Fatalf("%s: no %s event with %s %v; its %s events: %v\n%s", p.name, name, key, value, name, p.all(name), p.stderr.String())
	return nil
}

// checkFailoverAudit: the audit chain the nodes wrote verifies, and the
// one session was opened, joined and ended once each, and resumed twice.
func checkFailoverAudit(t *testing.T, c *signalingCluster) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, c.pg.URL("tandem"), c.pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := audit.New(st, nil, nil).Verify(ctx)
	if err != nil || res.Broken != nil {
		t.Fatalf("audit chain: %+v, %v", res, err)
	}
	recs, err := st.AuditRecords(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]map[string]int{}
	for _, r := range recs {
		if strings.HasPrefix(r.Kind, "session.") {
			if count[r.Subject] == nil {
				count[r.Subject] = map[string]int{}
			}
			count[r.Subject][r.Kind]++
		}
	}
	want := map[string]int{"session.open": 1, "session.join": 1, "session.resume": 2, "session.end": 1}
	if len(count) != 1 {
		t.Fatalf("audit names %d sessions, want 1: %v", len(count), count)
	}
	for id, kinds := range count {
		for k, n := range want {
			if kinds[k] != n {
				t.Errorf("session %s audited %v, want %v", id, kinds, want)
				break
			}
		}
	}
}

func hostPort(url string) string { return strings.TrimPrefix(url, "https://") }

// front is a TCP proxy on loopback that sends each new connection to its
// current target: the load balancer before the nodes.
type front struct {
	ln     net.Listener
	mu     sync.Mutex
	target string
	wg     sync.WaitGroup
}

func newFront(t *testing.T, target string) *front {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &front{ln: ln, target: target}
	f.wg.Go(f.serve)
	t.Cleanup(func() {
		ln.Close()
		f.wg.Wait()
	})
	return f
}

func (f *front) addr() string { return f.ln.Addr().String() }

func (f *front) point(target string) {
	f.mu.Lock()
	f.target = target
	f.mu.Unlock()
}

func (f *front) serve() {
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		in, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		target := f.target
		f.mu.Unlock()
		conns.Go(func() { pipe(in, target) })
	}
}

// pipe copies between in and a new connection to target until either
// side closes, then closes both.
func pipe(in net.Conn, target string) {
	defer in.Close()
	out, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(out, in)
	go cp(in, out)
	<-done
}
