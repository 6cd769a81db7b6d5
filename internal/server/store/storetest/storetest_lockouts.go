package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// reserve claims one try for id and fails the test on a store error.
func reserve(t *testing.T, s store.Store, id string, now time.Time, limit int, block time.Duration) (store.Lockout, bool) {
	t.Helper()
	l, ok, err := s.ReserveAttempt(context.Background(), id, now, limit, block)
	must(t, err)
	return l, ok
}

func testLockouts(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	const block = 15 * time.Minute
	l, err := s.Lockout(ctx, "anyone")
	must(t, err)
	if l != (store.Lockout{}) {
		t.Fatalf("fresh lockout = %+v", l)
	}
	for i := 1; i <= 2; i++ {
		l, ok := reserve(t, s, "bob", t0, 3, block)
		if !ok || l.Failures != i || l.Blocked(t0) {
			t.Fatalf("after %d failures: %+v, granted %v", i, l, ok)
		}
	}
	must(t, s.NoteAttempt(ctx, "bob", t0)) // not a failure
	l, ok := reserve(t, s, "bob", t0, 3, block)
	if !ok || !l.Blocked(t0) || !l.BlockedUntil.Equal(t0.Add(block)) || l.Failures != 0 {
		t.Fatalf("third failure: %+v, granted %v; want granted, blocked until t0+15m", l, ok)
	}
	// Tries while blocked are refused and never extend the block; they
	// are noted (written, as a counted one is).
	if _, ok := reserve(t, s, "bob", t0.Add(time.Minute), 3, block); ok {
		t.Fatal("try granted while blocked")
	}
	l, _ = s.Lockout(ctx, "bob")
	if !l.BlockedUntil.Equal(t0.Add(block)) || l.Failures != 0 {
		t.Fatalf("block extended or try counted: %+v", l)
	}
	if !l.LastAttempt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("refused try not noted: last attempt %v, want t0+1m", l.LastAttempt)
	}
	if l.Blocked(t0.Add(block)) {
		t.Fatal("still blocked when the block ends")
	}
	// After the block, three fresh tries.
	if l, ok = reserve(t, s, "bob", t0.Add(block), 3, block); !ok || l.Failures != 1 {
		t.Fatalf("first failure after block: %+v, granted %v", l, ok)
	}
	must(t, s.ClearLockout(ctx, "bob"))
	if l, _ := s.Lockout(ctx, "bob"); l.Failures != 0 || l.Blocked(t0) {
		t.Fatalf("after clear: %+v", l)
	}
	// Unknown IDs are counted too (see store.Lockouts).
	for range 3 {
		l, _ = reserve(t, s, "ghost", t0, 3, block)
	}
	if !l.Blocked(t0) {
		t.Fatal("unknown ID not counted like a known one")
	}
	// A limit of one blocks at the first try, which is still granted.
	if l, ok = reserve(t, s, "solo", t0, 1, block); !ok || !l.Blocked(t0) {
		t.Fatalf("limit 1, first try: %+v, granted %v", l, ok)
	}
	if _, ok = reserve(t, s, "solo", t0, 1, block); ok {
		t.Fatal("limit 1: second try granted")
	}
}

// testLockoutsConcurrent: failures racing on one ID are each counted, so
// parallel guessing cannot slip extra tries past the limit.
func testLockoutsConcurrent(t *testing.T, open func(*testing.T) store.Store) {
	ctx, s := context.Background(), openT(t, open)
	const n = 20
	var wg sync.WaitGroup
	var granted atomic.Int32
	for range n {
		wg.Go(func() {
			_, ok, err := s.ReserveAttempt(ctx, "bob", t0, n, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	l, _ := s.Lockout(ctx, "bob")
	if !l.Blocked(t0) || granted.Load() != n {
		t.Fatalf("%d concurrent failures with limit %d: %d granted, %+v; want all granted and blocked", n, n, granted.Load(), l)
	}
}

// testLockoutsReserveExact: ten tries racing on one ID through three
// handles of one database (three signaling nodes) get exactly three
// granted, the limit, whatever the interleaving; the ID is then blocked
// until cleared, and a clear gives three fresh tries.
func testLockoutsReserveExact(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	const tries, limit = 10, 3
	nodes := []store.Store{openT(t, open), openT(t, open), openT(t, open)}
	grants := func() int {
		var wg sync.WaitGroup
		var granted atomic.Int32
		start := make(chan struct{})
		for i := range tries {
			wg.Go(func() {
				<-start
				_, ok, err := nodes[i%len(nodes)].ReserveAttempt(ctx, "bob", t0, limit, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					granted.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		return int(granted.Load())
	}
	if n := grants(); n != limit {
		t.Fatalf("%d racing tries with limit %d: %d granted, want exactly %d", tries, limit, n, limit)
	}
	if l, _ := nodes[1].Lockout(ctx, "bob"); !l.Blocked(t0) {
		t.Fatalf("after the limit's tries: %+v, want blocked", l)
	}
	must(t, nodes[2].ClearLockout(ctx, "bob"))
	if n := grants(); n != limit {
		t.Fatalf("after a clear: %d granted, want %d", n, limit)
	}
}
