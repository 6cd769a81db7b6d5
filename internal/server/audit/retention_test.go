package audit

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPruneKeepsTheChainVerifiable: after retention removes the oldest
// entries the kept ones still verify, from the anchor, and the removal is
// itself an entry that says what went.
func TestPruneKeepsTheChainVerifiable(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	record(t, l, ctx, "a", "b", "c", "d") // at t0+1s ... t0+4s
	n, err := l.Prune(ctx, t0.Add(2500*time.Millisecond))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d %v, want 2 removed", n, err)
	}
	es, err := l.List(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].Seq != 3 || es[2].Kind != KindPruned {
		t.Fatalf("kept %+v, want entries 3, 4 and the removal", es)
	}
	if d := es[2].Detail; d["removed"] != "2" || d["through"] != "2" || len(d["anchor"]) != 64 || d["older_than"] != "2026-03-04T05:06:09Z" {
		t.Errorf("removal entry detail %v", d)
	}
	res, err := l.Verify(ctx)
	if err != nil || res.Broken != nil || res.Entries != 3 || res.Pruned != 2 || !res.PrunedTime.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("verify after pruning: %+v %v", res, err)
	}
	if n, err := l.Prune(ctx, t0); err != nil || n != 0 {
		t.Errorf("nothing that old: %d %v", n, err)
	}
	if es2, _ := l.List(ctx, 0, 10); len(es2) != 3 {
		t.Errorf("a prune that removed nothing recorded something: %d entries", len(es2))
	}
	// A second prune moves the anchor; Verify follows it.
	record(t, l, ctx, "e")
	if n, err := l.Prune(ctx, t0.Add(time.Hour)); err != nil || n != 4 {
		t.Fatalf("second prune: %d %v, want 4", n, err)
	}
	if res, err := l.Verify(ctx); err != nil || res.Broken != nil || res.Entries != 1 || res.Pruned != 6 {
		t.Fatalf("verify after the second prune: %+v %v", res, err)
	}
}

// TestVerifyCatchesCutsPassedOffAsRetention: entries cut off the start by
// hand are named, whether or not the anchor is moved to hide the cut.
func TestVerifyCatchesCutsPassedOffAsRetention(t *testing.T) {
	for _, c := range []struct {
		name   string
		pruned bool // retention ran first (entries 1 and 2 went)
		sql    []string
		seq    int64
		reason string
	}{
		{"first kept entry deleted", true, []string{"DELETE FROM audit_log WHERE seq = 3"}, 3, "missing"},
		{"anchor moved over a cut", true, []string{
			"DELETE FROM audit_log WHERE seq <= 3",
			"UPDATE audit_anchor SET seq = 3, hash = (SELECT prev FROM audit_log WHERE seq = 4)"}, 4, "audit.pruned"},
		{"cut with no prune at all", false, []string{
			"DELETE FROM audit_log WHERE seq <= 5",
			"INSERT OR REPLACE INTO audit_anchor (id, seq, at, hash) VALUES (1, 5, 0, (SELECT prev FROM audit_log WHERE seq = 6))"}, 6, "audit.pruned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, st := newLog(t)
			ctx := context.Background()
			record(t, l, ctx, "a", "b", "c", "d", "e", "f")
			if c.pruned {
				if _, err := l.Prune(ctx, t0.Add(2500*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
			}
			db := st.DB()
			for _, q := range append([]string{"DROP TRIGGER audit_log_no_delete"}, c.sql...) {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			res, err := l.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Broken == nil || res.Broken.Seq != c.seq || !strings.Contains(res.Broken.Reason, c.reason) {
				t.Fatalf("got %+v, want entry %d (%s)", res.Broken, c.seq, c.reason)
			}
		})
	}
}
