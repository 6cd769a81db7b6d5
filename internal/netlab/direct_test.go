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

// TestConeNATsEmbeddedRelay: the network of a single-machine install, as
// issue 20 tried it: two customers' LANs behind cone NATs on one public
// segment, and the signaling server running its embedded relay on that
// segment. A direct path exists, so both sides connect directly.
func TestConeNATsEmbeddedRelay(t *testing.T) {
	Require(t)
	bins := tandem.get(t, "signaling", "agent", "technician")
	lab := New(t)
	d := DeployEmbedded(t, lab, bins)
	techNS, _ := lab.Router("ra", PublicA, LANA, Cone).Host("tech")
	agentNS, _ := lab.Router("rb", PublicB, LANB, Cone).Host("agent")
	s := d.RunSession(t, bins, techNS, agentNS)
	for _, p := range []*Proc{s.Tech, s.Agent} {
		c := checkSide(t, s, p, scenario{path: "direct", protocol: "udp"})
		t.Logf("%s: path=%s local=%s remote=%s rtt_ms=%v", p.Name, c.Str("path"), c.Str("local"), c.Str("remote"), c["rtt_ms"])
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

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	common := []string{"-server", d.ServerURL, "-ca", d.CA, "-json", "-v"}
	tech := techNS.Start("technician", bins["technician"], append([]string{"-headless", "-user", d.User,
		"-password-file", d.PasswordFile, "-end-after", "20s"}, common...)...)
	code, err := tech.WaitEvent(ctx, "code")
	if err != nil {
		t.Fatal(err)
	}
	agent := agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code")}, common...)...)
	dump := func() string { return tech.Output() + "\n" + agent.Output() }
	for _, p := range []*Proc{tech, agent} {
		c, err := p.WaitEvent(ctx, "connected")
		if err != nil {
			t.Fatalf("%v\n%s", err, dump())
		}
		if c.Str("path") != "relayed" {
			t.Fatalf("%s connected %v with direct UDP dropped", p.Name, c)
		}
	}
	for _, r := range block {
		ra.Router.IPTables(append([]string{"-D"}, r...)...)
	}
	opened := time.Now()
	for _, p := range []*Proc{tech, agent} {
		if err := waitStderr(ctx, p, `msg="path changed".*path="direct `); err != nil {
			t.Fatalf("%v\n%s", err, dump())
		}
	}
	t.Logf("direct %v after the firewall opened", time.Since(opened).Round(time.Millisecond))
	before := udpTo(t, ra, PublicB)
	time.Sleep(2 * time.Second) // keepalives and heartbeats flow on the direct path
	if after := udpTo(t, ra, PublicB); after <= before {
		t.Errorf("no UDP from site A to site B after the move (%d then %d packets)\n%s", before, after, dump())
	}
	for _, p := range []*Proc{tech, agent} {
		if err := p.Wait(ctx); err != nil {
			t.Errorf("%s: %v\n%s", p.Name, err, dump())
		}
	}
	logLines(t, tech, `msg=connected|direct path|path changed`)
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

// waitStderr waits until p's standard error has a line matching pattern.
func waitStderr(ctx context.Context, p *Proc, pattern string) error {
	re := regexp.MustCompile(pattern)
	for {
		p.mu.Lock()
		found := re.MatchString(p.stderr.String())
		p.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: no log line matching %q: %w", p.Name, pattern, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// udpTo is the packet count of the router's counting rule for UDP to dst.
func udpTo(t *testing.T, s *Site, dst fmt.Stringer) int {
	t.Helper()
	out := s.Router.IPTables("-L", "FORWARD", "-v", "-x", "-n")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		// pkts bytes target prot opt in out source destination (no target)
		if len(f) == 8 && (f[2] == "udp" || f[2] == "17") && f[7] == dst.String() {
			n, _ := strconv.Atoi(f[0])
			return n
		}
	}
	t.Fatalf("no counting rule for UDP to %s:\n%s", dst, out)
	return 0
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
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	common := []string{"-server", d.ServerURL, "-ca", d.CA, "-json", "-v"}
	tech := techNS.Start("technician", bins["technician"], append([]string{"-headless", "-user", d.User,
		"-password-file", d.PasswordFile, "-end-after", "10s"}, common...)...)
	code, err := tech.WaitEvent(ctx, "code")
	if err != nil {
		t.Fatal(err)
	}
	agent := agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code")}, common...)...)
	s := &Session{Tech: tech, Agent: agent, d: d}
	for _, p := range []*Proc{tech, agent} {
		if err := p.Wait(ctx); err != nil && !p.Exited() {
			t.Fatalf("%v\n%s", err, s.Dump())
		}
	}
	for _, p := range []*Proc{tech, agent} {
		checkSide(t, s, p, scenario{path: "relayed", protocol: "udp"})
	}
	looked := regexp.MustCompile(`(?s)looking for a direct path" role=offerer try=1.*msg="path changed" role=offerer path="relayed `)
	if out := tech.Output(); !looked.MatchString(out) {
		t.Errorf("the technician did not look for a direct path and stay relayed\n%s", out)
	}
	logLines(t, tech, `msg=connected|direct path|path changed`)
}
