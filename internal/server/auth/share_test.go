package auth

import (
	"net/netip"
	"sync"
	"testing"
)

// TestSharedThrottle: two services (two signaling nodes) told of each
// other's failures throttle a source spraying wrong passwords over both as
// one: after SourceBurst failures in all, both refuse it, even with the
// right password; another source is not affected, and a service no longer
// sharing stops telling.
func TestSharedThrottle(t *testing.T) {
	a, b := newEnv(t, nil), newEnv(t, nil) // default burst 5
	a.addOperator("bob", goodPassword)
	b.addOperator("bob", goodPassword)
	var mu sync.Mutex
	told := map[string]int{}
	toldBy := func(name string) int {
		mu.Lock()
		defer mu.Unlock()
		return told[name]
	}
	link := func(from, to *env, name string) {
		from.service().ShareFailures(func(src netip.Addr) {
			mu.Lock()
			told[name]++
			mu.Unlock()
			to.service().CountFailure(src)
		})
	}
	link(a, b, "a")
	link(b, a, "b")
	for _, e := range []*env{a, b} {
		e.remote.Store("198.51.100.7:4000")
	}
	envs := []*env{a, b}
	for i := range 5 {
		_, err := envs[i%2].login("nobody", "wrong")
		wantLoginFailed(t, err)
	}
	for i, e := range envs {
		if _, err := e.login("bob", goodPassword); !errorsIsThrottled(err) {
			t.Errorf("service %d after five failures spread over two: %v, want throttled", i+1, err)
		}
	}
	if na, nb := toldBy("a"), toldBy("b"); na != 3 || nb != 2 {
		t.Errorf("failures told: a %d, b %d; want 3 and 2", na, nb)
	}
	b.remote.Store("203.0.113.8:4000")
	b.mustLogin("bob", goodPassword)

	a.service().ShareFailures(nil)
	a.remote.Store("203.0.113.9:4000")
	a.login("nobody", "wrong")
	if n := toldBy("a"); n != 3 {
		t.Errorf("a told %d failures after it stopped sharing, want 3", n)
	}
}
