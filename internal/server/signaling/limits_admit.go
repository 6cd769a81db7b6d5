package signaling

import (
	"bufio"
	"net"
	"net/http"
)

// admitWebSockets admits every WebSocket upgrade on the public port, the
// signaling socket (/v1/ws) and the help desk's (/v1/desk/) alike, through
// the one place that counts them against -max-conns and the per-source
// and per-network caps (limits_source.go). The slot is given back when
// the handler returns, which for a WebSocket is when it ends. Any request
// asking for an upgrade counts: a WebSocket cannot be accepted without
// asking.
func (s *Server) admitWebSockets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" && r.Method != http.MethodConnect {
			next.ServeHTTP(w, r)
			return
		}
		slot, refused, retry := s.sockets.admit(s.clientAddr(r), s.cfg.Now())
		if refused != "" {
			s.refuseSource(w, refused, retry)
			return
		}
		defer slot.release()
		s.metrics.connections.Inc()
		defer s.metrics.connections.Dec()
		next.ServeHTTP(&admittedWriter{ResponseWriter: w, slot: slot}, r)
	})
}

// admittedWriter carries an admitted WebSocket's slot to its handler: the
// hijacked connection is what a newcomer's eviction closes, and Established
// is how the handler says the socket has proved itself.
type admittedWriter struct {
	http.ResponseWriter
	slot *slot
}

// Established marks the socket as past its hello: a newcomer on a full
// server no longer takes its slot. Package helpdesk calls it through an
// interface of its own.
func (w *admittedWriter) Established() { w.slot.establish() }

func (w *admittedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.slot.attach(c)
	}
	return c, rw, err
}

func (w *admittedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// establisher is what an admitted WebSocket's ResponseWriter offers.
type establisher interface{ Established() }
