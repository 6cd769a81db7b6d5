package storetest

import (
	"context"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// testRelayPort: an assigned relay port is read back with the account (in
// Account and ListAccounts), survives reopening, and 0 clears it.
func testRelayPort(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "op1", store.KindOperator)
	addAccount(t, s, "op2", store.KindOperator)
	if a, _ := s.Account(ctx, "op1"); a.RelayPort != 0 {
		t.Fatalf("new account has relay port %d, want 0", a.RelayPort)
	}
	must(t, s.SetRelayPort(ctx, "op1", 3479))
	wantErr(t, s.SetRelayPort(ctx, "nobody", 3479), store.ErrNotFound)
	if err := s.SetRelayPort(ctx, "op1", 70000); err == nil {
		t.Error("port 70000 accepted")
	}
	s.Close()
	s = openT(t, open)
	all, err := s.ListAccounts(ctx)
	must(t, err)
	if len(all) != 2 || all[0].RelayPort != 3479 || all[1].RelayPort != 0 {
		t.Fatalf("relay ports after reopening: %+v", all)
	}
	must(t, s.SetRelayPort(ctx, "op1", 0))
	if a, _ := s.Account(ctx, "op1"); a.RelayPort != 0 {
		t.Errorf("relay port %d after clearing", a.RelayPort)
	}
}
