package store

import (
	"context"
	"database/sql"
	"errors"
)

// Opened is a Store over a SQL database, as Open returns it.
type Opened interface {
	Store
	// Where names the engine and database, without any secret.
	Where() string
	// DB exposes the database for tests that read rows directly.
	DB() *sql.DB
}

var (
	_ Opened = (*SQLite)(nil)
	_ Opened = (*Postgres)(nil)
)

// Open opens the store db names: a postgres:// or postgresql:// URL is a
// PostgreSQL database (see OpenPostgres for passwordFile), anything else
// the path of a SQLite file, the embedded default.
func Open(ctx context.Context, db, passwordFile string) (Opened, error) {
	if IsPostgresURL(db) {
		return OpenPostgres(ctx, db, passwordFile)
	}
	if passwordFile != "" {
		return nil, errors.New("open store: a database password is only for a postgres:// database, not a SQLite file")
	}
	return OpenSQLite(ctx, db)
}

// Where implements Opened.
func (s *SQLite) Where() string { return "SQLite " + s.path }
