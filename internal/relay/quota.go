package relay

import (
	"net"
	"sync"
)

// quotas counts open allocations per TURN username and in total, like
// livekit's turnquota, so one credential (one session) cannot exhaust the
// relay's ports.
//
// pion asks the QuotaHandler before it creates an allocation, and creation
// can still fail after that (no free port). So the handler reserves a slot
// and remembers it by client address; OnAllocationCreated turns the
// reservation into an allocation, and OnAllocationError, which pion calls
// when the same request fails, gives it back. Both happen within the one
// request, so at most one reservation per client address is pending.
// Reserving up front keeps the count exact when TCP connections allocate
// concurrently.
type quotas struct {
	perUser, total int

	mu      sync.Mutex
	users   map[string]int    // username -> allocations open or reserved
	count   int               // sum of users
	pending map[string]string // client address -> username, reserved not yet created
}

func newQuotas(perUser, total int) *quotas {
	return &quotas{perUser: perUser, total: total, users: map[string]int{}, pending: map[string]string{}}
}

func addrKey(a net.Addr) string { return a.Network() + "/" + a.String() }

// reserve takes a slot for user or names the quota that is full.
func (q *quotas) reserve(user string, src net.Addr) (full string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.count >= q.total:
		return "total"
	case q.users[user] >= q.perUser:
		return "user"
	}
	k := addrKey(src)
	if old, ok := q.pending[k]; ok {
		q.releaseLocked(old) // cannot happen (see above); never leak a slot
	}
	q.users[user]++
	q.count++
	q.pending[k] = user
	return ""
}

// created confirms the reservation for src.
func (q *quotas) created(src net.Addr) {
	q.mu.Lock()
	delete(q.pending, addrKey(src))
	q.mu.Unlock()
}

// failed returns the slot reserved for src, if any.
func (q *quotas) failed(src net.Addr) {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := addrKey(src)
	if user, ok := q.pending[k]; ok {
		delete(q.pending, k)
		q.releaseLocked(user)
	}
}

// released returns the slot of a closed allocation.
func (q *quotas) released(user string) {
	q.mu.Lock()
	q.releaseLocked(user)
	q.mu.Unlock()
}

func (q *quotas) releaseLocked(user string) {
	if q.users[user] <= 1 {
		delete(q.users, user)
	} else {
		q.users[user]--
	}
	if q.count > 0 {
		q.count--
	}
}
