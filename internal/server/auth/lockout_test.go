package auth

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// TestThreeTries: three wrong passwords block the ID; while blocked even
// the right password is refused; an administrator's unlock lifts it.
func TestThreeTries(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	for range 3 {
		_, err := e.login("bob", "wrong "+goodPassword)
		wantLoginFailed(t, err)
	}
	_, err := e.login("bob", goodPassword)
	wantLoginFailed(t, err)
	if n := e.countEvents(EventIDBlocked); n != 1 {
		t.Fatalf("%d id-blocked events, want 1", n)
	}
	l, _ := e.service().Lockout(context.Background(), "bob")
	if !l.BlockedUntil.Equal(e.clock.Now().Add(15 * time.Minute)) {
		t.Fatalf("blocked until %v, want now+15m", l.BlockedUntil)
	}
	if err := e.service().Unlock(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	e.mustLogin("bob", goodPassword)
}

// TestBlockExpires: the block is temporary, and a success resets the count
// so failures must be consecutive.
func TestBlockExpires(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SourceBurst = 20 })
	e.addOperator("bob", goodPassword)
	for range 2 {
		e.login("bob", "wrong")
	}
	e.mustLogin("bob", goodPassword) // resets
	for range 2 {
		e.login("bob", "wrong")
	}
	e.mustLogin("bob", goodPassword) // still only two in a row
	for range 3 {
		e.login("bob", "wrong")
	}
	e.clock.Add(15*time.Minute - time.Second)
	_, err := e.login("bob", goodPassword)
	wantLoginFailed(t, err)
	e.clock.Add(time.Second)
	e.mustLogin("bob", goodPassword)
}

// TestLockoutSurvivesRestart: the block is in the database, so closing and
// reopening the store (a server restart) does not lift it.
func TestLockoutSurvivesRestart(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	for range 3 {
		e.login("bob", "wrong")
	}
	e.restart()
	_, err := e.login("bob", goodPassword)
	wantLoginFailed(t, err)
	// Two failures, a restart, one more: still three in a row.
	e.clock.Add(15 * time.Minute)
	for range 2 {
		e.login("bob", "wrong")
	}
	e.restart()
	e.login("bob", "wrong")
	_, err = e.login("bob", goodPassword)
	wantLoginFailed(t, err)
}

// TestThrottleBeforeLockout: one source spraying wrong passwords across
// many IDs is throttled after SourceBurst failures, long before it can
// lock many out; another source is unaffected.
func TestThrottleBeforeLockout(t *testing.T) {
	e := newEnv(t, nil) // default burst 5
	ctx := context.Background()
	for i := range 10 {
		e.addOperator(fmt.Sprintf("op%d", i), goodPassword)
	}
	e.remote.Store("198.51.100.9:4000")
	throttled := 0
	for i := range 10 {
		for range 3 {
			if _, err := e.login(fmt.Sprintf("op%d", i), "wrong"); err == login.ErrThrottled || errorsIsThrottled(err) {
				throttled++
			}
		}
	}
	if throttled < 30-5 {
		t.Fatalf("%d of 30 attempts throttled, want all but the first 5", throttled)
	}
	blocked := 0
	for i := range 10 {
		if l, _ := e.service().Lockout(ctx, fmt.Sprintf("op%d", i)); l.Blocked(e.clock.Now()) {
			blocked++
		}
	}
	if blocked > 5/3 {
		t.Fatalf("%d IDs blocked; throttling should have allowed at most %d", blocked, 5/3)
	}
	// Even the right password is refused from the throttled source...
	if _, err := e.login("op5", goodPassword); !errorsIsThrottled(err) {
		t.Fatalf("throttled source got %v, want login.ErrThrottled", err)
	}
	// ...but the operator logs in from elsewhere, and the source recovers.
	e.remote.Store("203.0.113.5:4000")
	e.mustLogin("op5", goodPassword)
	e.remote.Store("198.51.100.9:4000")
	e.clock.Add(3 * time.Minute)
	e.mustLogin("op6", goodPassword)
}

// TestThrottleGroupsIPv6By64: rotating addresses inside one /64 buys no
// extra tries.
func TestThrottleGroupsIPv6By64(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("bob", goodPassword)
	for i := range 5 {
		e.remote.Store(fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1))
		e.login("nobody", "wrong")
	}
	e.remote.Store("[2001:db8:1:2:ffff::1]:4000")
	if _, err := e.login("bob", goodPassword); !errorsIsThrottled(err) {
		t.Fatalf("got %v, want throttled for the whole /64", err)
	}
}
