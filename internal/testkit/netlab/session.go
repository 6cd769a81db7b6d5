package netlab

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Session is one technician and one agent run to completion.
type Session struct {
	Tech, Agent *Proc
	d           *Deployment
}

// RunSession starts a technician in techNS (with -end-after 1s), waits for
// its session code, starts an agent with that code in agentNS, and waits
// for both to exit. extra flags go to both clients (e.g. -relay-only).
func (d *Deployment) RunSession(t testing.TB, bins Binaries, techNS, agentNS *NS, extra ...string) *Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := &Session{d: d}
	common := append([]string{"-server", d.ServerURL, "-ca", d.CA, "-json"}, extra...)
	s.Tech = techNS.Start("technician", bins["technician"],
		append([]string{"-headless", "-user", d.User, "-password-file", d.PasswordFile, "-end-after", "1s"}, common...)...)
	code, err := s.Tech.WaitEvent(ctx, "code")
	if err != nil {
		t.Fatalf("netlab: technician printed no session code: %v\n%s", err, s.Dump())
	}
	if code.Str("code") == "" {
		t.Fatalf("netlab: code event without a code: %v\n%s", code, s.Dump())
	}
	// -keep: every session runs the same built agent, which would
	// otherwise delete itself when its session ends.
	s.Agent = agentNS.Start("agent", bins["agent"], append([]string{"-keep", "-code", code.Str("code")}, common...)...)
	for _, p := range []*Proc{s.Tech, s.Agent} {
		if err := p.Wait(ctx); err != nil && !p.Exited() {
			t.Fatalf("netlab: %v\n%s", err, s.Dump())
		}
	}
	return s
}

// Dump is every process's output, for failure messages.
func (s *Session) Dump() string {
	var parts []string
	for _, p := range []*Proc{s.Tech, s.Agent, s.d.Sig, s.d.Relay} {
		if p != nil {
			parts = append(parts, p.Output())
		}
	}
	return strings.Join(parts, "\n")
}
