package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver, pure Go
)

// SQLite is the embedded Store: one database file in WAL mode, so readers
// never wait for the writer, with a busy timeout so concurrent writers queue
// instead of failing, and foreign keys enforced. Write transactions begin
// IMMEDIATE so two read-then-write transactions cannot deadlock upgrading
// their locks.
type SQLite struct {
	sqlStore
	path string
}

var _ Store = (*SQLite)(nil)

// busyTimeout is how long a write waits for another writer before failing.
const busyTimeout = 5 * time.Second

// OpenSQLite opens (creating if needed, mode 0600) the database at path and
// applies any pending migrations.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("open store: empty database path: pass a file path such as <data-dir>/tandem.db")
	}
	// The DSN is a file: URL, in which a relative path's first element
	// would be read as a host ("data/tandem.db" -> authority "data").
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	path = abs
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// Create the file ourselves so it is never world-readable.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	f.Close()

	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &SQLite{sqlStore: newSQLStore(db, sqliteDialect), path: path}
	if err := s.check(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// check confirms the pragmas took: a driver that silently ignored them
// would leave foreign keys off or the journal in rollback mode.
func (s *SQLite) check(ctx context.Context) error {
	var mode string
	var fk int
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign keys: %w", err)
	}
	if mode != "wal" || fk != 1 {
		return fmt.Errorf("pragmas not applied (journal_mode=%s foreign_keys=%d)", mode, fk)
	}
	return nil
}

// Path returns the database file's path.
func (s *SQLite) Path() string { return s.path }
