package audit

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// TestRecordConcurrent: Records from many goroutines at once (sharing
// transactions) each get their own entry, every one is stored exactly
// once, and the chain verifies.
func TestRecordConcurrent(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	const workers, each = 16, 25
	var mu sync.Mutex
	seqs := map[int64]string{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				kind := fmt.Sprintf("w%d.%d", w, i)
				e, err := l.Record(ctx, Entry{Kind: kind})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := seqs[e.Seq]; dup {
					t.Errorf("entry %d returned for %s and %s", e.Seq, prev, kind)
				}
				seqs[e.Seq] = kind
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	es, err := l.List(ctx, 0, 1000)
	if err != nil || len(es) != workers*each {
		t.Fatalf("%d entries stored (%v), want %d", len(es), err, workers*each)
	}
	for _, e := range es {
		if seqs[e.Seq] != e.Kind {
			t.Fatalf("entry %d is %s, but its Record was told %s", e.Seq, e.Kind, seqs[e.Seq])
		}
	}
	if res, err := l.Verify(ctx); err != nil || res.Broken != nil || res.Entries != workers*each {
		t.Errorf("verify: %+v %v", res, err)
	}
}

// BenchmarkRecordParallel measures audit entries written from 16
// goroutines at once, as a busy signaling server writes them: Record
// (concurrent entries share a transaction) against the baseline of one
// transaction per entry (store.AppendAudit), in the same run.
func BenchmarkRecordParallel(b *testing.B) {
	for _, c := range []struct {
		name   string
		record func(l *Log, st store.AuditLog, seal func(store.AuditRecord) (store.AuditRecord, error))
	}{
		{"baseline-one-transaction-each", func(_ *Log, st store.AuditLog, seal func(store.AuditRecord) (store.AuditRecord, error)) {
			st.AppendAudit(context.Background(), seal)
		}},
		{"grouped", func(l *Log, st store.AuditLog, seal func(store.AuditRecord) (store.AuditRecord, error)) {
			l.group.append(context.Background(), st, seal)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			l, st := newLog(b)
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					seal, err := l.sealer(context.Background(), Entry{Kind: "session.open", Subject: "s1", Source: "192.0.2.7",
						Detail: map[string]string{"by": "code"}})
					if err != nil {
						b.Error(err)
						return
					}
					c.record(l, st, seal)
				}
			})
		})
	}
}
