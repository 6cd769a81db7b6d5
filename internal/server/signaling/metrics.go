package signaling

import "github.com/prometheus/client_golang/prometheus"

// metrics are the server's Prometheus metrics, served by MetricsHandler
// only (never on the public port).

type metrics struct {
	connections    prometheus.Gauge
	sessionsActive prometheus.Gauge
	opened         prometheus.Counter
	joined         prometheus.Counter
	refused        *prometheus.CounterVec
	// sourceRefused counts connections refused by the per-source limits,
	// by layer (tcp: closed before TLS; websocket: 429) and reason.
	sourceRefused *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tandem_signaling_connections", Help: "Open WebSocket connections.",
		}),
		sessionsActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tandem_signaling_sessions", Help: "Sessions waiting for an agent or in progress.",
		}),
		opened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tandem_signaling_sessions_opened_total", Help: "Sessions opened by technicians.",
		}),
		joined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tandem_signaling_sessions_joined_total", Help: "Sessions an agent joined.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_signaling_refused_total", Help: "Requests refused, by wire error code.",
		}, []string{"code"}),
		sourceRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_signaling_source_refused_total",
			Help: "Connections refused because their source (IPv4 address, IPv6 /64) held too many or opened them too fast.",
		}, []string{"layer", "reason"}),
	}
	reg.MustRegister(m.connections, m.sessionsActive, m.opened, m.joined, m.refused, m.sourceRefused)
	return m
}
