package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// BenchmarkReserveAttempt times a login's one lockout write on SQLite
// (synchronous=FULL) for a try that counts and for one refused on a
// blocked ID, side by side: they should be within noise of each other,
// since a blocked ID must not answer sooner (store.Lockouts).
func BenchmarkReserveAttempt(b *testing.B) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "tandem.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, _, err := st.ReserveAttempt(ctx, "blocked", now, 1, 1<<62); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, id string
		limit    int
	}{
		{"counted", "counted", 1 << 30},
		{"blocked", "blocked", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				now = now.Add(time.Millisecond)
				if _, _, err := st.ReserveAttempt(ctx, c.id, now, c.limit, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
