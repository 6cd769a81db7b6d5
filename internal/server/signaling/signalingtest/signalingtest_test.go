package signalingtest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestOperatorOpensSession: Start's operator opens a session with its
// login token and the agent's grant lists every function; an operator
// added with fewer functions gets only those; a token that is no login's
// opens nothing.
func TestOperatorOpensSession(t *testing.T) {
	s := Start(t, signaling.Config{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	observer := s.Admin.AddOperator("watcher", grant.Observe)
	for _, tc := range []struct {
		op   Operator
		want []grant.Function
	}{
		{s.Operator, grant.Functions},
		{observer, []grant.Function{grant.Observe}},
	} {
		g := openAndJoin(t, ctx, s, tc.op.Token)
		if g.Operator != tc.op.ID || !sameSet(g.Functions, tc.want) {
			t.Errorf("grant for %s: %+v, want functions %v", tc.op.ID, g, tc.want)
		}
	}
	if _, err := dial(t, s).Open(ctx, s.Operator.Token+"x"); !errors.Is(err, proto.ErrUnauthorized) {
		t.Errorf("forged token: %v", err)
	}
}

func openAndJoin(t *testing.T, ctx context.Context, s *Server, token string) grant.Grant {
	t.Helper()
	opened, err := dial(t, s).Open(ctx, token)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	joined, err := dial(t, s).Join(ctx, opened.Code)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	g, err := grant.Verify(s.GrantKey, joined.Grant, opened.Session, time.Now())
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
	return g
}

func dial(t *testing.T, s *Server) *sigclient.Conn {
	t.Helper()
	c, err := sigclient.Dial(context.Background(), s.URL, s.Roots)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sameSet(a, b []grant.Function) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestSetupToken(t *testing.T) {
	const tok = "tdmsetup_nRcD2d5_8VK6_V8TKTeLJ78UjMQKTABoIj-IWnTzYb8"
	summary := "  NO ADMINISTRATOR YET. One-time setup token (shown only now, valid until 05:21 UTC):\n    " + tok + "\n  Create the first administrator with it:\n"
	if got, ok := SetupToken(summary); !ok || got != tok {
		t.Errorf("SetupToken = %q, %v; want %q", got, ok, tok)
	}
	if got, ok := SetupToken("Tandem signaling server\n  URL: https://127.0.0.1:8443\n"); ok {
		t.Errorf("SetupToken found %q in a summary without one", got)
	}
}
