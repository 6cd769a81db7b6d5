package signaling

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

func TestCheckRetention(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		name        string
		audit, chat time.Duration
		wantErr     string
	}{
		{"defaults", 365 * day, 30 * day, ""},
		{"audit kept for ever", 0, 30 * day, ""},
		{"equal", 30 * day, 30 * day, ""},
		{"a typo", 24 * time.Second, 0, "minimum"},
		{"shorter than the transcripts", 7 * day, 30 * day, "chat transcript would outlive"},
		{"negative", -day, 0, "negative"},
	} {
		err := checkRetention(Options{AuditRetention: c.audit, ChatRetention: c.chat})
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.wantErr)
		}
	}
}

// TestServerPrunesAuditAtStart: a server with a retention removes the
// entries older than it as it starts, records the removal, and the kept
// log still verifies.
func TestServerPrunesAuditAtStart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := time.Now().Add(-400 * 24 * time.Hour)
	l := audit.New(st, nil, func() time.Time { old = old.Add(time.Second); return old })
	for range 3 {
		if _, err := l.Record(ctx, audit.Entry{Kind: "login.failed", Subject: "op1", Source: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := Prepare(Options{Addr: "127.0.0.1:0", DataDir: dir, PublicURL: "https://127.0.0.1", Out: io.Discard,
		AuditRetention: 365 * 24 * time.Hour, ChatRetention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	reader := audit.New(st, nil, nil)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := reader.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Pruned == 3 {
			if res.Broken != nil {
				t.Fatalf("after retention: %+v", res.Broken)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old entries are still there: %+v", res)
		}
	}
	es, err := reader.List(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	recorded := false
	for _, e := range es {
		if e.Kind == "login.failed" {
			t.Errorf("an entry older than the retention is left: %+v", e)
		}
		recorded = recorded || e.Kind == audit.KindPruned && e.Actor == "" && e.Detail["removed"] == "3"
	}
	if !recorded {
		t.Errorf("no audit.pruned entry of the system's for the 3 entries: %+v", es)
	}
}
