package admin

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// TestCLIAuditPrune: audit prune removes the entries older than it is
// told, says so in the log, and audit verify still passes and says where
// the check starts; too short a retention is refused.
func TestCLIAuditPrune(t *testing.T) {
	e := newCLIEnv(t)
	st, err := store.OpenSQLite(context.Background(), filepath.Join(e.dir, "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-400 * 24 * time.Hour)
	log := audit.New(st, nil, func() time.Time { old = old.Add(time.Minute); return old })
	for _, k := range []string{"login", "login.failed", "session.start"} {
		if _, err := log.Record(context.Background(), audit.Entry{Kind: k, Subject: "op1"}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	e.ok("", "group", "add", "desk") // an entry of today

	if code, out := e.run("", "audit", "prune", "-older-than", "1h"); code != 2 || !strings.Contains(out, "minimum") {
		t.Errorf("prune -older-than 1h: exit %d: %s", code, out)
	}
	if out := e.ok("", "audit", "prune", "-older-than", "8760h"); !strings.Contains(out, "removed 3 entries") {
		t.Errorf("prune: %s", out)
	}
	if out := e.ok("", "audit", "prune", "-older-than", "8760h"); !strings.Contains(out, "nothing to remove") {
		t.Errorf("second prune: %s", out)
	}
	out := e.ok("", "audit", "verify")
	if !strings.Contains(out, "ok: 2 entries") || !strings.Contains(out, "entries 1 to 3") {
		t.Errorf("verify after prune: %s", out)
	}
	list := e.ok("", "audit", "list")
	if strings.Contains(list, "login") || !strings.Contains(list, "admin.group-created") || !strings.Contains(list, audit.KindPruned) {
		t.Errorf("audit list after prune:\n%s", list)
	}
}
