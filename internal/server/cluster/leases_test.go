package cluster

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/store/pgtest"
)

// openLeases gives t an empty PostgreSQL database with the leases table,
// opened as a node opens it: through the store.
func openLeases(t *testing.T) (*Leases, *sql.DB) {
	t.Helper()
	pg := pgtest.Shared(t)
	st, err := store.Open(context.Background(), pg.NewDatabase(t), pg.PasswordFile())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l, err := OpenLeases(context.Background(), st.DB())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLeases(context.Background(), st.DB()); err != nil {
		t.Fatalf("a second node opening the leases: %v", err)
	}
	return l, st.DB()
}

func testLease(id, code string, now time.Time) Lease {
	h := sha256.Sum256([]byte(code))
	return Lease{Session: id, CodeHash: h[:], CodeExpires: now.Add(10 * time.Minute), Ends: now.Add(8 * time.Hour), Operator: []byte(`{"ID":"alice"}`)}
}

// TestClaimOnce: a code opened on node a is claimed by exactly one of many
// nodes trying at once, which learns the session, its operator and the
// technician's node; the code then names nothing.
func TestClaimOnce(t *testing.T) {
	l, _ := openLeases(t)
	ctx, now := context.Background(), time.Now()
	le := testLease("s1", "123456789", now)
	if err := l.Open(ctx, le, "a", now); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var won []Lease
	var wg sync.WaitGroup
	for _, node := range []string{"b", "c", "d", "e"} {
		wg.Go(func() {
			got, err := l.Claim(ctx, le.CodeHash, "", node, nil, now)
			if errors.Is(err, ErrNoLease) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			won = append(won, got)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("%d nodes claimed the code, want 1", len(won))
	}
	if g := won[0]; g.Session != "s1" || g.TechNode != "a" || string(g.Operator) != `{"ID":"alice"}` || !g.Ends.Equal(le.Ends.Truncate(time.Microsecond)) {
		t.Errorf("claimed %+v", g)
	}
	if _, err := l.Claim(ctx, le.CodeHash, "", "b", nil, now); !errors.Is(err, ErrNoLease) {
		t.Errorf("second claim: %v, want ErrNoLease", err)
	}
}

// TestClaimRefused: an expired code, a lease no node renewed, a session
// whose technician left, and a session by ID once joined are not claimed.
func TestClaimRefused(t *testing.T) {
	l, _ := openLeases(t)
	ctx, now := context.Background(), time.Now()
	for _, tc := range []struct {
		name  string
		setup func(Lease)
		at    time.Time
	}{
		{"code expired", func(Lease) {}, now.Add(11 * time.Minute)},
		{"lease not renewed", func(Lease) {}, now.Add(LeaseTTL + time.Second)},
		{"technician left", func(le Lease) { l.Leave(ctx, le.Session, true, "a") }, now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			le := testLease("s-"+tc.name, "code "+tc.name, now)
			if err := l.Open(ctx, le, "a", now); err != nil {
				t.Fatal(err)
			}
			tc.setup(le)
			if _, err := l.Claim(ctx, le.CodeHash, "", "b", nil, tc.at); !errors.Is(err, ErrNoLease) {
				t.Errorf("claim: %v, want ErrNoLease", err)
			}
		})
	}
	le := testLease("by-id", "987654321", now)
	if err := l.Open(ctx, le, "a", now); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Claim(ctx, nil, "by-id", "b", nil, now); err != nil {
		t.Fatalf("claim by ID (a ticket): %v", err)
	}
	if _, err := l.Claim(ctx, le.CodeHash, "", "c", nil, now); !errors.Is(err, ErrNoLease) {
		t.Errorf("the code after a ticket's join: %v, want ErrNoLease", err)
	}
}

// TestCodeTakenThenFreed: a live session's code cannot be opened again by
// another node; once that code has expired it can.
func TestCodeTakenThenFreed(t *testing.T) {
	l, _ := openLeases(t)
	ctx, now := context.Background(), time.Now()
	if err := l.Open(ctx, testLease("first", "111111111", now), "a", now); err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, testLease("second", "111111111", now), "b", now); !errors.Is(err, ErrCodeTaken) {
		t.Fatalf("same code, live: %v, want ErrCodeTaken", err)
	}
	later := now.Add(11 * time.Minute)
	if err := l.Open(ctx, testLease("third", "111111111", later), "b", later); err != nil {
		t.Fatalf("same code after its expiry: %v", err)
	}
}

// TestLastSideDropsLease: the lease lasts while either side is held, and
// only the last side's leave reports the end; Renew keeps held leases and
// removes the ones nobody renewed.
func TestLastSideDropsLease(t *testing.T) {
	l, db := openLeases(t)
	ctx, now := context.Background(), time.Now()
	le := testLease("s", "222222222", now)
	if err := l.Open(ctx, le, "a", now); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Claim(ctx, le.CodeHash, "", "b", nil, now); err != nil {
		t.Fatal(err)
	}
	if last, err := l.Leave(ctx, "s", false, "b"); err != nil || last {
		t.Fatalf("agent left: last %v, %v; want false (the technician is still held)", last, err)
	}
	if last, err := l.Leave(ctx, "s", true, "a"); err != nil || !last {
		t.Fatalf("technician left: last %v, %v; want true", last, err)
	}
	if n := count(t, db); n != 0 {
		t.Fatalf("%d leases after both sides left", n)
	}
	for _, id := range []string{"kept", "lost"} {
		if err := l.Open(ctx, testLease(id, id, now), "a", now); err != nil {
			t.Fatal(err)
		}
	}
	later := now.Add(LeaseTTL / 2)
	if err := l.Renew(ctx, []string{"kept"}, later); err != nil {
		t.Fatal(err)
	}
	if err := l.Renew(ctx, []string{"kept"}, now.Add(LeaseTTL+time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 1 {
		t.Errorf("%d leases, want only the renewed one", n)
	}
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM cluster_session_leases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOneSetupToken: while one node's setup token is live no other node
// issues one (the store keeps one token; a second would void the
// first's); once it has expired another may, and a node restarting
// before then may again.
func TestOneSetupToken(t *testing.T) {
	l, _ := openLeases(t)
	ctx, now := context.Background(), time.Now()
	hour := now.Add(time.Hour)
	if _, _, mine, err := l.ClaimSetupToken(ctx, "a", hour, now); err != nil || !mine {
		t.Fatalf("first node: mine %v, %v", mine, err)
	}
	holder, end, mine, err := l.ClaimSetupToken(ctx, "b", hour, now)
	if err != nil || mine || holder != "a" || !end.Equal(hour.Truncate(time.Microsecond)) {
		t.Fatalf("second node: holder %q until %v, mine %v, %v; want a's", holder, end, mine, err)
	}
	if _, _, mine, _ := l.ClaimSetupToken(ctx, "a", hour, now); !mine {
		t.Error("the first node restarting could not issue its token again")
	}
	later := hour.Add(time.Second)
	if _, _, mine, err := l.ClaimSetupToken(ctx, "b", later.Add(time.Hour), later); err != nil || !mine {
		t.Errorf("after the first token's end: mine %v, %v", mine, err)
	}
}

// TestTicketsAnyNode: a ticket recorded for a live, unjoined session is
// found once, by any node; none is recorded for a joined session, nor more
// than max for one session.
func TestTicketsAnyNode(t *testing.T) {
	l, _ := openLeases(t)
	ctx, now := context.Background(), time.Now()
	le := testLease("s", "333333333", now)
	if err := l.Open(ctx, le, "a", now); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Lookup(ctx, le.CodeHash, now); err != nil || got.Session != "s" || got.TechNode != "a" {
		t.Fatalf("lookup: %+v, %v", got, err)
	}
	h := sha256.Sum256([]byte("ticket"))
	exp, err := l.AddTicket(ctx, h[:], "s", 2, now)
	if err != nil || !exp.Equal(le.CodeExpires.Truncate(time.Microsecond)) {
		t.Fatalf("add ticket: expires %v, %v; want the code's expiry", exp, err)
	}
	h2 := sha256.Sum256([]byte("ticket 2"))
	if _, err := l.AddTicket(ctx, h2[:], "s", 2, now); err != nil {
		t.Fatal(err)
	}
	h3 := sha256.Sum256([]byte("ticket 3"))
	if _, err := l.AddTicket(ctx, h3[:], "s", 2, now); !errors.Is(err, ErrTooManyTickets) {
		t.Errorf("third ticket with max 2: %v", err)
	}
	if id, err := l.UseTicket(ctx, h[:], now); err != nil || id != "s" {
		t.Fatalf("use ticket: %q, %v", id, err)
	}
	if _, err := l.UseTicket(ctx, h[:], now); !errors.Is(err, ErrNoLease) {
		t.Errorf("ticket used twice: %v", err)
	}
	if _, err := l.Claim(ctx, nil, "s", "b", nil, now); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Lookup(ctx, le.CodeHash, now); !errors.Is(err, ErrNoLease) {
		t.Errorf("lookup after the join: %v", err)
	}
	h4 := sha256.Sum256([]byte("ticket 4"))
	if _, err := l.AddTicket(ctx, h4[:], "s", 16, now); !errors.Is(err, ErrNoLease) {
		t.Errorf("ticket for a joined session: %v", err)
	}
}
