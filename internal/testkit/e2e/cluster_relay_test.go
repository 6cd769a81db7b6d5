package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// Relay port ranges of TestRelayKilledInCluster: the relayed addresses in
// a path name the relay by its range.
var clusterRelayPorts = []string{"21000-21999", "31000-31999"}

// TestRelayKilledInCluster: three signaling nodes share two real
// turnrelay processes (-turn-url on every node); a -relay-only technician
// on node 1 and a -relay-only agent on node 3 connect through them, and a
// chat line crosses. The relay carrying the technician's side (its path's
// local relayed address) is killed (SIGKILL): the technician's link
// restarts ICE with the ICE servers it was handed at pairing, and the path
// comes back relayed through the other relay only; a chat line typed after
// the kill arrives, no second consent question is asked. Kill to path
// recovered, and kill to the chat line, are logged.
func TestRelayKilledInCluster(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	begun := time.Now()
	urls := []string{"turn:127.0.0.1:" + freeUDPPort(t) + "?transport=udp", "turn:127.0.0.1:" + freeUDPPort(t) + "?transport=udp"}
	c := startCluster(t, b, 3, "-turn-url", urls[0], "-turn-url", urls[1], "-relay-probe-interval", "200ms")
	var relays []*poolRelay
	for i, u := range urls {
		relays = append(relays, startPoolRelay(t, b, u, c.nodes[0].data, c.nodes[0].url, c.ca, clusterRelayPorts[i]))
	}
	op := c.admin.AddOperator("tech")
	for _, nd := range []clusterNode{c.nodes[0], c.nodes[2]} {
		waitICE(t, nd.url, c.roots, op.Token, urls, "both relays up, "+nd.url)
	}

	t.Logf("three nodes and two relays up in %v", time.Since(begun).Round(time.Millisecond))
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(op.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	display := xvfb.Start(t, 1280, 800)
	tech := start(t, b["technician"], nil, "-headless", "-server", c.nodes[0].url, "-ca", c.ca, "-user", op.ID,
		"-password-file", pw, "-json", "-mode", "view", "-relay-only", "-say", "Bonjour", "-v")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", c.nodes[2].url, "-ca", c.ca, "-code", code, "-json",
		"-display", display, "-relay-only")
	answer(t, agent, display, "allow")
	s := &session{tech: tech, agent: agent, display: display}
	if m := tech.next(t, "connected"); m["path"] != "relayed" {
		t.Fatalf("technician with -relay-only connected %v, want relayed", m)
	}
	customerSays(t, s, "avant la panne")

	before, paths := lastPath(t, tech, 0)
	dead := relayOf(t, before.local)
	t.Logf("path before: technician's side on relay %d (%s), agent's on relay %d (%s)",
		dead+1, before.local, relayOf(t, before.remote)+1, before.remote)
	recovered := strings.Count(tech.stderr.String(), "path recovered")
	killed := time.Now()
	if err := relays[dead].proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitStderr(t, tech, func(s string) bool { return strings.Count(s, "path recovered") > recovered })
	back := time.Since(killed)
	stats, decoded := framesSoFar(tech)  // none pass between the kill and now
	customerSays(t, s, "apres la panne") // redraws the agent's window: frames
	chat := time.Since(killed)
	waitFrames(t, tech, stats, decoded)
	frames := time.Since(killed)
	after, _ := lastPath(t, tech, paths)
	if relayOf(t, after.local) == dead || relayOf(t, after.remote) == dead {
		t.Errorf("after the kill the path is %s -> %s, still through killed relay %d", after.local, after.remote, dead+1)
	}
	t.Logf("relay %d killed → path back through relay %d %v later (ICE restart); the customer's next chat line arrived at %v, frames at %v (stats every second)",
		dead+1, 2-dead, back.Round(time.Millisecond), chat.Round(time.Millisecond), frames.Round(time.Millisecond))
	t.Logf("the technician's link after the kill: %s", linkSteps(tech, killed))
	if q := agent.all("question"); len(q) != 1 {
		t.Errorf("the customer was asked %d questions, want the first one only: %v", len(q), q)
	}
	if !strings.Contains(tech.stderr.String(), "ice restart") {
		t.Errorf("the technician did not restart ICE:\n%s", tech.stderr.String())
	}
	s.end(t)
}

// relayedPath is the relayed addresses of a path the technician logged.
type relayedPath struct{ local, remote string }

var pathLine = regexp.MustCompile(`path="relayed \S+ relay (\S+) -> relay (\S+) `)

// lastPath waits (a hang guard) until the technician's log holds more
// than seen relayed paths ("connected" and "path changed" lines), and
// returns the latest and how many there are.
func lastPath(t *testing.T, p *proc, seen int) (relayedPath, int) {
	t.Helper()
	var m [][]string
	waitStderr(t, p, func(s string) bool { m = pathLine.FindAllStringSubmatch(s, -1); return len(m) > seen })
	last := m[len(m)-1]
	return relayedPath{local: last[1], remote: last[2]}, len(m)
}

// framesSoFar is how many "stats" events p has sent, and the frames
// decoded the latest one counts.
func framesSoFar(p *proc) (events int, decoded float64) {
	stats := p.all("stats")
	if len(stats) > 0 {
		decoded, _ = stats[len(stats)-1]["frames_decoded"].(float64)
	}
	return len(stats), decoded
}

// waitFrames waits (60 s at most: a hang guard) for a "stats" event after
// the first seen ones that counts more frames decoded than decoded.
func waitFrames(t *testing.T, p *proc, seen int, decoded float64) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, e := range p.all("stats")[seen:] {
			if n, _ := e["frames_decoded"].(float64); n > decoded {
				return
			}
		}
	}
	t.Fatalf("%s: no more than %v frames decoded after the kill; its stats since: %v", p.name, decoded, p.all("stats")[seen:])
}

var linkStep = regexp.MustCompile(`(?m)^time=(\S+) level=\S+ msg="(path lost|ice restart|path recovered)"`)

// linkSteps lists when the technician's link lost its path, restarted ICE
// and recovered, after since.
func linkSteps(p *proc, since time.Time) string {
	var steps []string
	for _, m := range linkStep.FindAllStringSubmatch(p.stderr.String(), -1) {
		if at, err := time.Parse(time.RFC3339Nano, m[1]); err == nil && at.After(since) {
			steps = append(steps, fmt.Sprintf("%s at %v", m[2], at.Sub(since).Round(time.Millisecond)))
		}
	}
	return strings.Join(steps, ", ")
}

// relayOf is the index of the relay whose port range holds addr's port.
func relayOf(t *testing.T, addr string) int {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	port := addr[i+1:]
	for r, ports := range clusterRelayPorts {
		lo, hi, _ := strings.Cut(ports, "-")
		if len(port) == len(lo) && port >= lo && port <= hi {
			return r
		}
	}
	t.Fatalf("relayed address %s is in neither relay's port range %v", addr, clusterRelayPorts)
	return -1
}

// waitStderr waits (60 s at most: a hang guard) until ok holds for p's
// log.
func waitStderr(t *testing.T, p *proc, ok func(string) bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok(p.stderr.String()) {
			return
		}
	}
	t.Fatalf("%s's log never showed what the test waits for:\n%s", p.name, p.stderr.String())
}
