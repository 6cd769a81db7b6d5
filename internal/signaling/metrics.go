package signaling

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	connections    prometheus.Gauge
	sessionsActive prometheus.Gauge
	opened         prometheus.Counter
	joined         prometheus.Counter
	refused        *prometheus.CounterVec
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
	}
	reg.MustRegister(m.connections, m.sessionsActive, m.opened, m.joined, m.refused)
	return m
}
