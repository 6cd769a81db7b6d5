package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// BenchmarkAuditLock times the one section every signaling node's
// setups serialise on: an audit append on PostgreSQL, which holds the
// chain's advisory lock from its first statement to its commit (package
// store, auditTx). Each writer stands for one node: a node's audit log
// (package audit) has at most one append transaction under way, carrying
// every entry queued meanwhile (up to 256), so 1..8 writers are 1..8
// nodes, and batches of 16 and 128 entries are a busy node's
// transactions. Per transaction it reports
//   - hold-µs: the part of the locked section a caller sees, from the
//     seal (called inside the lock, after the newest record is read) to
//     the commit's return, median;
//   - cycle-µs: the median time between consecutive transactions' seals in
//     chain order, which with several writers waiting is the whole
//     serialised section (lock hand-over, read, insert, commit): its
//     inverse is the cluster-wide ceiling of append transactions a second;
//   - entries/s, and x-one-writer: transactions a second over one
//     writer's with the same batch, same run.
//
// The hold with a batch against the hold with one entry says whether a
// busy node's batches lengthen the lock (a statement per entry did: a
// round trip each), or only amortise it.
//
// On a throwaway cluster with fsync off (as the tests) and on one with
// fsync on (as production), in the same run. Figures are printed, never
// asserted.
func BenchmarkAuditLock(b *testing.B) {
	for _, o := range []struct {
		name string
		opts pgtest.Options
	}{{"fsync-off", pgtest.Options{}}, {"fsync-on", pgtest.Options{Durable: true}}} {
		b.Run(o.name, func(b *testing.B) {
			st := auditLockStore(b, o.opts)
			for _, batch := range []int{1, 16, 128} {
				var one float64
				for _, writers := range []int{1, 2, 4, 8} {
					b.Run(fmt.Sprintf("batch-%d/writers-%d", batch, writers), func(b *testing.B) {
						r := appendConcurrently(b, st, writers, batch)
						if writers == 1 {
							one = r.perSecond
						}
						b.ReportMetric(r.hold, "hold-µs")
						b.ReportMetric(r.cycle, "cycle-µs")
						b.ReportMetric(r.perSecond, "tx/s")
						b.ReportMetric(r.perSecond*float64(batch), "entries/s")
						b.ReportMetric(r.perSecond/one, "x-one-writer")
					})
				}
			}
		})
	}
}

// auditLockStore opens the store on a new throwaway PostgreSQL cluster.
func auditLockStore(b *testing.B, o pgtest.Options) store.Store {
	ctx := context.Background()
	c, err := pgtest.Start(ctx, o)
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
	st, err := store.OpenPostgres(ctx, c.URL("bench"), c.PasswordFile())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// lockFigures are one sub-benchmark's medians (µs) and rate.
type lockFigures struct {
	hold, cycle, perSecond float64
}

// lockedTx is one append transaction: its first record's sequence
// number, when its first seal ran (inside the lock) and when it returned.
type lockedTx struct {
	seq     int64
	in, out time.Time
}

// appendConcurrently appends b.N transactions of batch entries each from
// writers goroutines at once.
func appendConcurrently(b *testing.B, st store.Store, writers, batch int) lockFigures {
	var left atomic.Int64
	left.Store(int64(b.N))
	txs := make([][]lockedTx, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				tx, err := appendBatch(st, batch)
				if err != nil {
					b.Error(err)
					return
				}
				txs[w] = append(txs[w], tx)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(txs...)
	slices.SortFunc(all, func(x, y lockedTx) int { return int(x.seq - y.seq) })
	var holds, cycles []time.Duration
	for i, tx := range all {
		holds = append(holds, tx.out.Sub(tx.in))
		if i > 0 {
			cycles = append(cycles, tx.in.Sub(all[i-1].in))
		}
	}
	return lockFigures{hold: medianMicros(holds), cycle: medianMicros(cycles), perSecond: float64(len(all)) / elapsed.Seconds()}
}

// appendBatch appends batch entries in one transaction, sealed as
// package audit seals them (SHA-256 chained to the newest record).
func appendBatch(st store.Store, batch int) (lockedTx, error) {
	var tx lockedTx
	seals := make([]func(store.AuditRecord) (store.AuditRecord, error), batch)
	for i := range seals {
		seals[i] = func(last store.AuditRecord) (store.AuditRecord, error) {
			if i == 0 {
				tx.in, tx.seq = time.Now(), last.Seq+1
			}
			r := store.AuditRecord{Seq: last.Seq + 1, Time: time.Now().UTC().Round(0), Kind: "session.open", Actor: "tech",
				Subject: fmt.Sprintf("s-%d", last.Seq+1), Source: "192.0.2.7", Detail: `{"node":"node1"}`, Prev: last.Hash}
			if r.Prev == nil {
				r.Prev = make([]byte, 32)
			}
			r.Hash = audit.Hash(r.Prev, r)
			return r, nil
		}
	}
	_, err := st.AppendAudits(context.Background(), seals)
	tx.out = time.Now()
	return tx, err
}

// medianMicros is the middle duration, in µs.
func medianMicros(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Nanoseconds()) / 1e3
}
