package admin

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/agentid"
)

// TestBlockLimits: an operator's block lasts the configured default unless
// they say, never beyond the maximum, and lapses at its expiry; an
// administrator's permanent block does not.
func TestBlockLimits(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	a := New(nil, st, audit.New(st, nil, clock), nil, clock)
	a.SetBlockLimits(2*time.Hour, 10*time.Hour)
	op := Caller{ID: "op1", Kind: store.KindOperator}
	root := Caller{ID: "root", Kind: store.KindAdministrator}

	b, err := a.BlockCustomer(ctx, op, BlockRequest{Address: "192.0.2.7"})
	if err != nil || !b.Expires.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("default block: %+v, %v; want expiry in 2h", b, err)
	}
	if _, err := a.BlockCustomer(ctx, op, BlockRequest{Address: "192.0.2.8", For: 11 * time.Hour}); !errors.Is(err, ErrInvalid) {
		t.Errorf("block beyond the maximum: %v", err)
	}
	if _, err := a.BlockCustomer(ctx, op, BlockRequest{Address: "192.0.2.8", For: 10 * time.Hour}); err != nil {
		t.Errorf("block of exactly the maximum: %v", err)
	}
	if _, err := a.BlockCustomer(ctx, root, BlockRequest{Address: "::ffff:203.0.113.0/120", Permanent: true}); err != nil {
		t.Fatal(err)
	}
	blocked := func(addr string) bool {
		_, ok, err := a.CustomerBlocked(ctx, netip.MustParseAddr(addr), "")
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for addr, want := range map[string]bool{"192.0.2.7": true, "::ffff:192.0.2.7": true, "192.0.2.9": false, "203.0.113.200": true} {
		if got := blocked(addr); got != want {
			t.Errorf("blocked(%s) = %v, want %v", addr, got, want)
		}
	}
	now = now.Add(2 * time.Hour)
	if blocked("192.0.2.7") {
		t.Error("operator's block outlived its expiry")
	}
	if !blocked("203.0.113.1") {
		t.Error("permanent block lapsed")
	}
	if err := a.UnblockCustomer(ctx, op, 3); !errors.Is(err, ErrForbidden) {
		t.Errorf("operator lifted an administrator's block: %v", err)
	}
}

// TestBlockAgent: a block may name an agent identity instead of (or as
// well as) an address; it matches that identity from any address, and a
// malformed identity or an empty block is refused.
func TestBlockAgent(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := New(nil, st, audit.New(st, nil, nil), nil, nil)
	op := Caller{ID: "op1", Kind: store.KindOperator}
	id := agentid.Derive("https://help.example.com", "machine-1")
	for _, bad := range []BlockRequest{{}, {AgentID: "not-an-identity"}, {AgentID: id[:42]}} {
		if _, err := a.BlockCustomer(ctx, op, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := a.BlockCustomer(ctx, op, BlockRequest{AgentID: id, Reason: "abuse"}); err != nil {
		t.Fatal(err)
	}
	other := agentid.Derive("https://help.example.com", "machine-2")
	for _, c := range []struct {
		addr, agent string
		want        bool
	}{
		{"192.0.2.7", id, true},
		{"2001:db8::1", id, true},
		{"192.0.2.7", other, false},
		{"192.0.2.7", "", false},
	} {
		_, got, err := a.CustomerBlocked(ctx, netip.MustParseAddr(c.addr), c.agent)
		if err != nil || got != c.want {
			t.Errorf("CustomerBlocked(%s, %.8s) = %v %v, want %v", c.addr, c.agent, got, err, c.want)
		}
	}
}
