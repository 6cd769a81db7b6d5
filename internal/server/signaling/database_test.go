package signaling

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// TestPostgresDatabase: two signaling processes with their own data
// directories share one PostgreSQL database (-db, -db-password-file): the
// administrator set up through the first logs in through the second, and
// their audit entries form one chain that verifies.
func TestPostgresDatabase(t *testing.T) {
	c, err := pgtest.Start(context.Background(), pgtest.Options{})
	if errors.Is(err, pgtest.ErrNoBinaries) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	url := c.NewDatabase(t)
	withDB := func(o *Options) { o.Database, o.DatabasePasswordFile = url, c.PasswordFile() }

	one := startServer(t, filepath.Join(t.TempDir(), "one"), withDB)
	if !strings.Contains(one.out, "Store: PostgreSQL postgres://tandem@") || strings.Contains(one.out, "signaling admin -data "+one.dir+" user add -admin") {
		t.Errorf("summary does not name the database, or offers signaling admin for it:\n%s", one.out)
	}
	one.setup()
	two := startServer(t, filepath.Join(t.TempDir(), "two"), withDB)
	if setupTokenRE.MatchString(two.out) {
		t.Errorf("the second node offers setup though the shared database has an administrator:\n%s", two.out)
	}
	for range 3 {
		one.mustLogin("root", adminPassword)
		two.mustLogin("root", adminPassword)
	}
	res, err := audit.New(two.svc.accounts.st, nil, nil).Verify(context.Background())
	if err != nil || res.Broken != nil || res.Entries < 7 {
		t.Fatalf("audit log after logins on both nodes: %+v, %v", res, err)
	}
}

// TestDatabaseURLPassword: a password in -db is refused, with where to
// put it instead; a password file is refused for a SQLite file.
func TestDatabaseURLPassword(t *testing.T) {
	for _, c := range []struct{ name, db, pwfile, says string }{
		{"user info", "postgres://tandem:hunter2@db.example/tandem", "", "-db-password-file"},
		{"query", "postgres://tandem@db.example/tandem?password=hunter2", "", "-db-password-file"},
		{"file for sqlite", "", "/dev/null", "only for a postgres:// database"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Prepare(Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), PublicURL: "https://127.0.0.1",
				Database: c.db, DatabasePasswordFile: c.pwfile, Relay: false})
			if err == nil || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("Prepare: %v; want an error saying %q, without the password", err, c.says)
			}
		})
	}
}
