package store

import (
	"context"
	"time"
)

// APIKey is an API key as stored: only the SHA-256 of the secret its
// holder has. ID is a public handle. A key acts for AccountID within
// Scopes (see package admin) until Expires or Revoked.
type APIKey struct {
	ID        string
	Hash      [32]byte
	AccountID string
	Name      string
	Scopes    []string
	Created   time.Time
	Expires   time.Time
	Revoked   time.Time
}

// Live reports whether the key can be used at now.
func (k APIKey) Live(now time.Time) bool { return k.Revoked.IsZero() && now.Before(k.Expires) }

// APIKeys stores API keys by hash.
type APIKeys interface {
	// CreateAPIKey stores k; ErrNotFound for an unknown account, ErrExists
	// for a taken ID or hash.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKeyByHash returns the key with this hash, live or not, or
	// ErrNotFound.
	APIKeyByHash(ctx context.Context, hash [32]byte) (APIKey, error)
	// APIKey returns the key with this ID, or ErrNotFound.
	APIKey(ctx context.Context, id string) (APIKey, error)
	// ListAPIKeys returns an account's keys ("" for every account's),
	// revoked and expired ones too, ordered by creation.
	ListAPIKeys(ctx context.Context, accountID string) ([]APIKey, error)
	// RevokeAPIKey is idempotent; an unknown ID is ErrNotFound.
	RevokeAPIKey(ctx context.Context, id string, now time.Time) error
}
