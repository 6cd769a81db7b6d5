package admin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// API key scopes; accessTable (access.go) lists the routes each covers:
//
//	admin:read   reading under /v1/admin/: accounts, groups, IP rules,
//	             permissions, the audit log, chat transcripts
//	             (administrators' keys only)
//	admin:write  creating groups, setting permissions, assigning relay
//	             ports (administrators' keys only)
//	blocks       /v1/blocks, with the owner's rights as for a login
//
// Keys never mint or change a login: creating accounts, passwords,
// disabling, enabling and unlocking, TOTP, IP rules, group membership and
// API keys need a password login (with TOTP where required), so a leaked
// key cannot create an account, take one over, lock its owner out or make
// itself permanent.
const (
	ScopeAdminRead  = "admin:read"
	ScopeAdminWrite = "admin:write"
	ScopeBlocks     = "blocks"
)

// Limits on a key's life.
const (
	DefaultKeyTTL = 30 * 24 * time.Hour
	MaxKeyTTL     = 365 * 24 * time.Hour
)

// CreateAPIKey issues a key for by with scopes, valid for ttl (0: the
// default); the secret is returned this once.
func (a *Admin) CreateAPIKey(ctx context.Context, by Caller, name string, scopes []string, ttl time.Duration) (string, store.APIKey, error) {
	if len(scopes) == 0 {
		return "", store.APIKey{}, invalid("name at least one scope: %s, %s or %s", ScopeAdminRead, ScopeAdminWrite, ScopeBlocks)
	}
	for _, s := range scopes {
		switch {
		case s != ScopeAdminRead && s != ScopeAdminWrite && s != ScopeBlocks:
			return "", store.APIKey{}, invalid("scope %q: use %s, %s or %s", s, ScopeAdminRead, ScopeAdminWrite, ScopeBlocks)
		case s != ScopeBlocks && by.Kind != store.KindAdministrator:
			return "", store.APIKey{}, fmt.Errorf("%w: operators' keys may only have the %s scope", ErrForbidden, ScopeBlocks)
		}
	}
	if ttl < 0 || ttl > MaxKeyTTL {
		return "", store.APIKey{}, invalid("a key lives at most %v: choose a shorter expiry", MaxKeyTTL)
	}
	if len(name) > 100 {
		return "", store.APIKey{}, invalid("name: use at most 100 characters")
	}
	secret, k, err := a.auth.IssueAPIKey(ctx, by.ID, name, scopes, cmpOr(ttl, DefaultKeyTTL))
	if err != nil {
		return "", store.APIKey{}, err
	}
	return secret, k, a.record(ctx, "apikey.created", k.ID, map[string]string{"owner": by.ID, "name": name,
		"scopes": strings.Join(k.Scopes, " "), "expires": k.Expires.UTC().Format(time.RFC3339)})
}

// APIKeys lists by's own keys, or every key for an administrator who
// asks for all.
func (a *Admin) APIKeys(ctx context.Context, by Caller, all bool) ([]store.APIKey, error) {
	owner := by.ID
	if all && by.Kind == store.KindAdministrator {
		owner = ""
	}
	return a.st.ListAPIKeys(ctx, owner)
}

// RevokeAPIKey revokes key id: the owner's own, or any for an
// administrator.
func (a *Admin) RevokeAPIKey(ctx context.Context, by Caller, id string) error {
	k, err := a.st.APIKey(ctx, id)
	if err != nil {
		return err
	}
	if k.AccountID != by.ID && by.Kind != store.KindAdministrator {
		return fmt.Errorf("%w: key %s is not yours: ask its owner or an administrator", ErrForbidden, id)
	}
	if err := a.st.RevokeAPIKey(ctx, id, a.now()); err != nil {
		return err
	}
	return a.record(ctx, "apikey.revoked", id, map[string]string{"owner": k.AccountID})
}
