// Package relay is Tandem's TURN relay: pion/turn hardened for a public
// host, so that two peers that cannot reach each other directly (symmetric
// NATs, UDP blocked) still connect.
//
// The flow: a peer gets an ephemeral TURN REST credential from the
// signaling server ("EXPIRY:SESSION", password HMAC(secret, username), see
// internal/server/turncred) and sends an Allocate over UDP, TCP or TLS. The relay
// checks the credential against the shared secret and that its session has
// not ended (hooks.go, sessions.go), charges the allocation to the
// username's and the relay's quota (quota.go), and opens a relayed UDP
// port in the configured range. The peer then asks for
// permissions or channels to the other side's address; the peer-address
// policy (policy.go) refuses every address that would turn the relay into
// a proxy into its own network (loopback, private, link-local, metadata
// services, NAT64 and IPv4-mapped spellings of those) with 403 Forbidden
// (forbid.go, stream.go). Data then flows client <-> relay <-> peer until
// the allocation expires or is released, which frees the quota slot.
//
// On the host's network, the application data of UDP clients (ChannelData,
// Send and Data indications) bypasses pion: a data plane relays it from
// one epoll loop with batched syscalls, within the permissions and
// channels pion grants (dataplane_linux.go). pion handles every request.
//
// Nor may the relay reach its own host: a peer on one of the host's
// addresses (what the kernel delivers locally) is allowed only at a live
// relayed socket, another allocation of this relay (ownhost.go,
// ownlive.go), on every path data takes.
//
// Handler serves Prometheus /metrics and /healthz. TCP allocations (RFC
// 6062, relaying to TCP peers) are off unless Config.TCPAllocations turns
// them on; then Connect goes through the same policy and own-host check.
package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy"
)

// Relay is a running TURN server. It is safe for concurrent use.
type Relay struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	policy  peerPolicy
	own     *ownHost
	quotas  *quotas
	metrics *metrics
	gather  prometheus.Gatherer
	addrs   Addrs
	server  *turn.Server
	dp      *dataPlane // nil: pion relays everything (see dataplane_linux.go)
	closed  atomic.Bool
	// sessions are the ended sessions and every session's allocations
	// (sessions.go).
	sessions *sessionBook

	// advertised are the relay addresses pion hands out (the host's own).
	advertised []netip.Addr
	stopOwn    func() // stops the own-host refresh loop and its notifications
	ownDone    chan struct{}

	mu    sync.Mutex
	conns map[net.Conn]struct{} // accepted TCP/TLS connections, closed by Close
}

// Addrs are the addresses a Relay listens on; nil for a listener that is off.
type Addrs struct {
	UDP, TCP, TLS net.Addr
}

// New validates cfg, opens the listeners and starts relaying.
func New(cfg Config) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Relay{
		cfg:    cfg,
		log:    cfg.Logger,
		now:    time.Now,
		policy: peerPolicy{allow: cfg.AllowPeers},
		quotas: newQuotas(cfg.PerUserQuota, cfg.TotalQuota),
		conns:  map[net.Conn]struct{}{},

		sessions: newSessionBook(),
	}
	if err := r.initMetrics(cfg.Registerer); err != nil {
		return nil, fmt.Errorf("relay metrics: %w", err)
	}
	r.own = newOwnHost(cfg.RelayPortMin, cfg.RelayPortMax, hostInterfaceAddrs)
	r.own.routes = localRoutes
	netw := cfg.Net
	if netw == nil {
		var err error
		if netw, err = stdnet.NewNet(); err != nil {
			return nil, fmt.Errorf("relay network: %w", err)
		}
		// The data plane works on the host's sockets only.
		if r.dp, err = newDataPlane(r.metrics, r.own); err != nil {
			r.log.Warn("data plane off, pion relays", "err", err)
		}
	} else {
		r.own.list, r.own.routes = netInterfaceAddrs(netw), nil
	}
	if r.dp != nil {
		r.own.onChange = r.dp.reflag
	}
	sc, closers, err := r.listen(netw)
	if err == nil {
		if err = r.own.addFixed(r.ownFixed()...); err != nil {
			err = fmt.Errorf("list the host's addresses: %w", err)
		}
	}
	if err == nil {
		r.server, err = turn.NewServer(sc)
		if err != nil {
			err = fmt.Errorf("start turn server: %w", err)
		}
	}
	if err != nil {
		closeAll(closers)
		if r.dp != nil {
			r.dp.close()
		}
		return nil, err
	}
	r.startOwnRefresh()
	return r, nil
}

// ownFixed are the addresses that are the host's whatever its interfaces
// say: configured, advertised and listener addresses.
func (r *Relay) ownFixed() []netip.Addr {
	out := slices.Clone(r.advertised)
	for _, ip := range []net.IP{r.cfg.PublicIP, r.cfg.PublicIPv6} {
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a)
		}
	}
	for _, a := range []net.Addr{r.addrs.UDP, r.addrs.TCP, r.addrs.TLS} {
		if a != nil {
			out = append(out, listenerIP(a))
		}
	}
	return out
}

// startOwnRefresh keeps the own-host addresses current until Close: on
// the host's network, at every address or route change the kernel
// announces; in any case every ownRefreshEvery.
func (r *Relay) startOwnRefresh() {
	ctx, cancel := context.WithCancel(context.Background())
	r.stopOwn, r.ownDone = cancel, make(chan struct{})
	var changed chan struct{}
	var wg sync.WaitGroup
	if r.cfg.Net == nil {
		w, err := openOwnWatch()
		if err != nil {
			r.log.Info("no address notifications: the host's addresses are read every 10 s", "err", err)
		} else {
			changed = make(chan struct{}, 1)
			wg.Go(func() { notify(w, changed) })
			r.stopOwn = func() { cancel(); w.close() }
		}
	}
	wg.Go(func() {
		r.own.run(ctx, ownRefreshEvery, changed, func(err error) { r.log.Warn("list the host's addresses", "err", err) })
	})
	go func() { wg.Wait(); close(r.ownDone) }()
}

func (r *Relay) initMetrics(reg prometheus.Registerer) error {
	switch g, ok := reg.(prometheus.Gatherer); {
	case reg == nil:
		own := prometheus.NewRegistry()
		reg, r.gather = own, own
	case ok:
		r.gather = g
	default:
		r.gather = prometheus.DefaultGatherer
	}
	var err error
	r.metrics, err = newMetrics(reg)
	return err
}

// listen opens the configured listeners and returns the pion server
// configuration that uses them, and what to close if starting fails.
func (r *Relay) listen(netw transport.Net) (turn.ServerConfig, []func() error, error) {
	sc := r.serverConfig()
	var closers []func() error
	inner, err := r.relayAddressGenerator(netw)
	if err != nil {
		return sc, nil, err
	}
	gen := sessionGenerator{RelayAddressGenerator: inner, book: r.sessions}
	if r.cfg.UDPAddr != "" {
		pc, err := netw.ListenPacket("udp", r.cfg.UDPAddr)
		if err != nil {
			return sc, closers, fmt.Errorf("listen udp %s: %w", r.cfg.UDPAddr, err)
		}
		closers = append(closers, pc.Close)
		r.addrs.UDP = pc.LocalAddr()
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, turn.PacketConnConfig{
			PacketConn:            forbidPacketConn{PacketConn: r.dp.wrapListener(pc), r: r},
			RelayAddressGenerator: gen,
			PermissionHandler:     r.permit, // pion's default admits every peer
		})
	}
	for _, l := range []struct {
		addr string
		tls  *tls.Config
		dst  *net.Addr
	}{{r.cfg.TCPAddr, nil, &r.addrs.TCP}, {r.cfg.TLSAddr, r.cfg.TLSConfig, &r.addrs.TLS}} {
		if l.addr == "" {
			continue
		}
		ln, err := netw.CreateListenConfig(&net.ListenConfig{}).Listen(context.Background(), "tcp", l.addr)
		if err != nil {
			return sc, closers, fmt.Errorf("listen tcp %s: %w", l.addr, err)
		}
		closers = append(closers, ln.Close)
		*l.dst = ln.Addr()
		if l.tls != nil {
			ln = tls.NewListener(ln, tlspolicy.Server(l.tls))
		}
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{
			Listener:              forbidListener{Listener: ln, r: r},
			RelayAddressGenerator: gen,
			PermissionHandler:     r.permit,
		})
	}
	return sc, closers, nil
}

func closeAll(fs []func() error) {
	for _, f := range fs {
		_ = f()
	}
}

// Addrs returns the bound listener addresses (useful with port 0).
func (r *Relay) Addrs() Addrs { return r.addrs }

// Handler serves GET /metrics (Prometheus) and GET /healthz (200 while the
// relay runs).
func (r *Relay) Handler() http.Handler {
	return handler(r.gather, func() bool { return !r.closed.Load() })
}

// Close stops the listeners, the allocations and the TCP/TLS connections.
func (r *Relay) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	r.stopOwn()
	<-r.ownDone
	err := r.server.Close()
	if r.dp != nil {
		r.dp.close()
	}
	r.mu.Lock()
	for c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("close relay: %w", err)
	}
	return nil
}

// track and untrack keep the accepted connections Close must end: pion
// closes its listeners but not the connections they accepted.
func (r *Relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *Relay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

// errClosed is returned by Accept after Close.
var errClosed = errors.New("relay closed")
