package signaling

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/netprefix"
)

// Per-source connection limits. Idle connections are dropped after
// helloTimeout, but a client that dials again at once could otherwise keep
// every slot of -max-conns; so each source (sourceKey: an IPv4 address, an
// IPv6 /64) may hold only so many connections at once and open new ones
// only so fast. Two layers apply them:
//
//   - TCP accept (sourceListener), before the TLS handshake, where refusing
//     is cheapest: every connection of a source counts, at tcpPerSource of
//     its WebSocket bound (room for the help page's and the API's HTTPS),
//     and each new one spends a token of its rate. A refused connection is
//     closed before TLS. Trusted proxies are exempt: they carry everyone.
//   - The WebSocket upgrade (serveWS), by the client's address (behind a
//     trusted proxy, the one it forwards): a source beyond its WebSocket
//     bound or rate gets 429 with Retry-After.
const (
	// DefaultMaxConnsPerSource is the default bound on one source's
	// WebSockets: 50 live sessions from one office behind one NAT.
	DefaultMaxConnsPerSource = 100
	// DefaultNewConnsPerSource and DefaultNewConnsBurst bound how fast one
	// source opens connections: 20 a second after a burst of 200 (an
	// office's agents reconnecting at once after a restart).
	DefaultNewConnsPerSource = 20
	DefaultNewConnsBurst     = 200
)

// perSourceFor is the default per-source WebSocket bound for a server
// holding maxConns: DefaultMaxConnsPerSource, or half of maxConns when that
// is smaller, so that one source never holds every slot.
func perSourceFor(maxConns int) int {
	return max(1, min(DefaultMaxConnsPerSource, maxConns/2))
}

// tcpPerSource is how many TCP connections of any kind one source may hold
// when it may hold n WebSockets: each WebSocket is one, and browsers and
// clients keep a few more for HTTPS requests.
func tcpPerSource(n int) int { return 2*n + 64 }

// Why a source's connection was refused, as the metrics label it.
const (
	refusedHeld = "per-source-held" // the source holds its bound already
	refusedRate = "per-source-rate" // the source opens connections too fast
)

// sourceLimits counts the connections each source holds and throttles the
// new ones. held has an entry only while its source holds a connection, so
// it is bounded by the connections themselves; the rate table is bounded
// by throttle.
type sourceLimits struct {
	max   int       // connections one source may hold at once
	rates *throttle // new connections per source

	mu   sync.Mutex
	held map[netip.Prefix]int
}

func newSourceLimits(max int, perSecond float64, burst int) *sourceLimits {
	every := time.Duration(float64(time.Second) / perSecond)
	return &sourceLimits{max: max, rates: newThrottle(every, burst), held: map[netip.Prefix]int{}}
}

// admit counts one new connection from addr at now. It returns the release
// to call once when that connection ends, or why it is refused ("") and
// when to try again.
func (l *sourceLimits) admit(addr netip.Addr, now time.Time) (release func(), refused string, retry time.Duration) {
	key := sourceKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] >= l.max {
		return nil, refusedHeld, helloTimeout // idle ones are dropped by then
	}
	if ok, wait := l.rates.wait(addr, now); !ok {
		return nil, refusedRate, wait
	}
	l.held[key]++
	return sync.OnceFunc(func() { l.release(key) }), "", 0
}

func (l *sourceLimits) release(key netip.Prefix) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key]--; l.held[key] <= 0 {
		delete(l.held, key)
	}
}

// sweep forgets rate entries idle long enough to be full again.
func (l *sourceLimits) sweep(now time.Time) { l.rates.sweep(now) }

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
		release, refused, _ := l.limits.admit(addr, l.now())
		if refused == "" {
			return &sourceConn{Conn: c, release: release}, nil
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
	release func() // once only: sync.OnceFunc
}

func (c *sourceConn) Close() error {
	c.release()
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
