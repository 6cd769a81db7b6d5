package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/storetest"
)

func sqliteFactory(t *testing.T) func(*testing.T) store.Store {
	path := filepath.Join(t.TempDir(), "tandem.db")
	return func(t *testing.T) store.Store {
		t.Helper()
		s, err := store.OpenSQLite(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestSQLiteContract(t *testing.T) { storetest.Run(t, sqliteFactory) }

// TestSQLiteMigrations: opening twice applies each migration once, records
// it, and a database from a newer binary is refused with advice.
func TestSQLiteMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "tandem.db")
	for range 2 {
		s, err := store.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var n, maxV int
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*), max(version) FROM schema_migrations").Scan(&n, &maxV); err != nil {
			t.Fatal(err)
		}
		if n != store.SchemaVersion() || maxV != store.SchemaVersion() {
			t.Fatalf("schema_migrations has %d rows, max %d; want %d", n, maxV, store.SchemaVersion())
		}
		s.Close()
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v, want 0600", fi.Mode().Perm())
	}

	s, _ := store.OpenSQLite(ctx, path)
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO schema_migrations VALUES (999, 'future.sql', 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := store.OpenSQLite(ctx, path); err == nil {
		t.Fatal("opened a database from a newer schema")
	}
}

// TestSQLitePragmas: WAL, foreign keys and the busy timeout hold on every
// pooled connection, not just the first.
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := s.DB()
	for range 4 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var mode string
		var fk, busy int
		conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
		if mode != "wal" || fk != 1 || busy < 1000 {
			t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d", mode, fk, busy)
		}
	}
}

// TestSQLiteRelativePath: `make run` passes -data ./data, so the store
// opens "data/tandem.db"; a relative path must not be read as a URL host.
func TestSQLiteRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := store.OpenSQLite(context.Background(), filepath.Join("data", "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join("data", "tandem.db")); err != nil {
		t.Fatalf("database not where asked: %v", err)
	}
}
