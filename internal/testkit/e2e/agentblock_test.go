package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
	"github.com/tandem-remote/tandem/internal/wire/agentid"
)

// TestBlockByAgentIdentity: the technician learns the identity of the
// customer's computer when its agent joins; an administrator blocks that
// identity, and the same computer's next join is refused (from the same
// address, whose own block would have been the only way before), audited
// with the identity.
func TestBlockByAgentIdentity(t *testing.T) {
	if agentid.For("https://x") == "" {
		t.Skip("this machine has no machine ID (/etc/machine-id), so its agent has no identity")
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	display := xvfb.Start(t, 800, 600)
	session := func() (tech, agent *proc) {
		tech = start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw,
			"-json", "-end-after", "1s")
		code := tech.next(t, "code")["code"].(string)
		agent = start(t, b["agent"], nil, "-keep", "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display,
			"-consent-timeout", "2s")
		return tech, agent
	}
	tech, agent := session()
	joined := tech.next(t, "joined")
	id, _ := joined["agent"].(string)
	if !agentid.Valid(id) || id != agentid.For(srv.url) {
		t.Fatalf("the technician's joined event %v, want the agent's identity %s", joined, agentid.For(srv.url))
	}
	if mid, _ := os.ReadFile("/etc/machine-id"); len(mid) > 8 && strings.Contains(tech.output(), strings.TrimSpace(string(mid))) {
		t.Error("the technician saw the machine ID itself")
	}
	agent.wait(t, 30*time.Second)
	tech.wait(t, 30*time.Second)

	out := srv.admin(t, b, "", "block", "add", "-agent", id, "-reason", "abusive caller")
	if !regexp.MustCompile(`^block \d+: the computer of agent ` + regexp.QuoteMeta(id)).MatchString(out) {
		t.Fatalf("block add said %q", out)
	}
	tech, agent = session()
	if st := agent.wait(t, 30*time.Second); st != 1 || !strings.Contains(agent.stderr.String(), "refused this connection") {
		t.Errorf("the blocked computer's agent: exit %d\n%s", st, agent.stderr.String())
	}
	if e := tech.last("joined"); e != nil {
		t.Errorf("the technician saw the blocked computer join: %v", e)
	}
	audit := srv.admin(t, b, "", "audit", "list", "-n", "1000")
	if !regexp.MustCompile(`session\.join-refused .*agent:` + regexp.QuoteMeta(id)).MatchString(audit) {
		t.Errorf("no audited refusal naming the agent:\n%s", audit)
	}
}
