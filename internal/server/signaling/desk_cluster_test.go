package signaling

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/helpdesk"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// TestDeskSharedOnPostgres: the help desk's shared record on PostgreSQL
// keeps the contract helpdesk.Shared states (and its tests' in-memory
// record follows): a conversation is created once; an event is recorded
// only over the number of events the writer knew, so of eight nodes
// adding the same next event at once exactly one wins; an ended one takes
// nothing more, is not listed open, and is forgotten after its time.
func TestDeskSharedOnPostgres(t *testing.T) {
	pg, err := pgtest.Start(context.Background(), pgtest.Options{})
	if errors.Is(err, pgtest.ErrNoBinaries) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Stop() })
	ctx := context.Background()
	st, err := store.Open(ctx, pg.NewDatabase(t), pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := openDeskShared(ctx, st.DB(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openDeskShared(ctx, st.DB(), nil, nil); err != nil {
		t.Fatalf("a second node opening the table: %v", err)
	}
	if err := d.Put(ctx, "c1", -1, 0, []byte("v0"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "c1", -1, 0, []byte("again"), time.Time{}); !errors.Is(err, helpdesk.ErrStale) {
		t.Fatalf("creating it twice: %v", err)
	}
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := d.Put(ctx, "c1", 0, 1, fmt.Appendf(nil, "v1 by %d", i), time.Time{})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, helpdesk.ErrStale):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d of 8 nodes recorded event 1, want 1", wins)
	}
	if open, err := d.Open(ctx); err != nil || len(open) != 1 {
		t.Fatalf("open conversations: %d, %v", len(open), err)
	}
	ended := time.Now()
	if err := d.Put(ctx, "c1", 1, 2, []byte("v2 closed"), ended); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "c1", 2, 3, []byte("after the end"), time.Time{}); !errors.Is(err, helpdesk.ErrStale) {
		t.Fatalf("an event after the end: %v", err)
	}
	if b, err := d.Get(ctx, "c1"); err != nil || string(b) != "v2 closed" {
		t.Fatalf("get: %q, %v", b, err)
	}
	if open, err := d.Open(ctx); err != nil || len(open) != 0 {
		t.Fatalf("open conversations after the end: %d, %v", len(open), err)
	}
	if err := d.Forget(ctx, ended.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, "c1"); err != nil {
		t.Fatalf("forgotten before its time: %v", err)
	}
	if err := d.Forget(ctx, ended.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, "c1"); !errors.Is(err, helpdesk.ErrStale) {
		t.Fatalf("after forgetting: %v", err)
	}
}
