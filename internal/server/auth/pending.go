package auth

import (
	"container/list"
	"encoding/base64"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
)

// Pending logins are held between start and finish. Starting a login costs
// a client little (startlimit.go bounds how often), so the table must not
// let anyone who starts many of them lock others out. It groups entries
// twice: by source (an IPv4 address, an IPv6 /64: netprefix.Source) and
// by aggregate (an IPv4 /24, an IPv6 /48: netprefix.Network), the block one
// network (an office, a site, a tunnel broker's customer) usually holds.
//
//   - A source holds at most maxPendingSource; its next start replaces its
//     own oldest.
//   - An aggregate holds at most an eighth of the table; its next start
//     replaces its own oldest.
//   - When the table is full, a start from anyone replaces the oldest entry
//     of the source holding the most; when every source holds one, the
//     oldest entry of the aggregate holding the most; only when every
//     aggregate holds one is it the oldest entry overall. So a source
//     holding few is never refused and keeps its entries while any other
//     source, then any other aggregate, holds more: a flood from many
//     addresses in few networks pushes out its own entries first, and
//     needs as many aggregates as the table has entries to touch a quiet
//     operator's.
//   - An entry lives pendingTTL: long enough for a slow client's PBKDF2.
//
// Nothing here depends on whether the ID exists: a start for an unknown ID
// takes and loses its place like any other.
const (
	pendingTTL       = 30 * time.Second
	maxPending       = 10_000
	maxPendingSource = 16
)

// pendingTable is the set of pending logins. Every operation is O(1)
// amortized. It is not safe for concurrent use (Service.mu guards it).
type pendingTable struct {
	max, perSource, perNet int
	ttl                    time.Duration

	byID    map[string]*pendingLogin
	order   list.List // of *pendingLogin, oldest first (so also by expiry)
	sources tally     // by netprefix.Source
	nets    tally     // by netprefix.Network
}

func newPendingTable(size, perSource int, ttl time.Duration) *pendingTable {
	perNet := max(size/8, perSource)
	return &pendingTable{max: size, perSource: perSource, perNet: perNet, ttl: ttl,
		byID: map[string]*pendingLogin{}, sources: newTally(perSource), nets: newTally(perNet)}
}

// add stores p under a new random login ID, making room as the rules above
// say; it never refuses.
func (t *pendingTable) add(p *pendingLogin, now time.Time) string {
	t.expire(now)
	p.key, p.net = netprefix.Source(p.src), netprefix.Network(p.src)
	if g := t.sources.get(p.key); g != nil && g.entries.Len() >= t.perSource {
		t.remove(g.oldest())
	}
	if g := t.nets.get(p.net); g != nil && g.entries.Len() >= t.perNet {
		t.remove(g.oldest())
	}
	if len(t.byID) >= t.max {
		t.evict()
	}
	t.insert(p, now)
	return p.loginID
}

func (t *pendingTable) insert(p *pendingLogin, now time.Time) {
	p.loginID = randomID()
	p.expires = now.Add(t.ttl)
	p.elem = t.order.PushBack(p)
	t.byID[p.loginID] = p
	p.srcElem = t.sources.add(p.key, p)
	p.netElem = t.nets.add(p.net, p)
}

// take removes and returns loginID's entry, nil if there is none or it
// has expired.
func (t *pendingTable) take(loginID string, now time.Time) *pendingLogin {
	p := t.byID[loginID]
	if p == nil {
		return nil
	}
	t.remove(p)
	if now.After(p.expires) {
		return nil
	}
	return p
}

// evict removes the oldest entry of the source holding the most or, when
// every source holds one, of the aggregate holding the most, or when every
// aggregate holds one too, the oldest entry overall.
func (t *pendingTable) evict() {
	var victim *pendingLogin
	switch src, net := t.sources.largest(), t.nets.largest(); {
	case src == nil:
		return
	case src.entries.Len() > 1:
		victim = src.oldest()
	case net.entries.Len() > 1:
		victim = net.oldest()
	default:
		victim = t.order.Front().Value.(*pendingLogin)
	}
	t.remove(victim)
}

func (t *pendingTable) expire(now time.Time) {
	for e := t.order.Front(); e != nil && now.After(e.Value.(*pendingLogin).expires); e = t.order.Front() {
		t.remove(e.Value.(*pendingLogin))
	}
}

func (t *pendingTable) remove(p *pendingLogin) {
	delete(t.byID, p.loginID)
	t.order.Remove(p.elem)
	t.sources.remove(p.key, p.srcElem)
	t.nets.remove(p.net, p.netElem)
}

// held reports how many entries key's source holds.
func (t *pendingTable) held(key netip.Prefix) int { return t.sources.held(key) }

func randomID() string { return base64.RawURLEncoding.EncodeToString(randomBytes(16)) }
