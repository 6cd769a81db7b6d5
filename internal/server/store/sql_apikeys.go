package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CreateAPIKey implements APIKeys.
func (s *sqlStore) CreateAPIKey(ctx context.Context, k APIKey) error {
	if k.ID == "" || len(k.Scopes) == 0 {
		return errors.New("create API key: need an ID and at least one scope")
	}
	err := s.tx(ctx, func(tx *sqlTx) error {
		if err := exists(ctx, tx, "accounts", "id", k.AccountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, hash, account_id, name, scopes, created_at, expires_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, k.Hash[:], k.AccountID, k.Name, strings.Join(sortedSet(k.Scopes), "\n"),
			nanos(k.Created), nanos(k.Expires), nanos(k.Revoked))
		if isConstraint(err) {
			return ErrExists
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create API key for %q: %w", k.AccountID, err)
	}
	return nil
}

const apiKeyCols = "id, hash, account_id, name, scopes, created_at, expires_at, revoked_at"

func scanAPIKey(row interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var hash []byte
	var scopes string
	var created, expires, revoked int64
	if err := row.Scan(&k.ID, &hash, &k.AccountID, &k.Name, &scopes, &created, &expires, &revoked); err != nil {
		return APIKey{}, err
	}
	copy(k.Hash[:], hash)
	k.Scopes = strings.Split(scopes, "\n")
	k.Created, k.Expires, k.Revoked = fromNanos(created), fromNanos(expires), fromNanos(revoked)
	return k, nil
}

func (s *sqlStore) oneAPIKey(ctx context.Context, where string, arg any) (APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE "+where+" = ?", arg))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("API key: %w", ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("read API key: %w", err)
	}
	return k, nil
}

// APIKeyByHash implements APIKeys.
func (s *sqlStore) APIKeyByHash(ctx context.Context, hash [32]byte) (APIKey, error) {
	return s.oneAPIKey(ctx, "hash", hash[:])
}

// APIKey implements APIKeys.
func (s *sqlStore) APIKey(ctx context.Context, id string) (APIKey, error) {
	return s.oneAPIKey(ctx, "id", id)
}

// ListAPIKeys implements APIKeys.
func (s *sqlStore) ListAPIKeys(ctx context.Context, accountID string) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE ?1 = '' OR account_id = ?1 ORDER BY created_at, id", accountID)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list API keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey implements APIKeys.
func (s *sqlStore) RevokeAPIKey(ctx context.Context, id string, now time.Time) error {
	at := max(nanos(now), 1)
	err := mustAffect(s.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
		WHERE id = ?`, at, id))
	if err != nil {
		return fmt.Errorf("revoke API key %s: %w", id, err)
	}
	return nil
}
