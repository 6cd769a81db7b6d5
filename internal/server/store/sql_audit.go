package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// AppendAudit implements AuditLog. The transaction holds the audit lock
// (see auditTx; on SQLite every write transaction begins IMMEDIATE), so
// reading the newest record and appending after it cannot interleave with
// another writer, in this process or another.
func (s *sqlStore) AppendAudit(ctx context.Context, seal func(last AuditRecord) (AuditRecord, error)) (AuditRecord, error) {
	recs, err := s.AppendAudits(ctx, []func(AuditRecord) (AuditRecord, error){seal})
	if err != nil {
		return AuditRecord{}, err
	}
	return recs[0], nil
}

// AppendAudits implements AuditLog: one transaction, so one commit (and
// one sync of the WAL) for the whole batch, and one INSERT per
// maxAuditRows entries. (PostgreSQL's, which other processes queue on,
// is pipelined: see Postgres.AppendAudits.)
func (s *sqlStore) AppendAudits(ctx context.Context, seals []func(last AuditRecord) (AuditRecord, error)) ([]AuditRecord, error) {
	var recs []AuditRecord
	err := s.auditTx(ctx, func(tx *sqlTx) error {
		last, err := scanAudit(tx.QueryRowContext(ctx, "SELECT "+auditCols+" FROM audit_log ORDER BY seq DESC LIMIT 1"))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if recs, err = chainSeals(last, seals); err != nil {
			return err
		}
		return insertAudits(ctx, tx, recs)
	})
	if err != nil {
		return nil, fmt.Errorf("append audit record: %w", err)
	}
	return recs, nil
}

// PruneAudit implements AuditLog. The row in audit_pruning is what lets
// migration 0009's trigger pass the DELETE, and it never outlives the
// transaction.
func (s *sqlStore) PruneAudit(ctx context.Context, before time.Time, seal func(anchor AuditRecord, removed int, last AuditRecord) (AuditRecord, error)) (int, error) {
	var removed int
	err := s.auditTx(ctx, func(tx *sqlTx) error {
		anchor, err := scanAudit(tx.QueryRowContext(ctx, "SELECT "+auditCols+" FROM audit_log WHERE at < ? ORDER BY seq DESC LIMIT 1", nanos(before)))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		last, err := scanAudit(tx.QueryRowContext(ctx, "SELECT "+auditCols+" FROM audit_log ORDER BY seq DESC LIMIT 1"))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_pruning (id) VALUES (1)"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM audit_log WHERE seq <= ?", anchor.Seq)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM audit_pruning"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_anchor (id, seq, at, hash) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, at = excluded.at, hash = excluded.hash`,
			anchor.Seq, nanos(anchor.Time), anchor.Hash)
		if err != nil {
			return err
		}
		rec, err := seal(anchor, int(n), last)
		if err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, last, rec); err != nil {
			return err
		}
		removed = int(n)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return removed, nil
}

// AuditAnchor implements AuditLog.
func (s *sqlStore) AuditAnchor(ctx context.Context) (AuditRecord, error) {
	var r AuditRecord
	var at int64
	err := s.db.QueryRowContext(ctx, "SELECT seq, at, hash FROM audit_anchor WHERE id = 1").Scan(&r.Seq, &at, &r.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditRecord{}, nil
	}
	if err != nil {
		return AuditRecord{}, fmt.Errorf("read audit anchor: %w", err)
	}
	r.Time = fromNanos(at)
	return r, nil
}

const auditCols = "seq, at, kind, actor, subject, source, detail, prev, hash"

func scanAudit(row interface{ Scan(...any) error }) (AuditRecord, error) {
	var r AuditRecord
	var at int64
	if err := row.Scan(&r.Seq, &at, &r.Kind, &r.Actor, &r.Subject, &r.Source, &r.Detail, &r.Prev, &r.Hash); err != nil {
		return AuditRecord{}, err
	}
	r.Time = fromNanos(at)
	return r, nil
}

// chainSeals seals each record after the one before, the first after last.
func chainSeals(last AuditRecord, seals []func(last AuditRecord) (AuditRecord, error)) ([]AuditRecord, error) {
	recs := make([]AuditRecord, 0, len(seals))
	for _, seal := range seals {
		rec, err := seal(last)
		if err != nil {
			return nil, err
		}
		if rec.Seq != last.Seq+1 {
			return nil, fmt.Errorf("sequence %d does not follow %d", rec.Seq, last.Seq)
		}
		recs, last = append(recs, rec), rec
	}
	return recs, nil
}

// insertAudit appends rec, which must follow last.
func insertAudit(ctx context.Context, tx *sqlTx, last, rec AuditRecord) error {
	if rec.Seq != last.Seq+1 {
		return fmt.Errorf("sequence %d does not follow %d", rec.Seq, last.Seq)
	}
	return insertAudits(ctx, tx, []AuditRecord{rec})
}

// maxAuditRows bounds one INSERT's rows: 9 parameters a row stays far
// below both engines' limits (SQLite 32766, PostgreSQL 65535).
const maxAuditRows = 256

// insertAudits inserts recs, already chained, maxAuditRows to a statement.
func insertAudits(ctx context.Context, tx *sqlTx, recs []AuditRecord) error {
	for chunk := range slices.Chunk(recs, maxAuditRows) {
		q, args := auditInsert(chunk)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// auditInsert is the statement (with ? placeholders) and arguments that
// insert recs.
func auditInsert(recs []AuditRecord) (string, []any) {
	q := `INSERT INTO audit_log (seq, at, kind, actor, subject, source, detail, prev, hash) VALUES ` +
		strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(recs)-1) + "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
	args := make([]any, 0, 9*len(recs))
	for _, r := range recs {
		args = append(args, r.Seq, nanos(r.Time), r.Kind, r.Actor, r.Subject, r.Source, r.Detail, r.Prev, r.Hash)
	}
	return q, args
}

// AuditRecords implements AuditLog.
func (s *sqlStore) AuditRecords(ctx context.Context, after int64, limit int) ([]AuditRecord, error) {
	return s.queryAudit(ctx, "WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
}

// queryAudit returns the audit records the clause selects, in its order.
func (s *sqlStore) queryAudit(ctx context.Context, clause string, args ...any) ([]AuditRecord, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+auditCols+" FROM audit_log "+clause, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutSetupToken implements SetupTokens.
func (s *sqlStore) PutSetupToken(ctx context.Context, hash [32]byte, expires time.Time) error {
	err := s.tx(ctx, func(tx *sqlTx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO setup_tokens (hash, expires_at) VALUES (?, ?)", hash[:], nanos(expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("store setup token: %w", err)
	}
	return nil
}

// SetupTokenValid implements SetupTokens.
func (s *sqlStore) SetupTokenValid(ctx context.Context, hash [32]byte, now time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM setup_tokens WHERE hash = ? AND expires_at > ?", hash[:], nanos(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read setup token: %w", err)
	}
	return n > 0, nil
}

// DeleteSetupTokens implements SetupTokens.
func (s *sqlStore) DeleteSetupTokens(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM setup_tokens"); err != nil {
		return fmt.Errorf("delete setup tokens: %w", err)
	}
	return nil
}

// SetPermissions implements Permissions.
func (s *sqlStore) SetPermissions(ctx context.Context, sub Subject, functions []string) error {
	fs := sortedSet(functions)
	err := s.tx(ctx, func(tx *sqlTx) error {
		if err := subjectExists(ctx, tx, sub); err != nil {
			return err
		}
		if len(fs) == 0 {
			_, err := tx.ExecContext(ctx, "DELETE FROM permissions WHERE subject_kind = ? AND subject = ?", string(sub.Kind), sub.Name)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO permissions (subject_kind, subject, functions) VALUES (?, ?, ?)
			ON CONFLICT (subject_kind, subject) DO UPDATE SET functions = excluded.functions`,
			string(sub.Kind), sub.Name, strings.Join(fs, "\n"))
		return err
	})
	if err != nil {
		return fmt.Errorf("set permissions of %s %q: %w", sub.Kind, sub.Name, err)
	}
	return nil
}

// Permissions implements Permissions.
func (s *sqlStore) Permissions(ctx context.Context, sub Subject) ([]string, error) {
	ss, err := s.strings(ctx, "SELECT functions FROM permissions WHERE subject_kind = ? AND subject = ?", string(sub.Kind), sub.Name)
	if err != nil {
		return nil, fmt.Errorf("read permissions: %w", err)
	}
	return splitFunctions(ss), nil
}

// AccountPermissions implements Permissions.
func (s *sqlStore) AccountPermissions(ctx context.Context, accountID string) ([]string, error) {
	ss, err := s.strings(ctx, `SELECT functions FROM permissions WHERE subject_kind = 'account' AND subject = ?1
		UNION ALL SELECT p.functions FROM permissions p JOIN group_members m ON p.subject_kind = 'group' AND p.subject = m.group_name
		WHERE m.account_id = ?1`, accountID)
	if err != nil {
		return nil, fmt.Errorf("read permissions: %w", err)
	}
	return splitFunctions(ss), nil
}

func splitFunctions(rows []string) []string {
	var all []string
	for _, r := range rows {
		all = append(all, strings.Split(r, "\n")...)
	}
	return sortedSet(all)
}

// sortedSet returns the distinct non-empty strings of in, sorted.
func sortedSet(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// AuditRecordsAbout implements AuditLog, through migration 0008's index on
// (subject, kind) (see BenchmarkAuditRecordsAbout).
func (s *sqlStore) AuditRecordsAbout(ctx context.Context, kind, subject string, limit int) ([]AuditRecord, error) {
	return s.queryAudit(ctx, "WHERE kind = ? AND subject = ? ORDER BY seq DESC LIMIT ?", kind, subject, limit)
}
