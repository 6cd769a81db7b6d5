package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// BenchmarkEngines times the store's commonest writes, an audit append
// (alone, and from 8 goroutines at once: straight to the store, and
// through package audit, which batches what arrives together into one
// transaction, as the server does) and an 8 KiB chat transcript, on
// SQLite (synchronous=FULL) and on PostgreSQL (a throwaway cluster with
// fsync on, over its Unix socket) in the same run. Each PostgreSQL result
// reports x_sqlite: its time per write over SQLite's.
func BenchmarkEngines(b *testing.B) {
	ctx := context.Background()
	c, err := pgtest.Start(ctx, pgtest.Options{Durable: true})
	if errors.Is(err, pgtest.ErrNoBinaries) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Stop() })
	if err := c.CreateDatabase(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	sq, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "tandem.db"))
	if err != nil {
		b.Fatal(err)
	}
	pg, err := store.OpenPostgres(ctx, c.URL("bench"), c.PasswordFile())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sq.Close(); pg.Close() })
	for _, w := range []struct {
		name string
		fn   func(*testing.B, store.Store)
	}{{"audit-append", benchAppend}, {"audit-append-8-writers", benchAppendParallel},
		{"audit-record-8-writers", benchRecordParallel}, {"transcript-write", benchTranscript}} {
		var base float64
		b.Run(w.name+"/sqlite", func(b *testing.B) {
			w.fn(b, sq)
			base = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(w.name+"/postgres", func(b *testing.B) {
			w.fn(b, pg)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_sqlite")
		})
	}
}

// seal is a chaining caller's record after last, of typical size.
func seal(last store.AuditRecord) (store.AuditRecord, error) {
	if last.Hash == nil {
		last.Hash = make([]byte, 32)
	}
	return store.AuditRecord{Seq: last.Seq + 1, Time: time.Now(), Kind: "session.opened", Actor: "alice",
		Subject: fmt.Sprintf("s-%d", last.Seq+1), Source: "192.0.2.7",
		Detail: `{"conversation":"0123456789abcdef0123456789abcdef","messages":"12"}`, Prev: last.Hash, Hash: make([]byte, 32)}, nil
}

func benchAppend(b *testing.B, s store.Store) {
	for b.Loop() {
		if _, err := s.AppendAudit(context.Background(), seal); err != nil {
			b.Fatal(err)
		}
	}
}

func benchAppendParallel(b *testing.B, s store.Store) {
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((8 + procs - 1) / procs) // about 8 goroutines in all
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.AppendAudit(context.Background(), seal); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchRecordParallel(b *testing.B, s store.Store) {
	log := audit.New(s, nil, nil)
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((8 + procs - 1) / procs)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := log.Record(context.Background(), audit.Entry{Kind: "session.opened", Actor: "alice", Subject: "s-1",
				Source: "192.0.2.7", Detail: map[string]string{"messages": "12"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchTranscript(b *testing.B, s store.Store) {
	body := make([]byte, 8<<10)
	sum := store.TranscriptSHA256(body)
	now := time.Now()
	n := 0
	for b.Loop() {
		n++
		t := store.ChatTranscript{ID: fmt.Sprintf("c-%d-%d", now.UnixNano(), n), Session: "s-1", Operator: "alice",
			Started: now, Ended: now, Messages: 12, SHA256: sum, Body: body}
		if err := s.PutChatTranscript(context.Background(), t); err != nil {
			b.Fatal(err)
		}
	}
}
