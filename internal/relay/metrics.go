package relay

import (
	"net"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the relay's Prometheus series. Relayed traffic is counted in
// plain atomics read by CounterFuncs at scrape time: the per-packet path
// then costs one atomic add per counter and no label lookup.
type metrics struct {
	allocsActive  prometheus.Gauge
	allocsTotal   prometheus.Counter
	authFailures  prometheus.Counter
	permRefusals  *prometheus.CounterVec
	quotaRefusals *prometheus.CounterVec

	toPeerPackets, toPeerBytes     atomic.Uint64
	fromPeerPackets, fromPeerBytes atomic.Uint64
	ownHostDrops                   atomic.Uint64
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		allocsActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tandem_turn_allocations_active", Help: "TURN allocations currently open.",
		}),
		allocsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tandem_turn_allocations_total", Help: "TURN allocations created since start.",
		}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tandem_turn_auth_failures_total", Help: "TURN requests refused for a bad, expired or malformed credential.",
		}),
		permRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_turn_permission_refusals_total", Help: "Peer addresses refused by the peer-address policy, by range.",
		}, []string{"reason"}),
		quotaRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_turn_quota_refusals_total", Help: "Allocations refused for quota (486), by quota.",
		}, []string{"quota"}),
	}
	counter := func(name, help, dir string, v *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: name, Help: help, ConstLabels: prometheus.Labels{"direction": dir},
		}, func() float64 { return float64(v.Load()) })
	}
	cs := []prometheus.Collector{
		m.allocsActive, m.allocsTotal, m.authFailures, m.permRefusals, m.quotaRefusals,
		counter("tandem_turn_relayed_packets_total", "UDP datagrams relayed.", "to_peer", &m.toPeerPackets),
		counter("tandem_turn_relayed_packets_total", "UDP datagrams relayed.", "from_peer", &m.fromPeerPackets),
		counter("tandem_turn_relayed_bytes_total", "UDP payload bytes relayed.", "to_peer", &m.toPeerBytes),
		counter("tandem_turn_relayed_bytes_total", "UDP payload bytes relayed.", "from_peer", &m.fromPeerBytes),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tandem_turn_own_host_drops_total",
			Help: "Datagrams to the relay's own host outside its relay ports, dropped.",
		}, func() float64 { return float64(m.ownHostDrops.Load()) }),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// handler serves /metrics from gatherer and /healthz.
func handler(g prometheus.Gatherer, healthy func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !healthy() {
			http.Error(w, "closed", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return mux
}

// countingConn counts the datagrams an allocation's relay socket exchanges
// with peers, and drops those pion would send to the relay's own host
// anywhere but a live relayed socket (ownhost.go).
type countingConn struct {
	net.PacketConn
	m   *metrics
	own *ownHost
}

func (c countingConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(p)
	if err == nil {
		c.m.fromPeerPackets.Add(1)
		c.m.fromPeerBytes.Add(uint64(n))
	}
	return n, addr, err
}

func (c countingConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if dropOwn(c.own, c.m, addr) {
		return len(p), nil
	}
	n, err := c.PacketConn.WriteTo(p, addr)
	if err == nil {
		c.m.toPeerPackets.Add(1)
		c.m.toPeerBytes.Add(uint64(n))
	}
	return n, err
}

// dropOwn reports whether a datagram pion relays to addr must be dropped
// because addr is the relay's own host but no live relayed socket, and
// counts it. pion sees the write succeed, as a datagram lost on the way
// would.
func dropOwn(own *ownHost, m *metrics, addr net.Addr) bool {
	if own.permitsAddr(liveUDP, addr) {
		return false
	}
	m.ownHostDrops.Add(1)
	return true
}
