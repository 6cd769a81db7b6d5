package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// next builds the record after last the way a chaining caller would; the
// store only has to keep order and content.
func next(kind string) func(store.AuditRecord) (store.AuditRecord, error) {
	return func(last store.AuditRecord) (store.AuditRecord, error) {
		h := []byte(fmt.Sprintf("hash-%d", last.Seq+1))
		prev := last.Hash
		if prev == nil {
			prev = make([]byte, 32)
		}
		return store.AuditRecord{Seq: last.Seq + 1, Time: t0.Add(time.Duration(last.Seq) * time.Second), Kind: kind,
			Actor: "admin", Subject: "op", Source: "192.0.2.1", Detail: `{"k":"v"}`, Prev: prev, Hash: h}, nil
	}
}

func testAuditLog(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	if recs, err := s.AuditRecords(ctx, 0, 10); err != nil || len(recs) != 0 {
		t.Fatalf("empty log: %v %v", recs, err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if _, err := s.AppendAudit(ctx, next(k)); err != nil {
			t.Fatal(err)
		}
	}
	// A seal that skips a number is refused; one that fails appends nothing.
	_, err := s.AppendAudit(ctx, func(last store.AuditRecord) (store.AuditRecord, error) {
		return store.AuditRecord{Seq: last.Seq + 2, Prev: last.Hash, Hash: []byte("x")}, nil
	})
	if err == nil {
		t.Error("a gap in the sequence was accepted")
	}
	boom := errors.New("boom")
	if _, err := s.AppendAudit(ctx, func(store.AuditRecord) (store.AuditRecord, error) { return store.AuditRecord{}, boom }); !errors.Is(err, boom) {
		t.Errorf("seal error: %v", err)
	}
	s.Close()
	s = openT(t, open)
	recs, err := s.AuditRecords(ctx, 0, 10)
	must(t, err)
	if len(recs) != 3 || recs[0].Kind != "a" || recs[2].Kind != "c" || recs[2].Seq != 3 {
		t.Fatalf("records after reopen: %+v", recs)
	}
	r := recs[1]
	if !r.Time.Equal(t0.Add(time.Second)) || r.Actor != "admin" || r.Detail != `{"k":"v"}` || string(r.Prev) != "hash-1" || string(r.Hash) != "hash-2" {
		t.Errorf("record 2 read back as %+v", r)
	}
	if page, _ := s.AuditRecords(ctx, 1, 1); len(page) != 1 || page[0].Seq != 2 {
		t.Errorf("page after 1, limit 1: %+v", page)
	}
}

// testAuditLogConcurrent: concurrent appenders each see the record the
// other appended, so the chain has no fork and no gap.
func testAuditLogConcurrent(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := s.AppendAudit(ctx, next("x")); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	recs, err := s.AuditRecords(ctx, 0, 100)
	must(t, err)
	if len(recs) != 40 {
		t.Fatalf("%d records, want 40", len(recs))
	}
	for i, r := range recs[1:] {
		if string(r.Prev) != string(recs[i].Hash) {
			t.Fatalf("record %d does not follow %d", r.Seq, recs[i].Seq)
		}
	}
}

// testAuditLogTwoHandles: two handles on one database (two servers
// sharing it) append at once, singly and in batches, and the log is still
// one chain: every record follows the one before it, none missing.
func testAuditLogTwoHandles(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	handles := []store.Store{openT(t, open), openT(t, open)}
	var wg sync.WaitGroup
	for _, s := range handles {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 6 {
					if _, err := s.AppendAudit(ctx, next("one")); err != nil {
						t.Error(err)
					}
					if _, err := s.AppendAudits(ctx, []func(store.AuditRecord) (store.AuditRecord, error){next("batch"), next("batch")}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
	}
	wg.Wait()
	recs, err := handles[1].AuditRecords(ctx, 0, 1000)
	must(t, err)
	if want := 2 * 3 * 6 * 3; len(recs) != want {
		t.Fatalf("%d records, want %d", len(recs), want)
	}
	for i, r := range recs[1:] {
		if r.Seq != recs[i].Seq+1 || string(r.Prev) != string(recs[i].Hash) {
			t.Fatalf("record %d does not follow %d: the chain forked", r.Seq, recs[i].Seq)
		}
	}
}

// testAuditPrune: pruning removes the oldest records, keeps the newest
// removed one as the anchor, and appends its own record in the same
// transaction; a failing seal removes nothing.
func testAuditPrune(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	for range 5 { // at t0, t0+1s, ... t0+4s
		if _, err := s.AppendAudit(ctx, next("x")); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func() []int64 {
		t.Helper()
		recs, err := s.AuditRecords(ctx, 0, 100)
		must(t, err)
		var out []int64
		for _, r := range recs {
			out = append(out, r.Seq)
		}
		return out
	}
	var told struct {
		anchor, last store.AuditRecord
		removed      int
	}
	pruned := func(anchor store.AuditRecord, removed int, last store.AuditRecord) (store.AuditRecord, error) {
		told.anchor, told.removed, told.last = anchor, removed, last
		return next("pruned")(last)
	}
	if a, err := s.AuditAnchor(ctx); err != nil || a.Seq != 0 {
		t.Fatalf("anchor of a log never pruned: %+v %v", a, err)
	}
	if n, err := s.PruneAudit(ctx, t0, pruned); err != nil || n != 0 || told.removed != 0 {
		t.Fatalf("nothing older than the first record: removed %d (seal told %d), %v", n, told.removed, err)
	}
	if n, err := s.PruneAudit(ctx, t0.Add(2500*time.Millisecond), pruned); err != nil || n != 3 {
		t.Fatalf("prune before t0+2.5s: removed %d, %v; want 3", n, err)
	}
	if told.anchor.Seq != 3 || string(told.anchor.Hash) != "hash-3" || told.removed != 3 || told.last.Seq != 5 {
		t.Errorf("seal told anchor %d %q, %d removed, last %d; want 3 hash-3, 3, 5", told.anchor.Seq, told.anchor.Hash, told.removed, told.last.Seq)
	}
	if got := seqs(); !slices.Equal(got, []int64{4, 5, 6}) {
		t.Fatalf("after pruning: %v, want [4 5 6]", got)
	}
	boom := errors.New("boom")
	_, err := s.PruneAudit(ctx, t0.Add(time.Hour), func(store.AuditRecord, int, store.AuditRecord) (store.AuditRecord, error) {
		return store.AuditRecord{}, boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("failing seal: %v", err)
	}
	s.Close()
	s = openT(t, open)
	if got := seqs(); !slices.Equal(got, []int64{4, 5, 6}) {
		t.Fatalf("after a failed prune and a reopen: %v, want [4 5 6]", got)
	}
	a, err := s.AuditAnchor(ctx)
	must(t, err)
	if a.Seq != 3 || string(a.Hash) != "hash-3" || !a.Time.Equal(t0.Add(2*time.Second)) {
		t.Errorf("anchor after reopen: %+v, want entry 3 of t0+2s", a)
	}
	// Everything old: the chain goes on from the anchor, the last record.
	if n, err := s.PruneAudit(ctx, t0.Add(time.Hour), pruned); err != nil || n != 3 {
		t.Fatalf("prune all: removed %d, %v", n, err)
	}
	if got := seqs(); !slices.Equal(got, []int64{7}) {
		t.Fatalf("after pruning all: %v, want [7]", got)
	}
	if a, _ := s.AuditAnchor(ctx); a.Seq != 6 {
		t.Errorf("anchor %d, want 6", a.Seq)
	}
	if _, err := s.AppendAudit(ctx, next("after")); err != nil {
		t.Fatalf("append after pruning all: %v", err)
	}
}

func testSetupTokens(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	a, b := [32]byte{1}, [32]byte{2}
	must(t, s.PutSetupToken(ctx, a, t0.Add(time.Hour)))
	must(t, s.PutSetupToken(ctx, b, t0.Add(time.Hour)))
	for _, c := range []struct {
		name string
		h    [32]byte
		at   time.Time
		want bool
	}{
		{"replaced", a, t0, false},
		{"live", b, t0, true},
		{"expired", b, t0.Add(time.Hour), false},
	} {
		if got, err := s.SetupTokenValid(ctx, c.h, c.at); err != nil || got != c.want {
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
		}
	}
	must(t, s.DeleteSetupTokens(ctx))
	if got, _ := s.SetupTokenValid(ctx, b, t0); got {
		t.Error("token valid after delete")
	}
}

func testPermissions(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	addAccount(t, s, "op", store.KindOperator)
	must(t, s.CreateGroup(ctx, "desk"))
	must(t, s.AddMember(ctx, "desk", "op"))
	acct, grp := store.Subject{Kind: store.SubjectAccount, Name: "op"}, store.Subject{Kind: store.SubjectGroup, Name: "desk"}
	wantErr(t, s.SetPermissions(ctx, store.Subject{Kind: store.SubjectAccount, Name: "nobody"}, []string{"chat"}), store.ErrNotFound)
	must(t, s.SetPermissions(ctx, acct, []string{"observe", "chat", "chat"}))
	must(t, s.SetPermissions(ctx, grp, []string{"file-transfer", "chat"}))
	if got, _ := s.Permissions(ctx, acct); !slices.Equal(got, []string{"chat", "observe"}) {
		t.Errorf("account's own: %v", got)
	}
	if got, _ := s.AccountPermissions(ctx, "op"); !slices.Equal(got, []string{"chat", "file-transfer", "observe"}) {
		t.Errorf("with groups: %v", got)
	}
	must(t, s.SetPermissions(ctx, acct, nil))
	must(t, s.RemoveMember(ctx, "desk", "op"))
	if got, _ := s.AccountPermissions(ctx, "op"); len(got) != 0 {
		t.Errorf("after removal: %v", got)
	}
}

func testAuditRecordsAbout(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	about := func(kind, subject string) func(store.AuditRecord) (store.AuditRecord, error) {
		return func(last store.AuditRecord) (store.AuditRecord, error) {
			r, err := next(kind)(last)
			r.Subject = subject
			return r, err
		}
	}
	for _, e := range [][2]string{{"chat.transcript", "s1"}, {"chat.transcript", "s2"}, {"login", "s1"}, {"chat.transcript", "s1"}} {
		if _, err := s.AppendAudit(ctx, about(e[0], e[1])); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		kind, subject string
		limit         int
		want          []int64
	}{
		{"chat.transcript", "s1", 10, []int64{4, 1}},
		{"chat.transcript", "s1", 1, []int64{4}},
		{"login", "s1", 10, []int64{3}},
		{"chat.transcript", "s3", 10, nil},
	} {
		recs, err := s.AuditRecordsAbout(ctx, c.kind, c.subject, c.limit)
		must(t, err)
		var seqs []int64
		for _, r := range recs {
			seqs = append(seqs, r.Seq)
		}
		if !slices.Equal(seqs, c.want) {
			t.Errorf("%s about %s (limit %d): seqs %v, want %v", c.kind, c.subject, c.limit, seqs, c.want)
		}
	}
	recs, err := s.AuditRecordsAbout(ctx, "chat.transcript", "s2", 1)
	must(t, err)
	if r := recs[0]; r.Actor != "admin" || r.Detail != `{"k":"v"}` || string(r.Hash) != "hash-2" || !r.Time.Equal(t0.Add(time.Second)) {
		t.Errorf("record read back as %+v", r)
	}
}

// testAuditBatch: AppendAudits chains its seals in order after the newest
// record and appends all of them or, when one fails, none.
func testAuditBatch(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	if _, err := s.AppendAudit(ctx, next("first")); err != nil {
		t.Fatal(err)
	}
	recs, err := s.AppendAudits(ctx, []func(store.AuditRecord) (store.AuditRecord, error){next("a"), next("b"), next("c")})
	if err != nil || len(recs) != 3 || recs[0].Seq != 2 || recs[2].Seq != 4 || string(recs[1].Prev) != "hash-2" {
		t.Fatalf("batch: %+v %v", recs, err)
	}
	boom := errors.New("boom")
	_, err = s.AppendAudits(ctx, []func(store.AuditRecord) (store.AuditRecord, error){next("d"),
		func(store.AuditRecord) (store.AuditRecord, error) { return store.AuditRecord{}, boom }})
	if !errors.Is(err, boom) {
		t.Errorf("a failing seal: %v", err)
	}
	all, err := s.AuditRecords(ctx, 0, 100)
	must(t, err)
	if len(all) != 4 || all[3].Kind != "c" {
		t.Errorf("after a failed batch: %d records (last %q), want 4 ending with c", len(all), all[len(all)-1].Kind)
	}
	testAuditBigBatch(t, s)
}

// testAuditBigBatch: a batch larger than one statement's rows (a busy
// node's, up to package audit's 256, or any caller's) is chained whole,
// in order; one with a gap anywhere appends nothing.
func testAuditBigBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	seals := make([]func(store.AuditRecord) (store.AuditRecord, error), 600)
	for i := range seals {
		seals[i] = next(fmt.Sprintf("big-%d", i))
	}
	if _, err := s.AppendAudits(ctx, seals); err != nil {
		t.Fatalf("a batch of %d: %v", len(seals), err)
	}
	gap := slices.Clone(seals)
	gap[500] = func(last store.AuditRecord) (store.AuditRecord, error) {
		return store.AuditRecord{Seq: last.Seq + 2, Prev: last.Hash, Hash: []byte("x")}, nil
	}
	if _, err := s.AppendAudits(ctx, gap); err == nil {
		t.Error("a batch with a gap in its sequence was accepted")
	}
	all, err := s.AuditRecords(ctx, 4, 1000)
	must(t, err)
	if len(all) != len(seals) {
		t.Fatalf("%d records after the big batches, want %d", len(all), len(seals))
	}
	for i, r := range all {
		if r.Seq != int64(5+i) || r.Kind != fmt.Sprintf("big-%d", i) || (i > 0 && string(r.Prev) != string(all[i-1].Hash)) {
			t.Fatalf("record %d of the big batch: %+v", i, r)
		}
	}
}
