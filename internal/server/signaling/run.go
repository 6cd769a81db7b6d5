package signaling

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"time"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy"
)

// listen binds the HTTPS socket and, when asked, the plain HTTP one.
func (svc *Service) listen() error {
	o := svc.opts
	switch o.PlainHTTP {
	case "", "redirect", "refuse":
	default:
		return fmt.Errorf("-plain-http %q: use redirect or refuse", o.PlainHTTP)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server running, or is the port privileged?)", o.Addr, err)
	}
	svc.ln = svc.server.LimitListener(ln, o.Auth.TrustedProxies)
	if o.HTTPAddr != "" {
		if svc.httpLn, err = net.Listen("tcp", o.HTTPAddr); err != nil {
			return fmt.Errorf("listen on -http-addr %s: %w", o.HTTPAddr, err)
		}
	}
	if o.MetricsAddr != "" {
		if svc.metrics, err = net.Listen("tcp", o.MetricsAddr); err != nil {
			return fmt.Errorf("listen on -metrics-addr %s: %w (another server's metrics? pass another address, or empty for none)", o.MetricsAddr, err)
		}
	}
	return nil
}

// describeLimits is the start-up summary's line on per-source limits.
func (svc *Service) describeLimits() string {
	c, caps := svc.server.cfg, svc.server.sockets.caps
	return fmt.Sprintf("Connections from one address (IPv6: /64): at most %d WebSockets, %g new a second after %d "+
		"(-max-conns-per-source, -new-conns-per-source: raise them for an office behind one NAT); "+
		"from one network (IPv4 /24, IPv6 /48) at most %d, one IPv6 /56 %d (shares of -max-conns)",
		c.MaxConnsPerSource, c.NewConnsPerSource, c.NewConnsBurst, caps.network, caps.site)
}

// describeMetrics is the start-up summary's line on the metrics listener,
// with a warning when it is reachable beyond this host.
func (svc *Service) describeMetrics() string {
	if svc.metrics == nil {
		return "Metrics: off (-metrics-addr)"
	}
	addr := svc.metrics.Addr().String()
	line := "Metrics: http://" + addr + "/metrics"
	if ap, err := netip.ParseAddrPort(addr); err == nil && !ap.Addr().IsLoopback() {
		line += " (WARNING: not loopback; they tell when sessions are live: firewall it)"
	}
	return line
}

// Run serves until ctx ends, then shuts down gracefully.
func (svc *Service) Run(ctx context.Context) error {
	errLog := slog.NewLogLogger(svc.opts.Logger.Handler(), slog.LevelDebug)
	hs := &http.Server{
		Handler:           svc.server.Handler(),
		TLSConfig:         svc.tlsConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		// An idle keep-alive connection still holds one of its source's
		// TCP slots (limits_source.go) and a file.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    errLog,
		// HTTP/1.1 only: HTTP/2 would require AES-128-GCM under TLS 1.2,
		// and the API and WebSocket gain nothing from it.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	errc := make(chan error, 8)
	go func() { errc <- hs.ServeTLS(svc.ln, "", "") }()
	var plain, metrics *http.Server
	if svc.httpLn != nil {
		plain = &http.Server{Handler: PlainHTTPHandler(svc.public, svc.opts.PlainHTTP), ReadHeaderTimeout: 5 * time.Second,
			MaxHeaderBytes: 8 << 10, ErrorLog: errLog}
		go func() { errc <- plain.Serve(svc.httpLn) }()
	}
	if svc.metrics != nil {
		metrics = &http.Server{Handler: svc.server.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: errLog}
		go func() { errc <- metrics.Serve(svc.metrics) }()
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { errc <- svc.server.Run(runCtx) }()
	go func() { errc <- svc.desk.Run(runCtx) }()
	go func() { errc <- svc.runAuditRetention(runCtx) }()
	if p := svc.server.cfg.relays; p != nil {
		go func() { errc <- p.run(runCtx) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	hs.Shutdown(shutCtx)
	svc.desk.Close(shutCtx) // records the conversations still open
	if plain != nil {
		plain.Shutdown(shutCtx)
	}
	if metrics != nil {
		metrics.Shutdown(shutCtx)
	}
	svc.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// tlsConfig is the server's TLS policy (package tlspolicy): AES-256-GCM
// only, TLS 1.3 with the hybrid post-quantum key exchange, TLS 1.2 with
// ECDHE; ACME's acme-tls/1 kept, h2 dropped (see Run).
func (svc *Service) tlsConfig() *tls.Config {
	c := tlspolicy.Server(svc.tls)
	c.NextProtos = append(slices.DeleteFunc(slices.Clone(c.NextProtos), func(p string) bool { return p == "h2" || p == "http/1.1" }), "http/1.1")
	return c
}

// PlainHTTPHandler answers plain HTTP, which never carries the API: in
// "redirect" mode GET and HEAD go permanently to the same path and query
// at public (never to the request's Host, so it is no open redirect);
// anything else, and everything in "refuse" mode, gets 403 with the HTTPS
// address. Browsers then keep to HTTPS through HSTS, which is sent over
// HTTPS only (RFC 6797 §7.2).
func PlainHTTPHandler(public *url.URL, mode string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		if mode != "refuse" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			target := *public
			target.Path, target.RawPath, target.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
			http.Redirect(w, r, target.String(), http.StatusPermanentRedirect)
			return
		}
		http.Error(w, "This server accepts HTTPS only: use "+public.String(), http.StatusForbidden)
	})
}
