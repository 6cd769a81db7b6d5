package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PutTOTP implements TOTPs.
func (s *sqlStore) PutTOTP(ctx context.Context, id string, sealed []byte, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO totp (account_id, sealed, created_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET sealed = excluded.sealed, confirmed = FALSE, last_step = 0,
			created_at = excluded.created_at`, id, sealed, nanos(now))
	if isConstraint(err) {
		return fmt.Errorf("enroll TOTP for %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("enroll TOTP: %w", err)
	}
	return nil
}

// TOTP implements TOTPs.
func (s *sqlStore) TOTP(ctx context.Context, id string) (TOTP, error) {
	var t TOTP
	var created int64
	err := s.db.QueryRowContext(ctx, "SELECT sealed, confirmed, last_step, created_at FROM totp WHERE account_id = ?", id).
		Scan(&t.Sealed, &t.Confirmed, &t.LastStep, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return TOTP{}, fmt.Errorf("TOTP of %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return TOTP{}, fmt.Errorf("read TOTP: %w", err)
	}
	t.Created = fromNanos(created)
	return t, nil
}

// UseTOTPStep implements TOTPs in one conditional UPDATE, so two logins
// racing with one code cannot both win.
func (s *sqlStore) UseTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE totp SET last_step = ?, confirmed = TRUE WHERE account_id = ? AND last_step < ?", step, id, step)
	if err != nil {
		return false, fmt.Errorf("use TOTP step: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("use TOTP step: %w", err)
	} else if n == 1 {
		return true, nil
	}
	if _, err := s.TOTP(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

// DeleteTOTP implements TOTPs.
func (s *sqlStore) DeleteTOTP(ctx context.Context, id string) error {
	if err := mustAffect(s.db.ExecContext(ctx, "DELETE FROM totp WHERE account_id = ?", id)); err != nil {
		return fmt.Errorf("remove TOTP of %q: %w", id, err)
	}
	return nil
}

// SetTOTPRequired implements TOTPs.
func (s *sqlStore) SetTOTPRequired(ctx context.Context, sub Subject, required bool) error {
	err := s.tx(ctx, func(tx *sqlTx) error {
		if err := subjectExists(ctx, tx, sub); err != nil {
			return err
		}
		q := "DELETE FROM totp_required WHERE subject_kind = ? AND subject = ?"
		if required {
			q = "INSERT INTO totp_required (subject_kind, subject) VALUES (?, ?) ON CONFLICT DO NOTHING"
		}
		_, err := tx.ExecContext(ctx, q, string(sub.Kind), sub.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("set TOTP requirement of %s %q: %w", sub.Kind, sub.Name, err)
	}
	return nil
}

// TOTPRequired implements TOTPs.
func (s *sqlStore) TOTPRequired(ctx context.Context, id string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM totp_required r WHERE
		(r.subject_kind = 'account' AND r.subject = ?1) OR
		(r.subject_kind = 'group' AND r.subject IN (SELECT group_name FROM group_members WHERE account_id = ?1))`, id).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read TOTP requirement: %w", err)
	}
	return n > 0, nil
}
