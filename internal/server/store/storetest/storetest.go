// Package storetest is the contract every store.Store implementation must
// pass. An implementation's own test calls Run with a Factory; the suite
// is the definition of what the authentication service relies on.
package storetest

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// Factory returns an opener for a fresh, empty database. Every call of the
// opener opens that same database again, as a restarted server would; the
// suite closes what it opens.
type Factory func(t *testing.T) (open func(t *testing.T) store.Store)

// Run runs the whole contract against the implementation f makes.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		fn   func(*testing.T, func(*testing.T) store.Store)
	}{
		{"Accounts", testAccounts},
		{"Credentials", testCredentials},
		{"Groups", testGroups},
		{"IPRules", testIPRules},
		{"Lockouts", testLockouts},
		{"LockoutsConcurrent", testLockoutsConcurrent},
		{"LockoutsReserveExact", testLockoutsReserveExact},
		{"Tokens", testTokens},
		{"Secrets", testSecrets},
		{"Durable", testDurable},
		{"AuditLog", testAuditLog},
		{"AuditLogConcurrent", testAuditLogConcurrent},
		{"AuditLogTwoHandles", testAuditLogTwoHandles},
		{"AuditPrune", testAuditPrune},
		{"AuditBatch", testAuditBatch},
		{"OpenConversations", testOpenConversations},
		{"SetupTokens", testSetupTokens},
		{"Permissions", testPermissions},
		{"CustomerBlocks", testCustomerBlocks},
		{"RelayPort", testRelayPort},
		{"TOTP", testTOTP},
		{"TOTPRequired", testTOTPRequired},
		{"APIKeys", testAPIKeys},
		{"ChatTranscripts", testChatTranscripts},
		{"ChatTranscriptList", testChatTranscriptList},
		{"AuditRecordsAbout", testAuditRecordsAbout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, f(t)) })
	}
}

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func openT(t *testing.T, open func(*testing.T) store.Store) store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

func addAccount(t *testing.T, s store.Store, id string, k store.Kind) {
	t.Helper()
	must(t, s.CreateAccount(context.Background(), store.Account{ID: id, Kind: k, DisplayName: "D " + id, Organisation: "Org", Created: t0}))
}

func testAccounts(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "bob", store.KindOperator)
	addAccount(t, s, "alice", store.KindAdministrator)
	wantErr(t, s.CreateAccount(ctx, store.Account{ID: "bob", Kind: store.KindOperator}), store.ErrExists)
	if err := s.CreateAccount(ctx, store.Account{ID: "x", Kind: "root"}); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
	a, err := s.Account(ctx, "alice")
	must(t, err)
	want := store.Account{ID: "alice", Kind: store.KindAdministrator, DisplayName: "D alice", Organisation: "Org", Created: t0}
	if !a.Created.Equal(t0) || a.ID != want.ID || a.Kind != want.Kind || a.DisplayName != want.DisplayName || a.Organisation != want.Organisation || a.Disabled {
		t.Fatalf("Account = %+v, want %+v", a, want)
	}
	_, err = s.Account(ctx, "nobody")
	wantErr(t, err, store.ErrNotFound)
	all, err := s.ListAccounts(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != "alice" || all[1].ID != "bob" {
		t.Fatalf("ListAccounts = %+v, want alice then bob", all)
	}
	must(t, s.SetDisabled(ctx, "bob", true, t0))
	if a, _ := s.Account(ctx, "bob"); !a.Disabled {
		t.Fatal("bob not disabled")
	}
	must(t, s.SetDisabled(ctx, "bob", false, t0))
	if a, _ := s.Account(ctx, "bob"); a.Disabled {
		t.Fatal("bob still disabled")
	}
	wantErr(t, s.SetDisabled(ctx, "nobody", true, t0), store.ErrNotFound)
}

func cred(b byte, at time.Time) store.Credential {
	return store.Credential{Salt: []byte{b, 1}, Iterations: 4096, StoredKey: []byte{b, 2}, ServerKey: []byte{b, 3}, SetAt: at}
}

func fp(b byte, at time.Time) store.Fingerprint {
	return store.Fingerprint{Salt: []byte{b, 4}, Iterations: 4096, Verifier: []byte{b, 5}, SetAt: at}
}

func testCredentials(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "bob", store.KindOperator)
	_, err := s.Credential(ctx, "bob")
	wantErr(t, err, store.ErrNotFound) // no password yet
	wantErr(t, s.SetCredential(ctx, "nobody", cred(1, t0), fp(1, t0), 3), store.ErrNotFound)
	for i := range 5 {
		must(t, s.SetCredential(ctx, "bob", cred(byte(i), t0.Add(time.Duration(i)*time.Hour)), fp(byte(i), t0), 3))
	}
	c, err := s.Credential(ctx, "bob")
	must(t, err)
	if want := cred(4, t0.Add(4*time.Hour)); !slices.Equal(c.Salt, want.Salt) || !slices.Equal(c.StoredKey, want.StoredKey) ||
		!slices.Equal(c.ServerKey, want.ServerKey) || c.Iterations != want.Iterations || !c.SetAt.Equal(want.SetAt) {
		t.Fatalf("Credential = %+v, want %+v", c, want)
	}
	h, err := s.PasswordHistory(ctx, "bob")
	must(t, err)
	if len(h) != 3 || h[0].Verifier[0] != 4 || h[2].Verifier[0] != 2 {
		t.Fatalf("history = %+v, want the newest 3 (4, 3, 2) newest first", h)
	}
}

func testGroups(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "bob", store.KindOperator)
	must(t, s.CreateGroup(ctx, "support"))
	must(t, s.CreateGroup(ctx, "billing"))
	wantErr(t, s.CreateGroup(ctx, "support"), store.ErrExists)
	must(t, s.AddMember(ctx, "support", "bob"))
	must(t, s.AddMember(ctx, "support", "bob")) // idempotent
	must(t, s.AddMember(ctx, "billing", "bob"))
	wantErr(t, s.AddMember(ctx, "nogroup", "bob"), store.ErrNotFound)
	wantErr(t, s.AddMember(ctx, "support", "nobody"), store.ErrNotFound)
	a, err := s.Account(ctx, "bob")
	must(t, err)
	if !slices.Equal(a.Groups, []string{"billing", "support"}) {
		t.Fatalf("groups = %v, want [billing support]", a.Groups)
	}
	must(t, s.RemoveMember(ctx, "billing", "bob"))
	wantErr(t, s.RemoveMember(ctx, "billing", "bob"), store.ErrNotFound)
	must(t, s.DeleteGroup(ctx, "support"))
	wantErr(t, s.DeleteGroup(ctx, "support"), store.ErrNotFound)
	if a, _ := s.Account(ctx, "bob"); len(a.Groups) != 0 {
		t.Fatalf("groups after delete = %v", a.Groups)
	}
	gs, err := s.ListGroups(ctx)
	must(t, err)
	if !slices.Equal(gs, []string{"billing"}) {
		t.Fatalf("ListGroups = %v", gs)
	}
}

func testIPRules(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "bob", store.KindOperator)
	must(t, s.CreateGroup(ctx, "office"))
	must(t, s.AddMember(ctx, "office", "bob"))
	bob, office := store.Subject{Kind: store.SubjectAccount, Name: "bob"}, store.Subject{Kind: store.SubjectGroup, Name: "office"}
	must(t, s.AddIPRule(ctx, bob, netip.MustParsePrefix("::ffff:192.0.2.7/128")))
	must(t, s.AddIPRule(ctx, bob, netip.MustParsePrefix("192.0.2.7/32"))) // same rule once normalized
	must(t, s.AddIPRule(ctx, office, netip.MustParsePrefix("2001:db8::1/48")))
	wantErr(t, s.AddIPRule(ctx, store.Subject{Kind: store.SubjectGroup, Name: "none"}, netip.MustParsePrefix("192.0.2.0/24")), store.ErrNotFound)
	own, err := s.IPRules(ctx, bob)
	must(t, err)
	if len(own) != 1 || own[0] != netip.MustParsePrefix("192.0.2.7/32") {
		t.Fatalf("own rules = %v, want [192.0.2.7/32]", own)
	}
	all, err := s.AccountIPRules(ctx, "bob")
	must(t, err)
	if len(all) != 2 || !slices.Contains(all, netip.MustParsePrefix("2001:db8::/48")) {
		t.Fatalf("effective rules = %v, want own and the group's 2001:db8::/48", all)
	}
	must(t, s.RemoveIPRule(ctx, bob, netip.MustParsePrefix("192.0.2.7/32")))
	wantErr(t, s.RemoveIPRule(ctx, bob, netip.MustParsePrefix("192.0.2.7/32")), store.ErrNotFound)
	must(t, s.DeleteGroup(ctx, "office"))
	if all, _ := s.AccountIPRules(ctx, "bob"); len(all) != 0 {
		t.Fatalf("rules after deleting group = %v", all)
	}
}

func testTokens(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "bob", store.KindOperator)
	tok := func(b byte) store.Token {
		return store.Token{Hash: [32]byte{b}, AccountID: "bob", Created: t0, Expires: t0.Add(time.Hour)}
	}
	wantErr(t, s.CreateToken(ctx, store.Token{Hash: [32]byte{9}, AccountID: "nobody", Expires: t0}), store.ErrNotFound)
	for b := range byte(3) {
		must(t, s.CreateToken(ctx, tok(b)))
	}
	got, err := s.Token(ctx, [32]byte{1})
	must(t, err)
	if got.AccountID != "bob" || !got.Live(t0) || got.Live(t0.Add(time.Hour)) {
		t.Fatalf("token = %+v", got)
	}
	_, err = s.Token(ctx, [32]byte{7})
	wantErr(t, err, store.ErrNotFound)
	must(t, s.RevokeToken(ctx, [32]byte{0}, t0))
	must(t, s.RevokeToken(ctx, [32]byte{0}, t0.Add(time.Minute))) // idempotent, keeps the first time
	if got, _ := s.Token(ctx, [32]byte{0}); got.Live(t0) || !got.Revoked.Equal(t0) {
		t.Fatalf("revoked token = %+v", got)
	}
	wantErr(t, s.RevokeToken(ctx, [32]byte{7}, t0), store.ErrNotFound)
	n, err := s.RevokeAccountTokens(ctx, "bob", t0)
	must(t, err)
	if n != 2 {
		t.Fatalf("revoked %d, want the 2 live ones", n)
	}
	// Disabling and a new password revoke too.
	must(t, s.CreateToken(ctx, tok(3)))
	must(t, s.SetDisabled(ctx, "bob", true, t0))
	if got, _ := s.Token(ctx, [32]byte{3}); got.Live(t0) {
		t.Fatal("token live after disable")
	}
	must(t, s.SetDisabled(ctx, "bob", false, t0))
	must(t, s.CreateToken(ctx, tok(4)))
	must(t, s.SetCredential(ctx, "bob", cred(1, t0), fp(1, t0), 1))
	if got, _ := s.Token(ctx, [32]byte{4}); got.Live(t0) {
		t.Fatal("token live after password change")
	}
	n, err = s.PurgeTokens(ctx, t0.Add(2*time.Hour))
	must(t, err)
	if n != 5 {
		t.Fatalf("purged %d, want 5", n)
	}
}

func testSecrets(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte{byte(calls)}, nil }
	a, err := s.Secret(ctx, "login", gen)
	must(t, err)
	b, err := s.Secret(ctx, "login", gen)
	must(t, err)
	if !slices.Equal(a, b) || calls != 1 {
		t.Fatalf("secret changed (%x, %x) or generated %d times", a, b, calls)
	}
	if _, err := s.Secret(ctx, "broken", func() ([]byte, error) { return nil, errors.New("no entropy") }); err == nil {
		t.Fatal("generator error swallowed")
	}
}

// testDurable: what the three-tries rule and sessions depend on survives
// closing and reopening the database.
func testDurable(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := open(t)
	addAccount(t, s, "bob", store.KindOperator)
	must(t, s.SetCredential(ctx, "bob", cred(1, t0), fp(1, t0), 3))
	for range 3 {
		_, _, err := s.ReserveAttempt(ctx, "bob", t0, 3, time.Hour)
		must(t, err)
	}
	must(t, s.CreateToken(ctx, store.Token{Hash: [32]byte{1}, AccountID: "bob", Created: t0, Expires: t0.Add(time.Hour)}))
	sec, err := s.Secret(ctx, "k", func() ([]byte, error) { return []byte("v1"), nil })
	must(t, err)
	must(t, s.Close())

	s = openT(t, open)
	if l, _ := s.Lockout(ctx, "bob"); !l.Blocked(t0) {
		t.Fatalf("block lost across reopen: %+v", l)
	}
	if _, err := s.Credential(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if tk, err := s.Token(ctx, [32]byte{1}); err != nil || !tk.Live(t0) {
		t.Fatalf("token lost across reopen: %+v %v", tk, err)
	}
	if sec2, _ := s.Secret(ctx, "k", func() ([]byte, error) { return []byte("v2"), nil }); !slices.Equal(sec, sec2) {
		t.Fatal("secret changed across reopen")
	}
}
