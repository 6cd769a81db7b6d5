package signaling

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tandem-remote/tandem/internal/server/blockfeed"
	"github.com/tandem-remote/tandem/internal/server/console"
	"github.com/tandem-remote/tandem/internal/server/ratelimit"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Server pairs technicians and agents. Create it with New, serve its
// Handler over TLS, and run Run for housekeeping.
type Server struct {
	cfg     Config
	joins   *ratelimit.PerSource // join attempts per source
	opens   *ratelimit.PerSource // failed Open attempts (bad or expired login tokens) per source
	sockets *sourceLimits        // every WebSocket: per source, per network, in all (limits_source.go)
	tcp     *sourceLimits        // TCP connections per source, for LimitListener
	metrics *metrics
	reg     *prometheus.Registry
	web     atomic.Pointer[http.Handler] // SetWeb

	mu       sync.Mutex
	byCode   map[[32]byte]*session
	sessions map[string]*session
	tickets  ticketBook // one-time join tickets (tickets.go)
}

// session is one technician–agent pairing. Its fields are guarded by
// Server.mu.
type session struct {
	id      string
	code    string
	codeKey [32]byte
	codeExp time.Time // the code stops working
	ends    time.Time // the session and its TURN credentials end
	tech    *client
	agent   *client
	joined  bool
	// operator opened the session; set once before the session is shared.
	operator operator
	// cross: the session has a lease (Config.Cluster, cluster.go);
	// remotePeer: its other side is on another node; unsub ends this
	// node's subscription to what that node sends.
	cross, remotePeer bool
	unsub             func()
	// subscribed: the roles whose subject this node subscribed to
	// (subscribeSide).
	subscribed map[proto.Role]bool
	// techResume and agentResume hash the sides' resume secrets
	// (resume.go).
	techResume, agentResume [32]byte
}

// New returns a server for cfg.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("signaling config: %w", err)
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s := &Server{
		cfg:      cfg,
		joins:    ratelimit.NewPerSource(cfg.JoinRate, cfg.JoinBurst),
		opens:    ratelimit.NewPerSource(cfg.JoinRate, cfg.JoinBurst),
		sockets:  newSourceLimits(capsFor(cfg.MaxConns, cfg.MaxConnsPerSource), cfg.NewConnsPerSource, cfg.NewConnsBurst),
		tcp:      newSourceLimits(capsFor(cfg.MaxConns, cfg.MaxConnsPerSource).tcp(), cfg.NewConnsPerSource, cfg.NewConnsBurst),
		metrics:  newMetrics(reg),
		reg:      reg,
		byCode:   map[[32]byte]*session{},
		sessions: map[string]*session{},
	}
	if err := s.watchCluster(); err != nil { // several nodes (cluster.go)
		return nil, err
	}
	return s, nil
}

// Registry returns the server's Prometheus registry, so a process that
// embeds other components (the relay) can expose one /metrics.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// MetricsHandler serves /metrics (the registry's) and /healthz, for a
// listener of their own: the counts tell when session codes are live, so
// Handler's public port does not serve them.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", s.healthzNode) // the cluster's state too (cluster.go)
	return mux
}

// LimitListener wraps ln, the public port's listener, so that each
// source's TCP connections are bounded and throttled before TLS
// (limits_source.go). Connections from proxies, which carry everyone's,
// are exempt.
func (s *Server) LimitListener(ln net.Listener, proxies []netip.Prefix) net.Listener {
	return &sourceListener{
		Listener: ln,
		limits:   s.tcp,
		exempt:   normalizeAll(proxies),
		now:      s.cfg.Now,
		refused:  func(reason string) { s.metrics.sourceRefused.WithLabelValues("tcp", reason).Inc() },
	}
}

func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// Handler returns the public HTTP routes: /v1/ws, /healthz, the API, the
// agent download and the help page.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ws", s.serveWS)
	if s.cfg.API != nil {
		mux.Handle("/v1/", s.cfg.API) // login, setup, admin
	}
	if s.cfg.Desk != nil {
		mux.Handle("/v1/desk/", s.cfg.Desk) // web chat and operators' desk
	}
	mux.HandleFunc("/v1/agent/", s.serveAgent) // the one-click agent download (agentdl.go)
	// The operator's console in a browser (package console).
	if s.cfg.Auth != nil {
		c := console.Handler(console.Config{Auth: s.cfg.Auth, Hosts: s.cfg.OriginPatterns, OpenWS: s.serveWSToken,
			Desk: s.cfg.Desk, Logger: s.cfg.Logger})
		mux.Handle(console.Path, c)
		mux.Handle(console.Path+"/", c)
	}
	if s.cfg.RelayBlocks != nil {
		mux.Handle("GET "+blockfeed.Path, blockfeed.Handler(blockfeed.HandlerConfig{
			Secret: s.cfg.TURNSecret, List: s.cfg.RelayBlocks, Logger: s.cfg.Logger}))
	}
	if s.cfg.SessionEnds != nil {
		mux.Handle("GET "+sessionfeed.Path, s.sessionFeed())
	}
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("/metrics", http.NotFoundHandler()) // MetricsHandler's, elsewhere
	// Every other path is the web's: the customer's help page and web
	// chat (package helpdesk), when SetWeb gave them.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if h := s.web.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		if r.URL.Path != "/" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "Tandem signaling server. Technicians and agents connect to /v1/ws.")
	})
	return securityHeaders(strictPaths(s.admitWebSockets(mux)))
}

// SetWeb serves h on every path the server's own routes do not take: the
// customer's help page and web chat. A handler that serves pages sets its
// own Content-Security-Policy over the strict default.
func (s *Server) SetWeb(h http.Handler) { s.web.Store(&h) }

// strictPaths answers 404 to a path with an empty, "." or ".." segment
// instead of letting the mux redirect to its cleaned form: one spelling
// per route, so no guard can be walked around by another spelling.
func strictPaths(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range []string{r.URL.Path, r.URL.RawPath} {
			if strings.Contains(p, "//") || strings.Contains(p+"/", "/./") || strings.Contains(p+"/", "/../") {
				http.NotFound(w, r)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		h.ServeHTTP(w, r)
	})
}

// Run sweeps expired codes, sessions and throttle entries until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.sweep(ctx)
		}
	}
}

func (s *Server) sweep(ctx context.Context) {
	now := s.cfg.Now()
	s.joins.Sweep(now)
	s.opens.Sweep(now)
	s.sockets.sweep(now)
	s.tcp.sweep(now)
	var expired []*session
	reasons := map[*session]string{}
	peers := map[*session][]*client{} // read under the lock: detach clears them
	s.mu.Lock()
	for _, sess := range s.sessions {
		switch {
		case !sess.joined && now.After(sess.codeExp):
			reasons[sess] = "code-expired"
		case now.After(sess.ends):
			reasons[sess] = "session-expired"
		default:
			continue
		}
		expired = append(expired, sess)
		peers[sess] = []*client{sess.tech, sess.agent}
		s.removeLocked(sess)
	}
	s.mu.Unlock()
	for _, sess := range expired {
		if s.dropExpired(ctx, sess) { // one node records a shared session's end
			s.auditSession(ctx, "session.end", sess, nil, map[string]string{"reason": reasons[sess]})
		}
		s.endCredentials(ctx, sess)
		s.endPeers(ctx, sess, peers[sess], reasons[sess])
	}
	s.renewLeases(ctx, now)
}

// newSession registers a session with a fresh code. Called with s.mu held.
func (s *Server) newSessionLocked(now time.Time) (*session, error) {
	id, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	for range 10 {
		code, err := randomCode(proto.MinCodeDigits)
		if err != nil {
			return nil, err
		}
		key := sha256.Sum256([]byte(code))
		if s.byCode[key] != nil {
			continue
		}
		sess := &session{id: id, code: code, codeKey: key, codeExp: now.Add(s.cfg.CodeTTL), ends: now.Add(s.cfg.SessionMax)}
		s.byCode[key] = sess
		s.sessions[id] = sess
		s.metrics.sessionsActive.Inc()
		return sess, nil
	}
	return nil, proto.ErrServerBusy
}

// claimCode finds the unjoined session for code and marks it joined, so the
// code works once. The map is keyed by the code's hash and the final
// comparison is constant-time, so response timing says nothing about how
// close a guess was.
func (s *Server) claimCodeLocked(code string, now time.Time) *session {
	key := sha256.Sum256([]byte(code))
	sess := s.byCode[key]
	if sess == nil || subtle.ConstantTimeCompare([]byte(sess.code), []byte(code)) != 1 {
		return nil
	}
	if sess.joined || now.After(sess.codeExp) || sess.tech == nil {
		return nil
	}
	delete(s.byCode, key)
	sess.joined = true
	return sess
}

// removeLocked forgets sess and reports whether it was still registered,
// so that exactly one caller records its end.
func (s *Server) removeLocked(sess *session) bool {
	if _, ok := s.sessions[sess.id]; !ok {
		return false
	}
	delete(s.sessions, sess.id)
	if !sess.joined {
		delete(s.byCode, sess.codeKey)
	}
	if sess.unsub != nil {
		sess.unsub()
		sess.unsub = nil
	}
	s.metrics.sessionsActive.Dec()
	return true
}

func randomCode(digits int) (string, error) {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	n, err := rand.Int(rand.Reader, max)
	if err != nil {
		return "", fmt.Errorf("generate code: %w", err)
	}
	return fmt.Sprintf("%0*d", digits, n), nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return ap.Addr()
}
