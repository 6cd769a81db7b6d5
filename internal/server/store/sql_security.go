package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Lockout implements Lockouts.
func (s *sqlStore) Lockout(ctx context.Context, id string) (Lockout, error) {
	var l Lockout
	var until, last int64
	err := s.db.QueryRowContext(ctx, "SELECT failures, blocked_until, last_attempt FROM lockouts WHERE id = ?", id).
		Scan(&l.Failures, &until, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return Lockout{}, nil
	}
	if err != nil {
		return Lockout{}, fmt.Errorf("read lockout: %w", err)
	}
	l.BlockedUntil, l.LastAttempt = fromNanos(until), fromNanos(last)
	return l, nil
}

// ReserveAttempt implements Lockouts. The try is one upsert whose WHERE
// refuses a blocked ID, and the database serializes writers to one row
// (SQLite has one writer; PostgreSQL locks the row and evaluates the
// WHERE again on it as the previous writer left it, and holds the lock
// to commit), so racing callers are granted tries one at a time, each
// against the count left by the one before: never more than maxFailures.
//
// The same transaction then notes the attempt, granted or not: a refused
// try would otherwise commit no change (no sync to disk) and answer
// measurably sooner than one that counts, telling a blocked ID apart.
func (s *sqlStore) ReserveAttempt(ctx context.Context, id string, now time.Time, maxFailures int, blockFor time.Duration) (Lockout, bool, error) {
	var l Lockout
	var ok bool
	err := s.tx(ctx, func(tx *sqlTx) error {
		var err error
		if l, ok, err = reserveTry(ctx, tx, id, nanos(now), maxFailures, blockFor); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE lockouts SET last_attempt = ? WHERE id = ?", nanos(now), id)
		return err
	})
	if err != nil {
		return Lockout{}, false, fmt.Errorf("reserve attempt: %w", err)
	}
	return l, ok, nil
}

// reserveTry is ReserveAttempt's upsert. It returns no row, and so
// grants nothing, when the ID is blocked at n.
func reserveTry(ctx context.Context, tx *sqlTx, id string, n int64, maxFailures int, blockFor time.Duration) (Lockout, bool, error) {
	var l Lockout
	var until, last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO lockouts (id, failures, blocked_until, last_attempt)
		VALUES (?1, CASE WHEN ?3 <= 1 THEN 0 ELSE 1 END, CASE WHEN ?3 <= 1 THEN CAST(?2 AS BIGINT) + CAST(?4 AS BIGINT) ELSE 0 END, ?2)
		ON CONFLICT (id) DO UPDATE SET
			failures = CASE WHEN lockouts.failures + 1 >= ?3 THEN 0 ELSE lockouts.failures + 1 END,
			blocked_until = CASE WHEN lockouts.failures + 1 >= ?3 THEN CAST(?2 AS BIGINT) + CAST(?4 AS BIGINT) ELSE lockouts.blocked_until END,
			last_attempt = ?2
		WHERE lockouts.blocked_until <= ?2
		RETURNING failures, blocked_until, last_attempt`, id, n, maxFailures, int64(blockFor)).
		Scan(&l.Failures, &until, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return Lockout{}, false, nil
	}
	if err != nil {
		return Lockout{}, false, err
	}
	l.BlockedUntil, l.LastAttempt = fromNanos(until), fromNanos(last)
	return l, true, nil
}

// NoteAttempt implements Lockouts.
func (s *sqlStore) NoteAttempt(ctx context.Context, id string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO lockouts (id, last_attempt) VALUES (?1, ?2)
		ON CONFLICT (id) DO UPDATE SET last_attempt = ?2`, id, nanos(now))
	if err != nil {
		return fmt.Errorf("note attempt: %w", err)
	}
	return nil
}

// ClearLockout implements Lockouts.
func (s *sqlStore) ClearLockout(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE lockouts SET failures = 0, blocked_until = 0 WHERE id = ?", id); err != nil {
		return fmt.Errorf("clear lockout: %w", err)
	}
	return nil
}

// CreateToken implements Tokens.
func (s *sqlStore) CreateToken(ctx context.Context, t Token) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens (hash, account_id, created_at, expires_at, revoked_at)
		VALUES (?, ?, ?, ?, ?)`, t.Hash[:], t.AccountID, nanos(t.Created), nanos(t.Expires), nanos(t.Revoked))
	if isConstraint(err) {
		return fmt.Errorf("create token for %q: %w", t.AccountID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// Token implements Tokens.
func (s *sqlStore) Token(ctx context.Context, hash [32]byte) (Token, error) {
	t := Token{Hash: hash}
	var created, expires, revoked int64
	err := s.db.QueryRowContext(ctx, "SELECT account_id, created_at, expires_at, revoked_at FROM tokens WHERE hash = ?", hash[:]).
		Scan(&t.AccountID, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return Token{}, fmt.Errorf("read token: %w", err)
	}
	t.Created, t.Expires, t.Revoked = fromNanos(created), fromNanos(expires), fromNanos(revoked)
	return t, nil
}

// RevokeToken implements Tokens.
func (s *sqlStore) RevokeToken(ctx context.Context, hash [32]byte, now time.Time) error {
	err := mustAffect(s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END
		WHERE hash = ?`, nanos(now), hash[:]))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// RevokeAccountTokens implements Tokens.
func (s *sqlStore) RevokeAccountTokens(ctx context.Context, accountID string, now time.Time) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sqlTx) error {
		var err error
		n, err = revokeAll(ctx, tx, accountID, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of %q: %w", accountID, err)
	}
	return n, nil
}

func revokeAll(ctx context.Context, tx *sqlTx, accountID string, now time.Time) (int, error) {
	// A zero now would read as "not revoked"; never let that happen.
	at := max(nanos(now), 1)
	res, err := tx.ExecContext(ctx, "UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at = 0", at, accountID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// PurgeTokens implements Tokens.
func (s *sqlStore) PurgeTokens(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM tokens WHERE expires_at < ?", nanos(t))
	if err != nil {
		return 0, fmt.Errorf("purge tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Secret implements Secrets. A first caller that loses the race to
// insert (another process's, on a server database) reads the winner's.
func (s *sqlStore) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	var v []byte
	err := s.tx(ctx, func(tx *sqlTx) error {
		err := tx.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&v)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if v, err = generate(); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING", name, v); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	return v, nil
}

// isConstraint reports a uniqueness or foreign-key violation, on either
// engine.
func isConstraint(err error) bool {
	var e *sqlite.Error
	const sqliteConstraint = 19
	if errors.As(err, &e) {
		return e.Code()&0xff == sqliteConstraint
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "23503") // unique, foreign key
}
