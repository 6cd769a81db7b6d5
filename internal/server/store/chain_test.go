package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// TestAuditOneChainTwoWriters: two servers' audit logs (package audit
// over two handles on one database) record at once, and the result
// verifies as one hash chain, on each engine.
func TestAuditOneChainTwoWriters(t *testing.T) {
	for name, f := range map[string]func(*testing.T) func(*testing.T) store.Store{"SQLite": sqliteFactory, "PostgreSQL": postgresFactory} {
		t.Run(name, func(t *testing.T) {
			open := f(t)
			a, b := open(t), open(t)
			defer a.Close()
			defer b.Close()
			ctx := context.Background()
			var wg sync.WaitGroup
			for i, st := range []store.Store{a, b} {
				log := audit.New(st, nil, nil)
				for g := range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for n := range 10 {
							if _, err := log.Record(ctx, audit.Entry{Kind: "test.write", Subject: fmt.Sprintf("w%d-%d-%d", i, g, n)}); err != nil {
								t.Error(err)
							}
						}
					}()
				}
			}
			wg.Wait()
			res, err := audit.New(a, nil, nil).Verify(ctx)
			if err != nil || res.Broken != nil || res.Entries != 80 {
				t.Fatalf("Verify = %+v, %v; want 80 entries, unbroken", res, err)
			}
		})
	}
}

// TestPostgresAuditAppendOnly: on PostgreSQL as on SQLite, the log's rows
// cannot be changed or removed by ordinary statements, and even inside a
// pruning transaction only a prefix of the log may go.
func TestPostgresAuditAppendOnly(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	s, err := store.Open(ctx, c.NewDatabase(t), c.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := audit.New(s, nil, nil)
	for range 3 {
		if _, err := log.Record(ctx, audit.Entry{Kind: "test.write"}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := s.DB().Conn(ctx) // one session, so ROLLBACK ends what BEGIN began
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"UPDATE audit_log SET kind = 'forged' WHERE seq = 2",
		"DELETE FROM audit_log WHERE seq = 1",
		"TRUNCATE audit_log",
		"BEGIN; INSERT INTO audit_pruning VALUES (1); DELETE FROM audit_log WHERE seq = 2; COMMIT",
	} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "audit") {
			t.Errorf("%s: %v, want refused", q, err)
		}
		db.ExecContext(ctx, "ROLLBACK")
	}
	if res, err := log.Verify(ctx); err != nil || res.Broken != nil || res.Entries != 3 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

// TestPostgresPassword: the password comes from PGPASSFILE when no file
// is named; a wrong one fails saying where the password goes.
func TestPostgresPassword(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	url := c.NewDatabase(t)
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", c.PassFile())
	s, err := store.Open(ctx, url, "")
	if err != nil {
		t.Fatalf("open with PGPASSFILE: %v", err)
	}
	if !strings.HasPrefix(s.Where(), "PostgreSQL postgres://tandem@") {
		t.Errorf("Where() = %q", s.Where())
	}
	s.Close()
	t.Setenv("PGPASSFILE", "/nonexistent")
	t.Setenv("PGPASSWORD", "wrong")
	if _, err := store.Open(ctx, url, ""); err == nil || !strings.Contains(err.Error(), "-db-password-file") {
		t.Fatalf("open with a wrong password: %v, want advice", err)
	}
}

// auditLockKey is package store's audit lock.
const auditLockKey int64 = 0x74616e64656d0001

// TestPostgresAuditRefusedAppend: an append whose INSERT the database
// refuses (text with a NUL byte) appends nothing, and the appends after
// it go on one chain; an append whose context ends while another holds
// the audit lock fails with its deadline and appends nothing.
func TestPostgresAuditRefusedAppend(t *testing.T) {
	c := pgtest.Shared(t)
	ctx := context.Background()
	s, err := store.Open(ctx, c.NewDatabase(t), c.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := audit.New(s, nil, nil)
	for i := range 3 {
		if _, err := log.Record(ctx, audit.Entry{Kind: "test.write", Subject: fmt.Sprintf("before-%d", i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := log.Record(ctx, audit.Entry{Kind: "test.write", Subject: "nul\x00byte"}); err == nil {
			t.Fatal("a NUL byte in text was stored")
		}
	}
	holder, err := s.DB().Conn(ctx) // holds the audit lock, as another node's append would
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", auditLockKey); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = s.AppendAudit(short, func(last store.AuditRecord) (store.AuditRecord, error) {
		r := store.AuditRecord{Seq: last.Seq + 1, Time: time.Now().UTC().Round(0), Kind: "test.write", Subject: "blocked", Prev: last.Hash}
		r.Hash = audit.Hash(r.Prev, r)
		return r, nil
	})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("an append while another held the audit lock: %v, want the deadline", err)
	}
	if _, err := holder.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Record(ctx, audit.Entry{Kind: "test.write", Subject: "after"}); err != nil {
		t.Fatal(err)
	}
	if res, err := log.Verify(ctx); err != nil || res.Broken != nil || res.Entries != 4 {
		t.Fatalf("Verify = %+v, %v; want 4 entries, unbroken", res, err)
	}
}
