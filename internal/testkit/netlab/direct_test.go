package netlab

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What the link logs (the clients run with -v) when it moves to another
// path and when the technician looks for a direct one.
var (
	movedDirect  = regexp.MustCompile(`msg="path changed" role=\w+ path="direct `)
	movedRelayed = regexp.MustCompile(`msg="path changed" role=offerer path="relayed `)
	looked       = regexp.MustCompile(`msg="relayed: looking for a direct path" role=offerer try=1`)
)

// TestConeNATsEmbeddedRelay: the network of a single-machine install, as
// issue 20 tried it: two customers' LANs behind cone NATs on one public
// segment, and the signaling server running its embedded relay on that
// segment. A direct path exists, so both sides use it: from the start, or,
// when the direct checks lost the race against the relay's acceptance wait
// (a loaded machine), from the technician's first look 5 s in.
func TestConeNATsEmbeddedRelay(t *testing.T) {
	Require(t)
	bins := tandem.get(t, "signaling", "agent", "technician")
	lab := New(t)
	d := DeployEmbedded(t, lab, bins)
	techNS, _ := lab.Router("ra", PublicA, LANA, Cone).Host("tech")
	agentNS, _ := lab.Router("rb", PublicB, LANB, Cone).Host("agent")
	s := startSession(t, d, bins, techNS, agentNS, "8s")
	s.wait(t)
	for _, p := range []*Proc{s.Tech, s.Agent} {
		first, _ := p.Event("connected")
		c := checkSide(t, s.Session, p, scenario{path: first.Str("path"), protocol: "udp"})
		t.Logf("%s: path=%s local=%s remote=%s rtt_ms=%v", p.Name, c.Str("path"), c.Str("local"), c.Str("remote"), c["rtt_ms"])
		if c.Str("path") != "direct" && !movedDirect.MatchString(p.Output()) {
			t.Errorf("%s connected through the relay and never moved to the direct path\n%s", p.Name, s.Dump())
		}
	}
}

// TestDirectAfterRelayedStart: the same network, but site A's router drops
// UDP between the two sites until both sides are connected, through the
// relay. Then the firewall opens: the link moves onto the direct path by
// itself, in the same session, and UDP flows between the sites' public
// addresses without the relay.
func TestDirectAfterRelayedStart(t *testing.T) {
	Require(t)
	bins := tandem.get(t, "signaling", "agent", "technician")
	lab := New(t)
	d := DeployEmbedded(t, lab, bins)
	ra := lab.Router("ra", PublicA, LANA, Cone)
	techNS, _ := ra.Host("tech")
	agentNS, _ := lab.Router("rb", PublicB, LANB, Cone).Host("agent")
	block := [][]string{{"FORWARD", "-p", "udp", "-d", PublicB.String(), "-j", "DROP"},
		{"FORWARD", "-p", "udp", "-s", PublicB.String(), "-j", "DROP"}}
	for _, r := range block {
		ra.Router.IPTables(append([]string{"-I"}, r...)...)
	}
	// Counts UDP leaving site A for site B's public address.
	ra.Router.IPTables("-A", "FORWARD", "-p", "udp", "-d", PublicB.String())

	// Two looks fit in the session (5 s and about 21 s in), in case the
	// first one loses the race against the relay on a loaded machine.
	s := startSession(t, d, bins, techNS, agentNS, "25s")
	for _, p := range []*Proc{s.Tech, s.Agent} {
		c, err := p.WaitEvent(s.ctx, "connected")
		if err != nil {
			t.Fatalf("%v\n%s", err, s.Dump())
		}
		if c.Str("path") != "relayed" {
			t.Fatalf("%s connected %v with direct UDP dropped", p.Name, c)
		}
	}
	for _, r := range block {
		ra.Router.IPTables(append([]string{"-D"}, r...)...)
	}
	opened := time.Now()
	for _, p := range []*Proc{s.Tech, s.Agent} {
		if err := waitStderr(s.ctx, p, movedDirect); err != nil {
			t.Fatalf("%v\n%s", err, s.Dump())
		}
	}
	t.Logf("direct %v after the firewall opened", time.Since(opened).Round(time.Millisecond))
	before := udpTo(t, ra, PublicB)
	time.Sleep(2 * time.Second) // keepalives and heartbeats flow on the direct path
	if after := udpTo(t, ra, PublicB); after <= before {
		t.Errorf("no UDP from site A to site B after the move (%d then %d packets)\n%s", before, after, s.Dump())
	}
	s.wait(t)
	for _, p := range []*Proc{s.Tech, s.Agent} {
		checkSide(t, s.Session, p, scenario{path: "relayed", protocol: "udp"})
	}
	logLines(t, s.Tech, `msg=connected|direct path|path changed`)
}

// TestRelayedStaysUpWhileLookingForDirect: behind symmetric NATs no direct
// path exists; the technician still looks for one 5 s into the session,
// which leaves the session on the relay, up, and ending cleanly on both
// sides.
func TestRelayedStaysUpWhileLookingForDirect(t *testing.T) {
	Require(t)
	bins := tandem.get(t, "signaling", "agent", "technician")
	lab := New(t)
	d := DeployEmbedded(t, lab, bins)
	techNS, _ := lab.Router("ra", PublicA, LANA, Symmetric).Host("tech")
	agentNS, _ := lab.Router("rb", PublicB, LANB, Symmetric).Host("agent")
	s := startSession(t, d, bins, techNS, agentNS, "10s")
	s.wait(t)
	for _, p := range []*Proc{s.Tech, s.Agent} {
		checkSide(t, s.Session, p, scenario{path: "relayed", protocol: "udp"})
	}
	if out := s.Tech.Output(); !looked.MatchString(out) || !movedRelayed.MatchString(out) {
		t.Errorf("the technician did not look for a direct path and stay relayed\n%s", out)
	}
	logLines(t, s.Tech, `msg=connected|direct path|path changed`)
}

// longSession is a technician (ending itself after a while) and an agent,
// both logging with -v.
type longSession struct {
	*Session
	ctx context.Context
}

// startSession starts a headless technician in techNS that ends the session
// endAfter after it connects, and an agent with its code in agentNS.
func startSession(t *testing.T, d *Deployment, bins Binaries, techNS, agentNS *NS, endAfter string) *longSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	common := []string{"-server", d.ServerURL, "-ca", d.CA, "-json", "-v"}
	s := &longSession{Session: &Session{d: d}, ctx: ctx}
	s.Tech = techNS.Start("technician", bins["technician"], append([]string{"-headless", "-user", d.User,
		"-password-file", d.PasswordFile, "-end-after", endAfter}, common...)...)
	code, err := s.Tech.WaitEvent(ctx, "code")
	if err != nil {
		t.Fatalf("netlab: %v\n%s", err, s.Dump())
	}
	s.Agent = agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code")}, common...)...)
	return s
}

// wait waits for both sides to exit.
func (s *longSession) wait(t *testing.T) {
	t.Helper()
	for _, p := range []*Proc{s.Tech, s.Agent} {
		if err := p.Wait(s.ctx); err != nil && !p.Exited() {
			t.Fatalf("netlab: %v\n%s", err, s.Dump())
		}
	}
}

// waitStderr waits until p's standard error has a line matching re.
func waitStderr(ctx context.Context, p *Proc, re *regexp.Regexp) error {
	for {
		p.mu.Lock()
		found := re.MatchString(p.stderr.String())
		p.mu.Unlock()
		if found {
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("%s exited with no log line matching %q", p.Name, re)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: no log line matching %q: %w", p.Name, re, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logLines logs p's standard error lines matching pattern, for the eye.
func logLines(t *testing.T, p *Proc, pattern string) {
	re := regexp.MustCompile(pattern)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		if re.MatchString(line) {
			t.Logf("%s: %s", p.Name, line)
		}
	}
}

// udpTo is the packet count of the router's counting rule for UDP to dst.
func udpTo(t *testing.T, s *Site, dst fmt.Stringer) int {
	t.Helper()
	out := s.Router.IPTables("-L", "FORWARD", "-v", "-x", "-n")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		// pkts bytes prot opt in out source destination (no target)
		if len(f) == 8 && (f[2] == "udp" || f[2] == "17") && f[7] == dst.String() {
			n, _ := strconv.Atoi(f[0])
			return n
		}
	}
	t.Fatalf("no counting rule for UDP to %s:\n%s", dst, out)
	return 0
}
