package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Postgres is the Store on a PostgreSQL server, for several signaling
// processes sharing one database. It runs the same statements as SQLite
// (through pgx's database/sql driver), under READ COMMITTED; what must
// not interleave between processes is made so explicitly: counters are
// single upserts, and every transaction that writes the audit log first
// takes one transaction-scoped advisory lock, so writers on any node
// chain one after the other and the log stays one chain.
type Postgres struct {
	sqlStore
	where string
}

var _ Store = (*Postgres)(nil)

// Advisory lock keys (any 64-bit numbers, fixed for the schema's life).
const (
	auditLockKey   = 0x74616e64656d0001 // "tandem" 1: audit log writers
	migrateLockKey = 0x74616e64656d0002 // "tandem" 2: schema migrations
)

var postgresDialect = &dialect{
	rebind: dollarBind(),
	groupList: `coalesce((SELECT string_agg(group_name, E'\n' ORDER BY group_name)
		FROM group_members m WHERE m.account_id = a.id), '')`,
	emptyBlob: `'\x'::bytea`,
	lockAudit: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(auditLockKey)),
}

// maxPostgresConns bounds each process's connections, so that several
// nodes fit in the server's max_connections (100 by default).
const maxPostgresConns = 10

// IsPostgresURL reports whether db names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenPostgres connects to the database at dbURL and applies any pending
// migrations. The URL carries no password: it comes from passwordFile
// when given (its first line), else as libpq finds it, from PGPASSWORD or
// the passfile (PGPASSFILE, default ~/.pgpass).
func OpenPostgres(ctx context.Context, dbURL, passwordFile string) (*Postgres, error) {
	cfg, where, err := postgresConfig(dbURL, passwordFile)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxPostgresConns)
	db.SetMaxIdleConns(maxPostgresConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w (is the server up, and the user's password in -db-password-file, PGPASSWORD or ~/.pgpass?)", where, err)
	}
	if err := migratePostgres(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", where, err)
	}
	return &Postgres{sqlStore: newSQLStore(db, postgresDialect), where: where}, nil
}

// postgresConfig parses dbURL, refusing a password in it (a command line
// is visible to every local user), and names the database for messages.
func postgresConfig(dbURL, passwordFile string) (*pgx.ConnConfig, string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, "", errors.New("database URL: want postgres://USER@HOST[:PORT]/DATABASE[?sslmode=...]")
	}
	if _, has := u.User.Password(); has || u.Query().Has("password") {
		return nil, "", errors.New("database URL holds a password: remove it and put it in a file named by -db-password-file, or in PGPASSWORD or ~/.pgpass")
	}
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, "", fmt.Errorf("database URL: %w", err)
	}
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return nil, "", fmt.Errorf("database password: %w", err)
		}
		cfg.Password, _, _ = strings.Cut(string(b), "\n")
	}
	where := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	return cfg, where, nil
}

// Where names the database (without any secret), for the start summary.
func (s *Postgres) Where() string { return "PostgreSQL " + s.where }

// migratePostgres applies pending migrations in one transaction holding
// an advisory lock, so that nodes starting together migrate once: the
// others wait, then find nothing left to do.
func migratePostgres(ctx context.Context, db *sql.DB) error {
	ms, err := migrations("migrations/postgres")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(ms) != SchemaVersion() {
		return fmt.Errorf("migrate: %d PostgreSQL migrations for %d SQLite ones", len(ms), SchemaVersion())
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if err := pendingPostgres(ctx, tx, ms); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func pendingPostgres(ctx context.Context, tx *sql.Tx, ms []migration) error {
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLockKey)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
		return err
	}
	if have > len(ms) {
		return fmt.Errorf("database schema version %d is newer than this binary's %d: run a newer tandem", have, len(ms))
	}
	for _, m := range ms[have:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, extract(epoch FROM now())::bigint)",
			m.version, m.name); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	return nil
}
