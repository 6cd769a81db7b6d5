package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// BenchmarkAuditRecordsAbout times finding a conversation's
// chat.transcript entry (what every `admin chat show` does) in audit logs
// of growing size, against reading the transcript itself by its primary
// key in the same run: audit-lookup-unindexed drops migration 0008's index
// on (subject, kind), so the lookup reads the whole log; audit-lookup is
// the store as it ships. x_transcript_read says what each costs next to
// the read it accompanies.
func BenchmarkAuditRecordsAbout(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		s := auditOf(b, n)
		var base float64 // ns per transcript read
		b.Run(fmt.Sprintf("entries=%d/transcript-read", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ChatTranscript(ctx, "c-target"); err != nil {
					b.Fatal(err)
				}
			}
			base = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		lookup := func(b *testing.B) {
			for b.Loop() {
				if recs, err := s.AuditRecordsAbout(ctx, "chat.transcript", "s-target", 100); err != nil || len(recs) != 1 {
					b.Fatal(recs, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_transcript_read")
		}
		b.Run(fmt.Sprintf("entries=%d/audit-lookup", n), lookup)
		if _, err := s.DB().ExecContext(ctx, "DROP INDEX audit_log_about"); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("entries=%d/audit-lookup-unindexed", n), lookup)
	}
}

// auditOf returns a store holding one transcript and n audit records of
// typical size, the one about it in the middle.
func auditOf(b *testing.B, n int) *store.SQLite {
	b.Helper()
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "tandem.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	body := make([]byte, 8<<10)
	if err := s.PutChatTranscript(ctx, store.ChatTranscript{ID: "c-target", Session: "s-target", Started: time.Now(), Ended: time.Now(),
		Body: body, SHA256: store.TranscriptSHA256(body)}); err != nil {
		b.Fatal(err)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	hash := make([]byte, 32)
	for i := 1; i <= n; i++ {
		kind, subject := "session.opened", fmt.Sprintf("s-%d", i)
		if i == n/2 {
			kind, subject = "chat.transcript", "s-target"
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, kind, actor, subject, source, detail, prev, hash)
			VALUES (?, ?, ?, 'alice', ?, '192.0.2.7', '{"conversation":"0123456789abcdef0123456789abcdef","messages":"12"}', ?, ?)`,
			i, int64(i)*1e9, kind, subject, hash, hash)
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return s
}
