package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// API keys let scripts use the JSON API without a password login: 32
// random bytes, shown once as "tdmk_" + base64url, stored as their
// SHA-256 with a public ID, an owner, scopes (package admin decides what
// each allows), an expiry and a revocation time. A key never does more
// than its owner may: it dies with the owner's account being disabled,
// and the owner's IP rules apply to it.

const apiKeyPrefix = "tdmk_"

// IsAPIKey reports whether a bearer value has the form of an API key (as
// opposed to a login's session token).
func IsAPIKey(bearer string) bool { return strings.HasPrefix(bearer, apiKeyPrefix) }

// IssueAPIKey creates a key for accountID valid for ttl and returns its
// secret (shown once) and what is stored. Scopes are not checked here.
func (s *Service) IssueAPIKey(ctx context.Context, accountID, name string, scopes []string, ttl time.Duration) (string, store.APIKey, error) {
	raw := randomBytes(32)
	now := s.cfg.Now()
	k := store.APIKey{ID: "key_" + hex.EncodeToString(randomBytes(6)), Hash: sha256.Sum256(raw), AccountID: accountID,
		Name: name, Scopes: scopes, Created: now, Expires: now.Add(ttl)}
	if err := s.st.CreateAPIKey(ctx, k); err != nil {
		return "", store.APIKey{}, err
	}
	return apiKeyPrefix + base64.RawURLEncoding.EncodeToString(raw), k, nil
}

// AuthenticateAPIKey turns a key presented from src into its live key and
// enabled owner, within the owner's IP rules; login.ErrUnauthenticated
// otherwise, whatever the reason.
func (s *Service) AuthenticateAPIKey(ctx context.Context, value string, src netip.Addr) (store.Account, store.APIKey, error) {
	raw, ok := strings.CutPrefix(value, apiKeyPrefix)
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if !ok || err != nil || len(b) != 32 {
		return store.Account{}, store.APIKey{}, login.ErrUnauthenticated
	}
	k, err := s.st.APIKeyByHash(ctx, sha256.Sum256(b))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !k.Live(s.cfg.Now())) {
		return store.Account{}, store.APIKey{}, login.ErrUnauthenticated
	}
	if err != nil {
		return store.Account{}, store.APIKey{}, fmt.Errorf("authenticate API key: %w", err)
	}
	a, err := s.st.Account(ctx, k.AccountID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.Disabled) {
		return store.Account{}, store.APIKey{}, login.ErrUnauthenticated
	}
	if err != nil {
		return store.Account{}, store.APIKey{}, fmt.Errorf("authenticate API key: %w", err)
	}
	if err := s.CheckSource(ctx, a.ID, src); err != nil {
		return store.Account{}, store.APIKey{}, err
	}
	return a, k, nil
}
