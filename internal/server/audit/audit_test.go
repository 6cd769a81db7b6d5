package audit

import (
	"context"
	"encoding/hex"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)

func openStore(t testing.TB, path string) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newLog(t testing.TB) (*Log, *store.SQLite) {
	t.Helper()
	st := openStore(t, filepath.Join(t.TempDir(), "tandem.db"))
	clock := t0
	var mu sync.Mutex
	return New(st, nil, func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock }), st
}

// TestCanonicalGolden pins the encoding and hash of one entry: changing
// either would break every existing chain, so it must be deliberate.
func TestCanonicalGolden(t *testing.T) {
	r := store.AuditRecord{Seq: 7, Time: t0, Kind: "admin.account-created", Actor: "alice", Subject: "bob",
		Source: "2001:db8::1", Detail: `{"kind":"operator"}`}
	got := hex.Dump(Canonical(r)) + "hash " + hex.EncodeToString(Hash(genesis, r)) + "\n"
	golden := filepath.Join("testdata", "canonical.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if got != string(want) {
		t.Errorf("canonical encoding changed:\n%s\nwant:\n%s", got, want)
	}
	// Fields are length-prefixed: moving bytes between fields changes it.
	moved := r
	moved.Actor, moved.Subject = "alicebo", "b"
	if string(Canonical(moved)) == string(Canonical(r)) {
		t.Error("field boundaries are not encoded")
	}
}

func record(t *testing.T, l *Log, ctx context.Context, kinds ...string) {
	t.Helper()
	for _, k := range kinds {
		if _, err := l.Record(ctx, Entry{Kind: k, Subject: "op1", Detail: map[string]string{"n": k}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecordListVerify(t *testing.T) {
	l, _ := newLog(t)
	ctx := WithActor(context.Background(), "alice", netip.MustParseAddr("192.0.2.9"))
	record(t, l, ctx, "a", "b", "c")
	es, err := l.List(ctx, 0, 10)
	if err != nil || len(es) != 3 {
		t.Fatalf("%v %v", es, err)
	}
	if e := es[1]; e.Seq != 2 || e.Kind != "b" || e.Actor != "alice" || e.Source != "192.0.2.9" || e.Detail["n"] != "b" || len(e.Hash) != 64 {
		t.Errorf("entry 2: %+v", e)
	}
	res, err := l.Verify(ctx)
	if err != nil || res.Broken != nil || res.Entries != 3 || res.Head != es[2].Hash {
		t.Fatalf("verify: %+v %v", res, err)
	}
}

// TestAppendOnly: ordinary SQL cannot change or delete an entry.
func TestAppendOnly(t *testing.T) {
	l, st := newLog(t)
	record(t, l, context.Background(), "a")
	for _, q := range []string{"UPDATE audit_log SET kind = 'x'", "DELETE FROM audit_log"} {
		_, err := st.DB().Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestPruneOnlyFromTheOldestEnd: even inside a pruning transaction (the
// permit row present) SQL cannot remove an entry from the middle, and the
// anchor never moves back.
func TestPruneOnlyFromTheOldestEnd(t *testing.T) {
	l, st := newLog(t)
	ctx := context.Background()
	record(t, l, ctx, "a", "b", "c")
	if _, err := l.Prune(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	record(t, l, ctx, "d", "e")
	tx, err := st.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO audit_pruning (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("DELETE FROM audit_log WHERE seq = 6"); err == nil || !strings.Contains(err.Error(), "oldest first") {
		t.Errorf("deleting from the middle while pruning: %v", err)
	}
	if _, err := tx.Exec("UPDATE audit_anchor SET seq = 1"); err == nil || !strings.Contains(err.Error(), "only moves forward") {
		t.Errorf("moving the anchor back: %v", err)
	}
	if _, err := tx.Exec("DELETE FROM audit_anchor"); err == nil {
		t.Error("the anchor was removed")
	}
}

// TestVerifyNamesTamperedEntry tampers rows in SQLite directly, as
// someone with the file could after dropping the triggers, and checks
// Verify names the first broken entry.
func TestVerifyNamesTamperedEntry(t *testing.T) {
	for _, c := range []struct {
		name   string
		sql    string
		seq    int64
		reason string
	}{
		{"changed detail", `UPDATE audit_log SET detail = '{"n":"forged"}' WHERE seq = 3`, 3, "content"},
		{"changed time", `UPDATE audit_log SET at = at + 1 WHERE seq = 4`, 4, "content"},
		{"deleted entry", `DELETE FROM audit_log WHERE seq = 2`, 2, "missing"},
		{"rehashed entry", `UPDATE audit_log SET hash = zeroblob(32) WHERE seq = 3`, 3, "content"},
		{"relinked entry", `UPDATE audit_log SET prev = (SELECT hash FROM audit_log WHERE seq = 1) WHERE seq = 3`, 3, "link"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, st := newLog(t)
			ctx := context.Background()
			record(t, l, ctx, "a", "b", "c", "d", "e")
			db := st.DB()
			for _, q := range []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", c.sql} {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			res, err := l.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Broken == nil || res.Broken.Seq != c.seq || !strings.Contains(res.Broken.Reason, c.reason) {
				t.Fatalf("got %+v, want entry %d (%s)", res.Broken, c.seq, c.reason)
			}
			if res.Entries != c.seq-1 {
				t.Errorf("%d entries good, want %d", res.Entries, c.seq-1)
			}
			if !strings.Contains(res.Broken.Error(), "entry "+string(rune('0'+c.seq))) {
				t.Errorf("message %q does not name the entry", res.Broken.Error())
			}
		})
	}
}

// TestTwoWriters: the server and a local admin command append to one
// database through separate connections; the chain stays one line.
func TestTwoWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem.db")
	a, b := New(openStore(t, path), nil, nil), New(openStore(t, path), nil, nil)
	var wg sync.WaitGroup
	for _, l := range []*Log{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := l.Record(context.Background(), Entry{Kind: "x"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	res, err := a.Verify(context.Background())
	if err != nil || res.Broken != nil || res.Entries != 40 {
		t.Fatalf("%+v %v", res, err)
	}
}

// TestAuthHook: login events name the account; an administrator's unlock
// names the administrator from the context.
func TestAuthHook(t *testing.T) {
	l, _ := newLog(t)
	hook := l.AuthHook()
	src := netip.MustParseAddr("198.51.100.4")
	hook(context.Background(), auth.Event{Kind: auth.EventLoginFailed, AccountID: "op1", Source: src, Time: t0})
	hook(WithActor(context.Background(), "alice", netip.Addr{}), auth.Event{Kind: auth.EventUnlocked, AccountID: "op1", Time: t0})
	es, _ := l.List(context.Background(), 0, 10)
	if len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
	if e := es[0]; e.Kind != "auth.login-failed" || e.Actor != "op1" || e.Source != src.String() || !e.Time.Equal(t0) {
		t.Errorf("login failure: %+v", e)
	}
	if e := es[1]; e.Kind != "auth.unlocked" || e.Actor != "alice" || e.Subject != "op1" {
		t.Errorf("unlock: %+v", e)
	}
}
