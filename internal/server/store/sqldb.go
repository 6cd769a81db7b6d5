package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sqlStore is the Store both engines share: the same statements run on
// SQLite and PostgreSQL, written with SQLite's placeholders (? and ?N) and
// rewritten by the dialect where PostgreSQL wants $N. What differs beyond
// placeholders is in dialect; the rest is portable SQL.
type sqlStore struct {
	db sqlDB
	d  *dialect
}

// dialect is what one engine spells differently.
type dialect struct {
	// rebind rewrites placeholders; nil keeps them as written.
	rebind func(string) string
	// groupList is the expression for account a's group names, sorted
	// and joined by newlines ('' for none).
	groupList string
	// emptyBlob is a literal empty byte string.
	emptyBlob string
	// lockAudit, when set, runs first in every transaction that appends
	// to or prunes the audit log, so that writers in other processes queue
	// instead of forking the chain. (SQLite's IMMEDIATE transactions
	// already serialize every writer.)
	lockAudit string
}

var sqliteDialect = &dialect{
	groupList: `coalesce((SELECT group_concat(group_name, char(10)) FROM
		(SELECT group_name FROM group_members m WHERE m.account_id = a.id ORDER BY group_name)), '')`,
	emptyBlob: "x''",
}

// sqlDB runs statements on the pool, rewriting placeholders.
type sqlDB struct {
	raw *sql.DB
	d   *dialect
}

func (d *dialect) q(query string) string {
	if d.rebind == nil {
		return query
	}
	return d.rebind(query)
}

func (db sqlDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.raw.ExecContext(ctx, db.d.q(q), args...)
}

func (db sqlDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.raw.QueryContext(ctx, db.d.q(q), args...)
}

func (db sqlDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return db.raw.QueryRowContext(ctx, db.d.q(q), args...)
}

// sqlTx is sqlDB's transaction.
type sqlTx struct {
	raw *sql.Tx
	d   *dialect
}

func (tx *sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.raw.ExecContext(ctx, tx.d.q(q), args...)
}

func (tx *sqlTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.raw.QueryContext(ctx, tx.d.q(q), args...)
}

func (tx *sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.raw.QueryRowContext(ctx, tx.d.q(q), args...)
}

func newSQLStore(db *sql.DB, d *dialect) sqlStore {
	return sqlStore{db: sqlDB{raw: db, d: d}, d: d}
}

// DB exposes the database for tests that dump every row.
func (s *sqlStore) DB() *sql.DB { return s.db.raw }

// Close closes the database.
func (s *sqlStore) Close() error { return s.db.raw.Close() }

// tx runs fn in a transaction, committing if it returns nil.
func (s *sqlStore) tx(ctx context.Context, fn func(*sqlTx) error) error {
	raw, err := s.db.raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &sqlTx{raw: raw, d: s.d}
	if err := fn(tx); err != nil {
		raw.Rollback()
		return err
	}
	return raw.Commit()
}

// auditTx is tx for a transaction that writes the audit log: it first
// takes the dialect's audit lock, held until commit or rollback.
func (s *sqlStore) auditTx(ctx context.Context, fn func(*sqlTx) error) error {
	return s.tx(ctx, func(tx *sqlTx) error {
		if s.d.lockAudit != "" {
			if _, err := tx.ExecContext(ctx, s.d.lockAudit); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// dollarBind rewrites ? and ?N placeholders (outside quoted literals) to
// PostgreSQL's $N, remembering each statement it has seen.
func dollarBind() func(string) string {
	var cache sync.Map
	return func(q string) string {
		if v, ok := cache.Load(q); ok {
			return v.(string)
		}
		out := toDollars(q)
		cache.Store(q, out)
		return out
	}
}

func toDollars(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			if i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
				c = '$' // ?N: keep its number
				break
			}
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// nanos and fromNanos store times as Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
