package signaling

import (
	"container/list"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
	"github.com/tandem-remote/tandem/internal/server/ratelimit"
)

// Per-source connection limits. Idle connections are dropped after
// helloTimeout, but a client that dials again at once could otherwise keep
// every slot of -max-conns; so each source (netprefix.Source: an IPv4
// address, an IPv6 /64) may hold only so many connections at once and open new ones
// only so fast. Sources are cheap to multiply (a home's /56 holds 256
// /64s, 200 IPv4 addresses are easy to come by), so the blocks around
// them are capped too: an IPv6 /56 (one subscriber) and /48 (one site),
// an IPv4 /24 (connCaps). And when the server is full, a newcomer from a
// network holding fewer connections takes the slot of the oldest
// connection not yet established (no hello yet) of the network holding
// the most, so that a newcomer from a quiet network always gets in.
//
// Two layers apply them:
//
//   - TCP accept (sourceListener), before the TLS handshake, where refusing
//     is cheapest: every connection of a source counts, at tcpPerSource of
//     its WebSocket bounds (room for the help page's and the API's HTTPS),
//     and each new one spends a token of its rate. A refused connection is
//     closed before TLS. Trusted proxies are exempt: they carry everyone.
//   - Every WebSocket upgrade on the public port, /v1/ws and the help
//     desk's alike (admitWebSockets), by the client's address (behind a
//     trusted proxy, the one it forwards): a source beyond its bounds or
//     rate gets 429 with Retry-After, a full server 503.
//
// With several nodes these limits stay per node, on purpose. What they
// protect is each node's own: its file descriptors (-max-conns and
// LimitNOFILE are a node's), its TLS handshakes, its slots; a source at
// its bound on each of three nodes holds on each no more than that node
// allows one source, and every node still keeps room for the quiet
// networks. Counting them across nodes would put a round trip to the
// other nodes, or a shared counter, before every accept, in front of the
// TLS handshake these limits exist to spare; would make accepting depend
// on NATS (refuse everyone, or no one, while it is down); and would leave
// the counts of a killed node's connections standing until some expiry,
// refusing its clients as they reconnect to the others, just when they
// must. What must hold across nodes is what guards secrets, and it does
// (throttle_cluster.go): failed joins and logins, lockouts, blocks.
const (
	// DefaultMaxConnsPerSource is the default bound on one source's
	// WebSockets: 50 live sessions from one office behind one NAT.
	DefaultMaxConnsPerSource = 100
	// DefaultNewConnsPerSource and DefaultNewConnsBurst bound how fast one
	// source opens connections: 20 a second after a burst of 200 (an
	// office's agents reconnecting at once after a restart).
	DefaultNewConnsPerSource = 20
	DefaultNewConnsBurst     = 200
	// networkShare is the share of -max-conns one network (IPv4 /24, IPv6
	// /48) may hold: eight such networks are needed to fill the server,
	// and the eviction below serves the others even then. A /56, one
	// subscriber's block, may hold a quarter of that.
	networkShare = 8
	siteShare    = 4
)

// perSourceFor is the default per-source WebSocket bound for a server
// holding maxConns: DefaultMaxConnsPerSource, or half of maxConns when that
// is smaller, so that one source never holds every slot.
func perSourceFor(maxConns int) int {
	return max(1, min(DefaultMaxConnsPerSource, maxConns/2))
}

// connCaps bounds the connections held at once: per source, per IPv6 /56
// (site), per network (IPv4 /24, IPv6 /48) and in total (0: no bound).
type connCaps struct{ source, site, network, total int }

// capsFor derives the WebSocket caps from -max-conns and
// -max-conns-per-source: the blocks' caps are shares of the server,
// never below one source's (an office needing more raises
// -max-conns-per-source, and they follow).
func capsFor(maxConns, perSource int) connCaps {
	network := max(perSource, maxConns/networkShare)
	return connCaps{source: perSource, site: max(perSource, network/siteShare), network: network, total: maxConns}
}

// tcp is the TCP connections' caps for c's WebSockets, with no total.
func (c connCaps) tcp() connCaps {
	return connCaps{source: tcpPerSource(c.source), site: tcpPerSource(c.site), network: tcpPerSource(c.network)}
}

// tcpPerSource is how many TCP connections of any kind one source may hold
// when it may hold n WebSockets: each WebSocket is one, and browsers and
// clients keep a few more for HTTPS requests.
func tcpPerSource(n int) int { return 2*n + 64 }

// Why a connection was refused, as the metrics label it.
const (
	refusedHeld    = "per-source-held"  // the source holds its bound already
	refusedNetwork = "per-network-held" // its /56, /48 or /24 holds its bound
	refusedRate    = "per-source-rate"  // the source opens connections too fast
	refusedFull    = "full"             // no slot, none to take from a busier network
)

// sourceLimits counts the connections each source and block holds and
// throttles the new ones. held has an entry only while its key holds a
// connection, so it is bounded by the connections themselves; the rate
// table is bounded by ratelimit.PerSource.
type sourceLimits struct {
	caps  connCaps
	rates *ratelimit.PerSource // new connections per source

	mu      sync.Mutex
	held    map[netip.Prefix]int        // per source, site and network
	total   int                         // connections held
	pending map[netip.Prefix]*list.List // per network: slots not yet established, oldest first (caps.total > 0)
	busiest *busiest                    // the networks in pending by their held counts
}

func newSourceLimits(caps connCaps, perSecond float64, burst int) *sourceLimits {
	every := time.Duration(float64(time.Second) / perSecond)
	return &sourceLimits{caps: caps, rates: ratelimit.NewPerSource(every, burst),
		held: map[netip.Prefix]int{}, pending: map[netip.Prefix]*list.List{}, busiest: newBusiest()}
}

// keysOf is addr's keys with their caps: source, site (IPv6 only) and
// network.
func (l *sourceLimits) keysOf(addr netip.Addr) ([]netip.Prefix, []int) {
	addr = addr.Unmap()
	source, network := netprefix.Source(addr), netprefix.Network(addr)
	if addr.Is4() {
		return []netip.Prefix{source, network}, []int{l.caps.source, l.caps.network}
	}
	site, _ := addr.Prefix(56)
	return []netip.Prefix{source, site, network}, []int{l.caps.source, l.caps.site, l.caps.network}
}

// admit counts one new connection from addr at now. It returns its slot,
// to release once when that connection ends, or why it is refused ("")
// and when to try again. On a full server it may take the slot of another
// network's connection, which it closes.
func (l *sourceLimits) admit(addr netip.Addr, now time.Time) (_ *slot, refused string, retry time.Duration) {
	keys, caps := l.keysOf(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, k := range keys {
		if l.held[k] >= caps[i] {
			if i == 0 {
				return nil, refusedHeld, helloTimeout // idle ones are dropped by then
			}
			return nil, refusedNetwork, helloTimeout
		}
	}
	var victim *slot
	if l.caps.total > 0 && l.total >= l.caps.total {
		if victim = l.victimLocked(keys[len(keys)-1]); victim == nil {
			return nil, refusedFull, helloTimeout
		}
	}
	if ok, wait := l.rates.Wait(addr, now); !ok {
		return nil, refusedRate, wait
	}
	if victim != nil {
		l.releaseLocked(victim)
		victim.evict()
	}
	return l.holdLocked(keys), "", 0
}

func (l *sourceLimits) holdLocked(keys []netip.Prefix) *slot {
	s := &slot{l: l, keys: keys}
	network := keys[len(keys)-1]
	l.unindexLocked(network)
	defer l.indexLocked(network)
	for _, k := range keys {
		l.held[k]++
	}
	l.total++
	if l.caps.total > 0 {
		if l.pending[network] == nil {
			l.pending[network] = list.New()
		}
		s.pending = l.pending[network].PushBack(s)
	}
	return s
}

// victimLocked is the oldest slot not yet established of the network
// holding the most connections, if that network holds at least two more
// than network does (so two networks do not take turns); nil if none.
func (l *sourceLimits) victimLocked(network netip.Prefix) *slot {
	n, held := l.busiest.most()
	if held <= l.held[network]+1 {
		return nil
	}
	return l.pending[n].Front().Value.(*slot)
}

// indexLocked and unindexLocked keep network in busiest while it has a
// slot in pending; call unindexLocked before its counts change and
// indexLocked after.
func (l *sourceLimits) indexLocked(network netip.Prefix) {
	if l.pending[network] != nil {
		l.busiest.add(network, l.held[network])
	}
}

func (l *sourceLimits) unindexLocked(network netip.Prefix) {
	if l.pending[network] != nil {
		l.busiest.remove(network, l.held[network])
	}
}

// releaseLocked gives s's counts back, once.
func (l *sourceLimits) releaseLocked(s *slot) {
	if s.released {
		return
	}
	s.released = true
	network := s.keys[len(s.keys)-1]
	l.unindexLocked(network)
	defer l.indexLocked(network)
	for _, k := range s.keys {
		if l.held[k]--; l.held[k] <= 0 {
			delete(l.held, k)
		}
	}
	l.total--
	l.dropPendingLocked(s)
}

func (l *sourceLimits) dropPendingLocked(s *slot) {
	if s.pending == nil {
		return
	}
	network := s.keys[len(s.keys)-1]
	if pend := l.pending[network]; pend != nil {
		pend.Remove(s.pending)
		if pend.Len() == 0 {
			delete(l.pending, network)
		}
	}
	s.pending = nil
}

// sweep forgets rate entries idle long enough to be full again.
func (l *sourceLimits) sweep(now time.Time) { l.rates.Sweep(now) }

// slot is one admitted connection's place in sourceLimits. Its counts are
// given back exactly once: by release, or by a newcomer evicting it.
type slot struct {
	l        *sourceLimits
	keys     []netip.Prefix
	released bool          // guarded by l.mu
	pending  *list.Element // in l.pending until established; guarded by l.mu

	mu      sync.Mutex
	conn    io.Closer // what evict closes, once attached
	evicted bool
}

// release gives the slot back; later calls do nothing.
func (s *slot) release() {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	s.l.releaseLocked(s)
}

// establish marks the connection as one that has proved itself (its hello
// was accepted): a newcomer no longer takes its slot.
func (s *slot) establish() {
	s.l.mu.Lock()
	defer s.l.mu.Unlock()
	network := s.keys[len(s.keys)-1]
	s.l.unindexLocked(network)
	defer s.l.indexLocked(network)
	s.l.dropPendingLocked(s)
}

// attach names the connection evict closes; one already evicted is
// closed at once. Of a TLS connection it keeps the socket, whose close
// does not wait on the peer as TLS's close_notify may.
func (s *slot) attach(c io.Closer) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.evicted {
		c.Close()
		return
	}
	s.conn = c
}

// evict closes the slot's connection (now, or when attached). Its counts
// are already given back.
func (s *slot) evict() {
	s.mu.Lock()
	c := s.conn
	s.evicted = true
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// retryAfter is d as a Retry-After value: whole seconds, at least one.
func retryAfter(d time.Duration) string {
	return fmt.Sprint(max(1, int((d+time.Second-1)/time.Second)))
}

// sourceListener applies sourceLimits at TCP accept, before TLS.
type sourceListener struct {
	net.Listener
	limits  *sourceLimits
	exempt  []netip.Prefix // trusted proxies
	now     func() time.Time
	refused func(reason string)
}

// Accept returns the next connection its source may open, closing the
// others unread.
func (l *sourceListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := connAddr(c)
		if !addr.IsValid() || l.isExempt(addr) {
			return c, nil
		}
		slot, refused, _ := l.limits.admit(addr, l.now())
		if refused == "" {
			return &sourceConn{Conn: c, slot: slot}, nil
		}
		l.refused(refused)
		c.Close()
	}
}

func (l *sourceListener) isExempt(addr netip.Addr) bool {
	for _, p := range l.exempt {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func connAddr(c net.Conn) netip.Addr {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// sourceConn gives its source's slot back when closed.
type sourceConn struct {
	net.Conn
	slot *slot
}

func (c *sourceConn) Close() error {
	c.slot.release()
	return c.Conn.Close()
}

// normalizeAll is prefixes in netprefix's one form, to match unmapped
// client addresses.
func normalizeAll(prefixes []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, len(prefixes))
	for i, p := range prefixes {
		out[i] = netprefix.Normalize(p)
	}
	return out
}
