package storetest

import (
	"context"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// testAPIKeys: keys are found by hash and ID, listed per account or all,
// revoked idempotently, and survive reopening.
func testAPIKeys(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	addAccount(t, s, "root", store.KindAdministrator)
	addAccount(t, s, "op1", store.KindOperator)
	k1 := store.APIKey{ID: "k1", Hash: sha256.Sum256([]byte("one")), AccountID: "root", Name: "backup",
		Scopes: []string{"admin:write", "admin:read"}, Created: t0, Expires: t0.Add(time.Hour)}
	k2 := store.APIKey{ID: "k2", Hash: sha256.Sum256([]byte("two")), AccountID: "op1", Scopes: []string{"blocks"},
		Created: t0.Add(time.Second), Expires: t0.Add(time.Hour)}
	must(t, s.CreateAPIKey(ctx, k1))
	must(t, s.CreateAPIKey(ctx, k2))
	wantErr(t, s.CreateAPIKey(ctx, store.APIKey{ID: "k3", AccountID: "nobody", Scopes: []string{"blocks"}}), store.ErrNotFound)
	dup := k2
	dup.ID = "k4"
	wantErr(t, s.CreateAPIKey(ctx, dup), store.ErrExists)

	s.Close()
	s = openT(t, open)
	got, err := s.APIKeyByHash(ctx, sha256.Sum256([]byte("one")))
	must(t, err)
	if got.ID != "k1" || got.AccountID != "root" || got.Name != "backup" || !slices.Equal(got.Scopes, []string{"admin:read", "admin:write"}) ||
		!got.Expires.Equal(t0.Add(time.Hour)) || !got.Live(t0) || got.Live(t0.Add(time.Hour)) {
		t.Fatalf("APIKeyByHash = %+v", got)
	}
	_, err = s.APIKeyByHash(ctx, sha256.Sum256([]byte("nope")))
	wantErr(t, err, store.ErrNotFound)
	if ks, _ := s.ListAPIKeys(ctx, "op1"); len(ks) != 1 || ks[0].ID != "k2" {
		t.Errorf("op1's keys: %+v", ks)
	}
	if ks, _ := s.ListAPIKeys(ctx, ""); len(ks) != 2 || ks[0].ID != "k1" {
		t.Errorf("all keys: %+v", ks)
	}
	must(t, s.RevokeAPIKey(ctx, "k1", t0.Add(time.Minute)))
	must(t, s.RevokeAPIKey(ctx, "k1", t0.Add(2*time.Minute)))
	wantErr(t, s.RevokeAPIKey(ctx, "nope", t0), store.ErrNotFound)
	if k, _ := s.APIKey(ctx, "k1"); k.Live(t0) || !k.Revoked.Equal(t0.Add(time.Minute)) {
		t.Errorf("revoked key = %+v", k)
	}
}
