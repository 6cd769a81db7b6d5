package store_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
	"github.com/tandem-remote/tandem/internal/server/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// postgresFactory gives each contract test an empty database of the
// package's throwaway cluster, opened through its -db URL and password file.
func postgresFactory(t *testing.T) func(*testing.T) store.Store {
	c := pgtest.Shared(t)
	url := c.NewDatabase(t)
	return func(t *testing.T) store.Store {
		t.Helper()
		s, err := store.Open(context.Background(), url, c.PasswordFile())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestPostgresContract(t *testing.T) { storetest.Run(t, postgresFactory) }

// TestPostgresMigrations: opening twice applies each migration once and
// records it; a database from a newer binary is refused with advice.
func TestPostgresMigrations(t *testing.T) {
	ctx := context.Background()
	c := pgtest.Shared(t)
	url := c.NewDatabase(t)
	for range 2 {
		s, err := store.Open(ctx, url, c.PasswordFile())
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
	s, err := store.Open(ctx, url, c.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO schema_migrations VALUES (999, 'future.sql', 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := store.Open(ctx, url, c.PasswordFile()); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opened a database from a newer schema: %v", err)
	}
}

// TestPostgresMigrateTogether: nodes starting at once on an empty
// database migrate it once between them.
func TestPostgresMigrateTogether(t *testing.T) {
	c := pgtest.Shared(t)
	url := c.NewDatabase(t)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			s, err := store.Open(context.Background(), url, c.PasswordFile())
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
