package signaling

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/login"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

const (
	helloTimeout = 10 * time.Second // first message must arrive by then
	writeTimeout = 5 * time.Second  // a peer slower than this is dropped
	msgRate      = 50               // messages per second per connection
	msgBurst     = 200              // a full trickle of candidates at once
)

// client is one WebSocket connection. sess and role are set once the first
// message is accepted and are guarded by Server.mu afterwards.
type client struct {
	conn *websocket.Conn
	addr netip.Addr
	role proto.Role
	sess *session
	// established tells the admission (admitWebSockets) once the hello
	// is accepted.
	established func()
	// token, when set, is the operator's login token from the browser
	// console's cookie (package console); open uses it instead of the
	// placeholder in the message.
	token string
}

// clientDetail is what the audit says of the technician's program: the
// browser console (its cookie's token) or, said by no detail, the
// desktop technician.
func (c *client) clientDetail() map[string]string {
	if c.token == "" {
		return nil
	}
	return map[string]string{"client": "console"}
}

// send writes one message; a peer that cannot take it within writeTimeout
// is closed, which ends its own read loop.
func (c *client) send(ctx context.Context, t proto.Type, body any) error {
	b, err := proto.Encode(t, body)
	if err != nil {
		return err
	}
	return c.sendRaw(ctx, b)
}

func (c *client) sendRaw(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.conn.CloseNow()
		return err
	}
	return nil
}

// fail sends err as a wire error and closes the connection.
func (c *client) fail(ctx context.Context, err error) {
	e := proto.ErrorFor(err)
	if errors.Is(err, errRefused) {
		e.Message = errRefused.Error() // the code is unauthorized; nothing more is said
	}
	c.send(ctx, proto.TypeError, e)
	c.conn.Close(websocket.StatusPolicyViolation, "")
}

// serveWS serves /v1/ws, admitted by admitWebSockets.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) { s.serveWSToken(w, r, "") }

// serveWSToken serves a signaling WebSocket whose operator, if token is
// set, is that login token's: the browser console's /console/api/ws.
func (s *Server) serveWSToken(w http.ResponseWriter, r *http.Request, token string) {
	addr := s.clientAddr(r)
	established := func() {}
	if e, ok := w.(establisher); ok {
		established = e.Established
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns})
	if err != nil {
		s.metrics.refused.WithLabelValues("origin").Inc()
		return // Accept has answered the request
	}
	conn.SetReadLimit(proto.MaxMessageSize)
	c := &client{conn: conn, addr: addr, established: established, token: token}
	// Hijacked connections outlive r.Context's usual lifetime rules, so the
	// connection gets its own context, ended when the read loop returns.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = s.readLoop(ctx, c)
	s.detach(ctx, c)
	if err != nil && !errors.Is(err, errClosed) {
		c.fail(ctx, err)
	}
	conn.CloseNow()
}

var errClosed = errors.New("connection closed")

// clientAddr is r's source: X-Forwarded-For from trusted proxies only.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	if s.cfg.Auth != nil {
		if a := s.cfg.Auth.ClientAddr(r); a.IsValid() {
			return a
		}
	}
	return remoteAddr(r)
}

// refuseSource answers a WebSocket that may not open now: 429 when its
// source or network holds or opens too many, 503 when the server is full;
// with when to try again and what to do.
func (s *Server) refuseSource(w http.ResponseWriter, reason string, retry time.Duration) {
	s.metrics.sourceRefused.WithLabelValues("websocket", reason).Inc()
	w.Header().Set("Retry-After", retryAfter(retry))
	status, msg := http.StatusTooManyRequests, ""
	switch reason {
	case refusedHeld:
		msg = fmt.Sprintf("too many connections from your address (at most %d at once): close some, "+
			"or ask the server's administrator to raise -max-conns-per-source", s.cfg.MaxConnsPerSource)
	case refusedNetwork:
		msg = "too many connections from your network: close some, or ask the server's administrator " +
			"to raise -max-conns (a network may hold 1/8 of it)"
	case refusedRate:
		msg = "connecting too fast from your address: wait " + retryAfter(retry) + " s and try again " +
			"(or ask the server's administrator to raise -new-conns-per-source)"
	default:
		status, msg = http.StatusServiceUnavailable, "server busy: try again in a minute"
	}
	http.Error(w, msg, status)
}

func (s *Server) readLoop(ctx context.Context, c *client) error {
	lim := rate.NewLimiter(msgRate, msgBurst)
	first := true
	for {
		readCtx, cancel := ctx, context.CancelFunc(func() {})
		if first {
			readCtx, cancel = context.WithTimeout(ctx, helloTimeout)
		}
		typ, data, err := c.conn.Read(readCtx)
		cancel()
		if err != nil {
			return errClosed
		}
		if typ != websocket.MessageText || !lim.Allow() {
			return proto.ErrBadRequest
		}
		env, err := proto.Decode(data)
		if err != nil {
			if errors.Is(err, proto.ErrVersion) {
				return proto.ErrVersion
			}
			return proto.ErrBadRequest
		}
		if first {
			if err = s.hello(ctx, c, env); err == nil {
				c.established()
			}
			first = false
		} else {
			err = s.relay(ctx, c, env, data)
		}
		if err != nil {
			return err
		}
	}
}

// hello handles the first message: Open from a technician, Join from an
// agent, or Resume from either (resume.go). Anything else is refused.
func (s *Server) hello(ctx context.Context, c *client, env proto.Envelope) error {
	switch env.Type {
	case proto.TypeOpen:
		return s.open(ctx, c, env)
	case proto.TypeJoin:
		return s.join(ctx, c, env)
	case proto.TypeResume:
		return s.resume(ctx, c, env)
	}
	return proto.ErrBadRequest
}

func (s *Server) open(ctx context.Context, c *client, env proto.Envelope) error {
	// Only failed token attempts count against the source address.
	if s.opens.Blocked(c.addr, s.cfg.Now()) {
		return s.refuse(proto.ErrThrottled)
	}
	o, err := proto.Body[proto.Open](env)
	if err != nil {
		return s.refuse(proto.ErrBadRequest)
	}
	if c.token != "" {
		o.Token = c.token
	}
	op, err := s.authorizeOpen(ctx, c, o.Token)
	if err != nil {
		if !errors.Is(err, login.ErrUnauthenticated) {
			s.cfg.Logger.Error("open: authorization failed", "err", err)
		}
		s.opens.Allow(c.addr, s.cfg.Now())
		return s.refuse(proto.ErrUnauthorized)
	}
	secret, resume, err := newResumeSecret()
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	s.mu.Lock()
	sess, err := s.newSessionLocked(now)
	if err == nil {
		sess.tech, c.sess, c.role, sess.operator = c, sess, proto.RoleTechnician, op
		sess.techResume = resume
	}
	s.mu.Unlock()
	if err != nil {
		return s.refuse(err)
	}
	if err := s.leaseOpen(ctx, sess); err != nil { // several nodes (cluster.go)
		s.cfg.Logger.Error("open: lease the session", "err", err)
		s.mu.Lock()
		s.removeLocked(sess)
		s.mu.Unlock()
		return s.refuse(proto.ErrServerBusy)
	}
	ice, err := s.iceServers(sess.id, sess.ends, sess.operator.relayPort)
	if err != nil {
		return err
	}
	s.metrics.opened.Inc()
	s.cfg.Logger.Info("session opened", "session", sess.id, "operator", op.id, "from", c.addr)
	s.auditSession(ctx, "session.open", sess, c, c.clientDetail())
	if err := c.send(ctx, proto.TypeOpened, proto.Opened{Session: sess.id, Code: sess.code, Expires: sess.codeExp,
		ICEServers: ice}); err != nil {
		return errClosed
	}
	return sendResumable(ctx, c, sess.id, secret)
}

func (s *Server) join(ctx context.Context, c *client, env proto.Envelope) error {
	now := s.cfg.Now()
	// A throttled address is refused before its code is looked at, so
	// that once it is throttled even a right guess is worth nothing. Only
	// failures count, so one office behind one NAT can bring in many
	// customers.
	if s.joins.Blocked(c.addr, now) {
		return s.refuse(proto.ErrThrottled)
	}
	j, err := proto.Body[proto.Join](env)
	if err != nil {
		s.joinFailed(c.addr, now)
		return s.refuse(proto.ErrBadRequest)
	}
	if err := s.checkBlocked(ctx, c, j.Agent); err != nil {
		return err
	}
	secret, resume, err := newResumeSecret()
	if err != nil {
		return err
	}
	sess, tech := s.claim(ctx, c, j, resume, now) // tech nil: on another node
	if sess == nil {
		s.joinFailed(c.addr, now)
		s.cfg.Logger.Info("join refused", "from", c.addr)
		return s.refuse(proto.ErrInvalidCode)
	}
	ice, err := s.iceServers(sess.id, sess.ends, sess.operator.relayPort)
	if err != nil {
		return err
	}
	g, err := s.signGrant(sess, now)
	if err != nil {
		return err
	}
	by := "code"
	if j.Ticket != "" {
		by = "ticket" // a help-page download
	}
	s.metrics.joined.Inc()
	s.cfg.Logger.Info("session joined", "session", sess.id, "from", c.addr, "by", by)
	detail := map[string]string{"by": by}
	if j.Agent != "" {
		detail["agent"] = j.Agent // so that an administrator can block that computer
	}
	s.auditSession(ctx, "session.join", sess, c, detail)
	joined := proto.Joined{Session: sess.id, ICEServers: ice, Grant: g}
	if g != nil {
		joined.GrantKey = grant.KeyOf(s.cfg.GrantKey)
	}
	if err := c.send(ctx, proto.TypeJoined, joined); err != nil {
		return errClosed
	}
	if err := sendResumable(ctx, c, sess.id, secret); err != nil {
		return err
	}
	s.tellJoined(ctx, sess, tech, j.Agent)
	return nil
}

// relay handles messages after the hello: Signal is forwarded verbatim to
// the other side; Bye is forwarded and ends the session.
func (s *Server) relay(ctx context.Context, c *client, env proto.Envelope, raw []byte) error {
	switch env.Type {
	case proto.TypeSignal:
		if _, err := proto.Body[proto.Signal](env); err != nil {
			return proto.ErrBadRequest
		}
		if peer := s.peerOf(c); peer != nil {
			peer.sendRaw(ctx, raw)
		} else if s.cfg.Cluster != nil {
			s.forward(c, cluster.KindFrame, raw) // to another node's client
		}
		return nil
	case proto.TypeBye:
		bye, err := proto.Body[proto.Bye](env)
		if err != nil {
			return proto.ErrBadRequest
		}
		s.end(ctx, c, bye.Reason)
		return errClosed
	}
	return proto.ErrBadRequest
}

func (s *Server) refuse(err error) error {
	s.metrics.refused.WithLabelValues(string(proto.ErrorFor(err).Code)).Inc()
	return err
}

func (s *Server) peerOf(c *client) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.sess == nil {
		return nil
	}
	if c.role == proto.RoleTechnician {
		return c.sess.agent
	}
	return c.sess.tech
}
