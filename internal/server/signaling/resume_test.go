package signaling

import (
	"errors"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestResumeOneNode: on one node, a technician whose socket dropped takes
// up its place on a new one with its resume secret; the agent hears
// peer-resumed and signals flow again both ways. A wrong secret, the
// agent's secret as the technician, and an expired session are refused
// with invalid_code, and count as failed joins.
func TestResumeOneNode(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	tech := f.dial(t)
	opened, err := tech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	agent := f.dial(t)
	joined, err := agent.Join(ctx, opened.Code)
	if err != nil {
		t.Fatal(err)
	}
	expectType(t, ctx, tech, proto.TypePeerJoined)
	tech.Close()
	if bye, _ := proto.Body[proto.Bye](expectType(t, ctx, agent, proto.TypeBye)); bye.Reason != "peer-gone" {
		t.Fatalf("agent heard bye %q, want peer-gone", bye.Reason)
	}
	techSecret, agentSecret := tech.ResumeSecret(opened.Session), agent.ResumeSecret(joined.Session)
	if len(techSecret) != proto.ResumeSecretLen || len(agentSecret) != proto.ResumeSecretLen || techSecret == agentSecret {
		t.Fatalf("resume secrets %q and %q, want two different ones", techSecret, agentSecret)
	}

	for _, tc := range []struct {
		name   string
		role   proto.Role
		secret string
	}{
		{"wrong secret", proto.RoleTechnician, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"the agent's secret as the technician", proto.RoleTechnician, agentSecret},
		{"the technician's secret as the agent", proto.RoleAgent, techSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.dial(t).Resume(ctx, opened.Session, tc.role, tc.secret); !errors.Is(err, sigclient.ErrResumeRefused) {
				t.Fatalf("Resume: %v, want refused", err)
			}
		})
	}

	// Three refusals so far: two more spend the join burst (5).
	for range 2 {
		f.dial(t).Resume(ctx, opened.Session, proto.RoleAgent, techSecret)
	}
	if _, err := f.dial(t).Resume(ctx, opened.Session, proto.RoleTechnician, techSecret); !errors.Is(err, proto.ErrThrottled) {
		t.Fatalf("Resume after five failures: %v, want throttled", err)
	}
	f.clock.add(time.Hour) // the throttle forgets

	back := f.dial(t)
	if r, err := back.Resume(ctx, opened.Session, proto.RoleTechnician, techSecret); err != nil || r.Session != opened.Session {
		t.Fatalf("Resume = %+v, %v", r, err)
	}
	env := expectType(t, ctx, agent, proto.TypePeerResumed)
	if pr, _ := proto.Body[proto.PeerResumed](env); pr.Role != proto.RoleTechnician || pr.Session != opened.Session {
		t.Fatalf("peer-resumed %+v", pr)
	}
	for _, dir := range []struct{ from, to *sigclient.Conn }{{back, agent}, {agent, back}} {
		if err := dir.from.Send(ctx, proto.TypeSignal, proto.Signal{Data: []byte(`{"candidate":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		expectType(t, ctx, dir.to, proto.TypeSignal)
	}

	// Past the session's end, nothing resumes (the sweep has not run).
	f.clock.add(DefaultSessionMax + time.Minute)
	if _, err := f.dial(t).Resume(ctx, opened.Session, proto.RoleAgent, agentSecret); !errors.Is(err, sigclient.ErrResumeRefused) {
		t.Fatalf("Resume of an expired session: %v, want refused", err)
	}
}
