package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// CreateGroup implements Groups.
func (s *sqlStore) CreateGroup(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("create group: empty name")
	}
	_, err := s.db.ExecContext(ctx, "INSERT INTO groups (name) VALUES (?)", name)
	if isConstraint(err) {
		return fmt.Errorf("create group %q: %w", name, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	return nil
}

// DeleteGroup implements Groups.
func (s *sqlStore) DeleteGroup(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx *sqlTx) error {
		if err := mustAffect(tx.ExecContext(ctx, "DELETE FROM groups WHERE name = ?", name)); err != nil {
			return fmt.Errorf("delete group %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM ip_rules WHERE subject_kind = 'group' AND subject = ?", name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM totp_required WHERE subject_kind = 'group' AND subject = ?", name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM permissions WHERE subject_kind = 'group' AND subject = ?", name)
		return err
	})
}

// ListGroups implements Groups.
func (s *sqlStore) ListGroups(ctx context.Context) ([]string, error) {
	return s.strings(ctx, "SELECT name FROM groups ORDER BY name")
}

// AddMember implements Groups.
func (s *sqlStore) AddMember(ctx context.Context, group, accountID string) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO group_members (group_name, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING", group, accountID)
	if isConstraint(err) { // a foreign key: no such group or account
		return fmt.Errorf("add %q to group %q: %w", accountID, group, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add group member: %w", err)
	}
	return nil
}

// RemoveMember implements Groups.
func (s *sqlStore) RemoveMember(ctx context.Context, group, accountID string) error {
	err := mustAffect(s.db.ExecContext(ctx, "DELETE FROM group_members WHERE group_name = ? AND account_id = ?", group, accountID))
	if err != nil {
		return fmt.Errorf("remove %q from group %q: %w", accountID, group, err)
	}
	return nil
}

// AddIPRule implements IPRules.
func (s *sqlStore) AddIPRule(ctx context.Context, sub Subject, p netip.Prefix) error {
	if !p.IsValid() {
		return errors.New("add ip rule: invalid prefix")
	}
	return s.tx(ctx, func(tx *sqlTx) error {
		if err := subjectExists(ctx, tx, sub); err != nil {
			return fmt.Errorf("add ip rule: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ip_rules (subject_kind, subject, prefix) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, string(sub.Kind), sub.Name, NormalizePrefix(p).String())
		return err
	})
}

// RemoveIPRule implements IPRules.
func (s *sqlStore) RemoveIPRule(ctx context.Context, sub Subject, p netip.Prefix) error {
	err := mustAffect(s.db.ExecContext(ctx, "DELETE FROM ip_rules WHERE subject_kind = ? AND subject = ? AND prefix = ?",
		string(sub.Kind), sub.Name, NormalizePrefix(p).String()))
	if err != nil {
		return fmt.Errorf("remove ip rule: %w", err)
	}
	return nil
}

// IPRules implements IPRules.
func (s *sqlStore) IPRules(ctx context.Context, sub Subject) ([]netip.Prefix, error) {
	ss, err := s.strings(ctx, "SELECT prefix FROM ip_rules WHERE subject_kind = ? AND subject = ? ORDER BY prefix", string(sub.Kind), sub.Name)
	if err != nil {
		return nil, err
	}
	return parsePrefixes(ss)
}

// AccountIPRules implements IPRules.
func (s *sqlStore) AccountIPRules(ctx context.Context, accountID string) ([]netip.Prefix, error) {
	ss, err := s.strings(ctx, `SELECT prefix FROM ip_rules WHERE subject_kind = 'account' AND subject = ?1
		UNION SELECT r.prefix FROM ip_rules r JOIN group_members m ON r.subject_kind = 'group' AND r.subject = m.group_name
		WHERE m.account_id = ?1 ORDER BY 1`, accountID)
	if err != nil {
		return nil, err
	}
	return parsePrefixes(ss)
}

func subjectExists(ctx context.Context, tx *sqlTx, sub Subject) error {
	switch sub.Kind {
	case SubjectAccount:
		return exists(ctx, tx, "accounts", "id", sub.Name)
	case SubjectGroup:
		return exists(ctx, tx, "groups", "name", sub.Name)
	}
	return fmt.Errorf("unknown subject kind %q: use account or group", sub.Kind)
}

func parsePrefixes(ss []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("stored ip rule %q: %w", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *sqlStore) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// exists fails with ErrNotFound unless table has a row with col = v.
func exists(ctx context.Context, tx *sqlTx, table, col, v string) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE "+col+" = ?", v).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", strings.TrimSuffix(table, "s"), v, ErrNotFound)
	}
	return nil
}

func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}
