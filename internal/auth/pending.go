package auth

import (
	"container/list"
	"encoding/base64"
	"net/netip"
	"slices"
	"time"
)

// Pending logins are held between start and finish. Starting a login costs
// a client nothing, so the table must not let anyone who starts many of
// them lock others out:
//
//   - A source (an IPv4 address, an IPv6 /64: sourceKey) holds at most
//     maxPendingSource; its next start replaces its own oldest.
//   - An IPv6 /48 (one site's allocation: 65 536 /64s) holds at most an
//     eighth of the table; its next start replaces its own oldest.
//   - When the table is full, a start from anyone replaces the oldest entry
//     of the source holding the most; only when every source holds one is
//     it the oldest entry overall. So a source holding few is never refused
//     and keeps its entries while any other holds more, and a flood needs
//     as many /64s as the table has entries, in more than eight /48s, to
//     touch anyone else's.
//   - An entry lives pendingTTL: long enough for a slow client's PBKDF2.
//
// Nothing here depends on whether the ID exists: a start for an unknown ID
// takes and loses its place like any other.
const (
	pendingTTL       = 30 * time.Second
	maxPending       = 10_000
	maxPendingSource = 16
	pendingNetBits   = 48 // IPv6 only: IPv4 addresses are too scarce to need it
)

// pendingTable is the set of pending logins. Every operation is
// O(maxPendingSource) at most. It is not safe for concurrent use (Service.mu
// guards it).
type pendingTable struct {
	max, perSource, perNet int
	ttl                    time.Duration

	byID    map[string]*pendingLogin
	order   list.List // of *pendingLogin, oldest first (so also by expiry)
	sources map[netip.Prefix]*pendingSource
	bySize  []list.List                 // bySize[n]: of *pendingSource holding n, in the order they came to n
	nets    map[netip.Prefix]*list.List // IPv6 /48 -> its *pendingLogin, oldest first
}

// pendingSource is what one source holds.
type pendingSource struct {
	key     netip.Prefix
	entries []*pendingLogin // oldest first
	elem    *list.Element   // in bySize[len(entries)]
}

func newPendingTable(size, perSource int, ttl time.Duration) *pendingTable {
	return &pendingTable{max: size, perSource: perSource, perNet: max(size/8, perSource), ttl: ttl,
		byID: map[string]*pendingLogin{}, sources: map[netip.Prefix]*pendingSource{},
		bySize: make([]list.List, perSource+1), nets: map[netip.Prefix]*list.List{}}
}

// add stores p under a new random login ID, making room as the rules above
// say; it never refuses.
func (t *pendingTable) add(p *pendingLogin, now time.Time) string {
	t.expire(now)
	p.key = sourceKey(p.src)
	if src := t.sources[p.key]; src != nil && len(src.entries) >= t.perSource {
		t.remove(src.entries[0])
	}
	if net := t.nets[netKey(p.src)]; net != nil && net.Len() >= t.perNet {
		t.remove(net.Front().Value.(*pendingLogin))
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
	src := t.sources[p.key]
	if src == nil {
		src = &pendingSource{key: p.key}
		t.sources[p.key] = src
	} else {
		t.bySize[len(src.entries)].Remove(src.elem)
	}
	src.entries = append(src.entries, p)
	src.elem = t.bySize[len(src.entries)].PushBack(src)
	if n := netKey(p.src); n.IsValid() {
		if t.nets[n] == nil {
			t.nets[n] = list.New()
		}
		p.netElem = t.nets[n].PushBack(p)
	}
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

// evict removes the oldest entry of the source holding the most.
func (t *pendingTable) evict() {
	for n := t.perSource; n > 1; n-- {
		if e := t.bySize[n].Front(); e != nil {
			t.remove(e.Value.(*pendingSource).entries[0])
			return
		}
	}
	if e := t.order.Front(); e != nil {
		t.remove(e.Value.(*pendingLogin))
	}
}

func (t *pendingTable) expire(now time.Time) {
	for e := t.order.Front(); e != nil && now.After(e.Value.(*pendingLogin).expires); e = t.order.Front() {
		t.remove(e.Value.(*pendingLogin))
	}
}

func (t *pendingTable) remove(p *pendingLogin) {
	delete(t.byID, p.loginID)
	t.order.Remove(p.elem)
	if n := netKey(p.src); n.IsValid() {
		net := t.nets[n]
		net.Remove(p.netElem)
		if net.Len() == 0 {
			delete(t.nets, n)
		}
	}
	src := t.sources[p.key]
	t.bySize[len(src.entries)].Remove(src.elem)
	if i := slices.Index(src.entries, p); i >= 0 {
		src.entries = slices.Delete(src.entries, i, i+1)
	}
	if len(src.entries) == 0 {
		delete(t.sources, p.key)
		return
	}
	src.elem = t.bySize[len(src.entries)].PushBack(src)
}

// netKey is src's IPv6 /48, or no prefix for IPv4.
func netKey(src netip.Addr) netip.Prefix {
	if src = src.Unmap(); !src.Is6() {
		return netip.Prefix{}
	}
	p, _ := src.Prefix(pendingNetBits)
	return p
}

// held reports how many entries key's source holds.
func (t *pendingTable) held(key netip.Prefix) int {
	if src := t.sources[key]; src != nil {
		return len(src.entries)
	}
	return 0
}

func randomID() string { return base64.RawURLEncoding.EncodeToString(randomBytes(16)) }
