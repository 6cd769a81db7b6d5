package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CreateAccount implements Accounts.
func (s *sqlStore) CreateAccount(ctx context.Context, a Account) error {
	if a.ID == "" || !a.Kind.Valid() {
		return fmt.Errorf("create account: need an ID and a kind (administrator or operator)")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO accounts (id, kind, display_name, organisation, disabled, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, a.ID, string(a.Kind), a.DisplayName, a.Organisation, a.Disabled, nanos(a.Created))
	if isConstraint(err) {
		return fmt.Errorf("create account %q: %w", a.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

// accountCols are the columns scanAccount reads, from accounts a.
func (s *sqlStore) accountCols() string {
	return "a.id, a.kind, a.display_name, a.organisation, a.disabled, a.created_at, a.relay_port, " + s.d.groupList
}

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var kind, groups string
	var created int64
	if err := row.Scan(&a.ID, &kind, &a.DisplayName, &a.Organisation, &a.Disabled, &created, &a.RelayPort, &groups); err != nil {
		return Account{}, err
	}
	a.Kind, a.Created = Kind(kind), fromNanos(created)
	if groups != "" {
		a.Groups = strings.Split(groups, "\n")
	}
	return a, nil
}

// Account implements Accounts.
func (s *sqlStore) Account(ctx context.Context, id string) (Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx, "SELECT "+s.accountCols()+" FROM accounts a WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	return a, nil
}

// ListAccounts implements Accounts.
func (s *sqlStore) ListAccounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+s.accountCols()+" FROM accounts a ORDER BY a.id")
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetDisabled implements Accounts.
func (s *sqlStore) SetDisabled(ctx context.Context, id string, disabled bool, now time.Time) error {
	return s.tx(ctx, func(tx *sqlTx) error {
		if err := mustAffect(tx.ExecContext(ctx, "UPDATE accounts SET disabled = ? WHERE id = ?", disabled, id)); err != nil {
			return fmt.Errorf("disable account %q: %w", id, err)
		}
		if disabled {
			if _, err := revokeAll(ctx, tx, id, now); err != nil {
				return fmt.Errorf("disable account %q: %w", id, err)
			}
		}
		return nil
	})
}

// SetRelayPort implements Accounts.
func (s *sqlStore) SetRelayPort(ctx context.Context, id string, port int) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("set relay port of %q: port %d out of range", id, port)
	}
	if err := mustAffect(s.db.ExecContext(ctx, "UPDATE accounts SET relay_port = ? WHERE id = ?", port, id)); err != nil {
		return fmt.Errorf("set relay port of %q: %w", id, err)
	}
	return nil
}

// Credential implements Credentials.
func (s *sqlStore) Credential(ctx context.Context, id string) (Credential, error) {
	var c Credential
	var set int64
	err := s.db.QueryRowContext(ctx, `SELECT salt, iterations, stored_key, server_key, set_at
		FROM credentials WHERE account_id = ?`, id).Scan(&c.Salt, &c.Iterations, &c.StoredKey, &c.ServerKey, &set)
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, fmt.Errorf("credential of %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Credential{}, fmt.Errorf("read credential: %w", err)
	}
	c.SetAt = fromNanos(set)
	return c, nil
}

// SetCredential implements Credentials.
func (s *sqlStore) SetCredential(ctx context.Context, id string, c Credential, fp Fingerprint, keep int) error {
	err := s.tx(ctx, func(tx *sqlTx) error {
		if err := exists(ctx, tx, "accounts", "id", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO credentials (account_id, salt, iterations, stored_key, server_key, set_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET salt = excluded.salt,
			iterations = excluded.iterations, stored_key = excluded.stored_key,
			server_key = excluded.server_key, set_at = excluded.set_at`,
			id, c.Salt, c.Iterations, c.StoredKey, c.ServerKey, nanos(c.SetAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (account_id, salt, iterations, verifier, set_at)
			VALUES (?, ?, ?, ?, ?)`, id, fp.Salt, fp.Iterations, fp.Verifier, nanos(fp.SetAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_history WHERE account_id = ? AND seq NOT IN
			(SELECT seq FROM password_history WHERE account_id = ? ORDER BY seq DESC LIMIT ?)`, id, id, max(keep, 1)); err != nil {
			return err
		}
		_, err := revokeAll(ctx, tx, id, c.SetAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("set credential of %q: %w", id, err)
	}
	return nil
}

// PasswordHistory implements Credentials.
func (s *sqlStore) PasswordHistory(ctx context.Context, id string) ([]Fingerprint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT salt, iterations, verifier, set_at FROM password_history
		WHERE account_id = ? ORDER BY seq DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("read password history: %w", err)
	}
	defer rows.Close()
	var out []Fingerprint
	for rows.Next() {
		var f Fingerprint
		var set int64
		if err := rows.Scan(&f.Salt, &f.Iterations, &f.Verifier, &set); err != nil {
			return nil, fmt.Errorf("read password history: %w", err)
		}
		f.SetAt = fromNanos(set)
		out = append(out, f)
	}
	return out, rows.Err()
}
