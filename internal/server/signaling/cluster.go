package signaling

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
	"github.com/tandem-remote/tandem/internal/wire/grant"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// With Config.Cluster set, the server is one node of several (package
// cluster): a technician on this node and an agent on another are paired
// through the session's lease in the shared database, and what each sends
// crosses over the bus. Each node then holds a half of such a session: a
// session whose one client is here and whose other is remote
// (session.remotePeer). A session both of whose clients are here works as
// on one node, its lease aside. Without Config.Cluster nothing here runs.

// Cluster links a server to the other nodes.
type Cluster struct {
	Bus    *cluster.Bus
	Leases *cluster.Leases
}

// leaseOperator is the operator as a lease carries it, so that the node
// an agent joins signs the same grant the opening node would.
type leaseOperator struct {
	ID, Name, Org string
	Functions     []string
	RelayPort     int
}

func encodeOperator(op operator) []byte {
	lo := leaseOperator{ID: op.id, Name: op.name, Org: op.org, RelayPort: op.relayPort}
	for _, f := range op.functions {
		lo.Functions = append(lo.Functions, string(f))
	}
	b, _ := json.Marshal(lo) // strings and an int: cannot fail
	return b
}

func decodeOperator(b []byte) (operator, error) {
	var lo leaseOperator
	if err := json.Unmarshal(b, &lo); err != nil {
		return operator{}, fmt.Errorf("lease operator: %w", err)
	}
	op := operator{id: lo.ID, name: lo.Name, org: lo.Org, relayPort: lo.RelayPort}
	for _, f := range lo.Functions {
		if g, err := grant.ParseFunction(f); err == nil {
			op.functions = append(op.functions, g)
		}
	}
	return op, nil
}

// leaseOpen makes a new session's lease, so that any node's join finds
// it, after subscribing to what is sent to its technician. A code another
// node's live session holds is drawn again.
func (s *Server) leaseOpen(ctx context.Context, sess *session) error {
	cl := s.cfg.Cluster
	if cl == nil {
		return nil
	}
	unsub, err := cl.Bus.Subscribe(cluster.Subject(sess.id, proto.RoleTechnician), s.fromCluster(sess.id, proto.RoleTechnician))
	if err != nil {
		return err
	}
	s.mu.Lock()
	sess.cross, sess.unsub = true, unsub
	sess.subscribed = map[proto.Role]bool{proto.RoleTechnician: true}
	s.mu.Unlock()
	for range 3 {
		s.mu.Lock()
		le := cluster.Lease{Session: sess.id, CodeHash: sess.codeKey[:], CodeExpires: sess.codeExp, Ends: sess.ends,
			Operator: encodeOperator(sess.operator), TechResume: sess.techResume[:]}
		s.mu.Unlock()
		err = cl.Leases.Open(ctx, le, cl.Bus.Name(), s.cfg.Now())
		if !errors.Is(err, cluster.ErrCodeTaken) {
			return err
		}
		if err = s.redrawCode(sess); err != nil {
			return err
		}
	}
	return proto.ErrServerBusy
}

// redrawCode gives sess a new code, its old one being another node's.
func (s *Server) redrawCode(sess *session) error {
	code, err := randomCode(proto.MinCodeDigits)
	if err != nil {
		return err
	}
	key := sha256.Sum256([]byte(code))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byCode[key] != nil {
		return proto.ErrServerBusy
	}
	delete(s.byCode, sess.codeKey)
	sess.code, sess.codeKey = code, key
	s.byCode[key] = sess
	return nil
}

// claim finds the unjoined session j names and makes c its agent, whose
// resume secret hashes to resume; tech is its technician's connection
// when it is on this node, nil when it is on another (sess.remotePeer).
func (s *Server) claim(ctx context.Context, c *client, j proto.Join, resume [32]byte, now time.Time) (sess *session, tech *client) {
	if s.cfg.Cluster == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sess = s.claimLocked(j, now); sess != nil { // by code or by ticket
			sess.agent, c.sess, c.role = c, sess, proto.RoleAgent
			sess.agentResume, tech = resume, sess.tech
		}
		return sess, tech
	}
	return s.claimCluster(ctx, c, j, resume, now)
}

// claimCluster claims the session's lease, which makes the code or
// ticket single use across nodes, then pairs here or with the node its
// technician is on.
func (s *Server) claimCluster(ctx context.Context, c *client, j proto.Join, resume [32]byte, now time.Time) (*session, *client) {
	cl := s.cfg.Cluster
	var hash []byte
	var id string
	if j.Ticket != "" {
		s.mu.Lock()
		id = s.ticketSessionLocked(j.Ticket, now)
		s.mu.Unlock()
		if id == "" { // minted on another node?
			h := sha256.Sum256([]byte(j.Ticket))
			if id, _ = cl.Leases.UseTicket(ctx, h[:], now); id == "" {
				return nil, nil
			}
		}
	} else {
		h := sha256.Sum256([]byte(j.Code))
		hash = h[:]
	}
	le, err := cl.Leases.Claim(ctx, hash, id, cl.Bus.Name(), resume[:], now)
	if err != nil {
		if !errors.Is(err, cluster.ErrNoLease) {
			s.cfg.Logger.Error("join: claim the session's lease", "err", err)
		}
		return nil, nil
	}
	s.mu.Lock()
	if local := s.sessions[le.Session]; local != nil {
		if local.joined || local.tech == nil {
			s.mu.Unlock()
			return nil, nil
		}
		delete(s.byCode, local.codeKey)
		local.joined, local.agent, c.sess, c.role = true, c, local, proto.RoleAgent
		local.agentResume = resume
		tech := local.tech
		s.mu.Unlock()
		// So that this node hears the technician resume on another.
		if err := s.subscribeSide(local, proto.RoleAgent); err != nil {
			s.cfg.Logger.Warn("join: subscribe to the session", "session", local.id, "err", err)
		}
		return local, tech
	}
	s.mu.Unlock()
	return s.remoteHalf(ctx, c, le, resume), nil
}

// remoteHalf registers the agent's half of a session whose technician is
// on another node, subscribed to what that node sends it.
func (s *Server) remoteHalf(ctx context.Context, c *client, le cluster.Lease, resume [32]byte) *session {
	cl := s.cfg.Cluster
	op, err := decodeOperator(le.Operator)
	if err != nil {
		s.cfg.Logger.Error("join: read the session's lease", "session", le.Session, "err", err)
		return nil
	}
	sess := &session{id: le.Session, codeExp: le.CodeExpires, ends: le.Ends, joined: true, operator: op,
		cross: true, remotePeer: true, agent: c, agentResume: resume,
		subscribed: map[proto.Role]bool{proto.RoleAgent: true}}
	unsub, err := cl.Bus.Subscribe(cluster.Subject(sess.id, proto.RoleAgent), s.fromCluster(sess.id, proto.RoleAgent))
	if err != nil {
		s.cfg.Logger.Error("join: subscribe to the session", "session", sess.id, "err", err)
		cl.Leases.Drop(ctx, sess.id)
		return nil
	}
	sess.unsub = unsub
	s.mu.Lock()
	s.sessions[sess.id] = sess
	c.sess, c.role = sess, proto.RoleAgent
	s.metrics.sessionsActive.Inc()
	s.mu.Unlock()
	s.cfg.Logger.Info("session joined across nodes", "session", sess.id, "technician_node", le.TechNode)
	return sess
}

// ticketSessionLocked uses up ticket and returns its session's ID, or ""
// (claimLocked's check, without claiming the code: the lease does that).
func (s *Server) ticketSessionLocked(ticket string, now time.Time) string {
	h := sha256.Sum256([]byte(ticket))
	t, ok := s.tickets.byHash[h]
	if !ok || subtle.ConstantTimeCompare(t.hash[:], h[:]) != 1 {
		return ""
	}
	s.tickets.dropLocked(h, t)
	if now.After(t.expires) {
		return ""
	}
	return t.session
}

// tellJoined tells sess's technician that its agent joined: directly when
// it is here, over the bus when it is on another node.
func (s *Server) tellJoined(ctx context.Context, sess *session, tech *client, agent string) {
	if tech != nil {
		tech.send(ctx, proto.TypePeerJoined, proto.PeerJoined{Session: sess.id, Agent: agent})
		return
	}
	s.publish(sess, proto.RoleTechnician, cluster.KindJoined, []byte(agent))
}

// forward sends c's message to the other side of its session on another
// node, if that is where it is.
func (s *Server) forward(c *client, kind cluster.Kind, raw []byte) {
	s.mu.Lock()
	sess := c.sess
	remote := sess != nil && sess.remotePeer
	s.mu.Unlock()
	if remote {
		s.publish(sess, otherRole(c.role), kind, raw)
	}
}

func (s *Server) publish(sess *session, to proto.Role, kind cluster.Kind, data []byte) {
	if err := s.cfg.Cluster.Bus.Publish(cluster.Subject(sess.id, to), kind, data); err != nil {
		s.cfg.Logger.Warn("cluster: send to the other node", "session", sess.id, "err", err)
	}
}

func otherRole(r proto.Role) proto.Role {
	if r == proto.RoleTechnician {
		return proto.RoleAgent
	}
	return proto.RoleTechnician
}

// fromCluster handles what another node sends to role's side of session,
// in order.
func (s *Server) fromCluster(id string, role proto.Role) func(cluster.Kind, []byte) {
	return func(kind cluster.Kind, data []byte) {
		ctx := context.Background()
		s.mu.Lock()
		sess := s.sessions[id]
		var c *client
		if sess != nil {
			c = sess.agent
			if role == proto.RoleTechnician {
				c = sess.tech
			}
		}
		switch kind {
		case cluster.KindJoined:
			if sess == nil || sess.joined {
				c = nil // the agent joined here first, or the session is over
				break
			}
			sess.joined, sess.remotePeer = true, true
			delete(s.byCode, sess.codeKey)
		case cluster.KindEnd:
			if sess != nil {
				s.removeLocked(sess) // the other node recorded the end
			}
		case cluster.KindFrame:
			if c != nil && sess.otherLocked(role) == nil {
				sess.remotePeer = true // the other side resumed on another node
			}
		}
		s.mu.Unlock()
		if c != nil {
			s.deliver(ctx, c, id, kind, data)
		}
	}
}

func (s *Server) deliver(ctx context.Context, c *client, id string, kind cluster.Kind, data []byte) {
	switch kind {
	case cluster.KindFrame:
		c.sendRaw(ctx, data)
	case cluster.KindJoined:
		c.send(ctx, proto.TypePeerJoined, proto.PeerJoined{Session: id, Agent: string(data)})
	case cluster.KindGone:
		c.send(ctx, proto.TypeBye, proto.Bye{Reason: "peer-gone"})
	case cluster.KindEnd:
		c.sendRaw(ctx, data)
		c.closeGracefully()
	}
}

// crossEnd drops the lease of a session c's side ended, and tells the
// other side's node.
func (s *Server) crossEnd(ctx context.Context, sess *session, by proto.Role, reason string) {
	if s.cfg.Cluster == nil || !sess.cross {
		return
	}
	if _, err := s.cfg.Cluster.Leases.Drop(ctx, sess.id); err != nil {
		s.cfg.Logger.Warn("cluster: drop the session's lease", "session", sess.id, "err", err)
	}
	s.mu.Lock()
	remote := sess.remotePeer
	s.mu.Unlock()
	if remote {
		bye, _ := proto.Encode(proto.TypeBye, proto.Bye{Reason: reason})
		s.publish(sess, otherRole(by), cluster.KindEnd, bye)
	}
}

// leftNode records that role's client of sess left this node and tells
// the other side's node; it reports whether that was the session's last
// side anywhere, whose end is then recorded (always, on one node).
func (s *Server) leftNode(ctx context.Context, sess *session, role proto.Role) bool {
	if s.cfg.Cluster == nil || !sess.cross {
		return true
	}
	s.mu.Lock()
	remote := sess.remotePeer
	s.mu.Unlock()
	if !remote { // every side was here, and is gone
		if _, err := s.cfg.Cluster.Leases.Drop(ctx, sess.id); err != nil {
			s.cfg.Logger.Warn("cluster: drop the session's lease", "session", sess.id, "err", err)
		}
		return true
	}
	s.publish(sess, otherRole(role), cluster.KindGone, nil)
	last, err := s.cfg.Cluster.Leases.Leave(ctx, sess.id, role == proto.RoleTechnician, s.cfg.Cluster.Bus.Name())
	if err != nil {
		s.cfg.Logger.Warn("cluster: leave the session's lease", "session", sess.id, "err", err)
		return true
	}
	return last
}

// dropExpired drops an expired session's lease and reports whether this
// node is the one to record the end (the first to drop it).
func (s *Server) dropExpired(ctx context.Context, sess *session) bool {
	if s.cfg.Cluster == nil || !sess.cross {
		return true
	}
	dropped, err := s.cfg.Cluster.Leases.Drop(ctx, sess.id)
	return dropped || err != nil
}

// renewLeases extends the leases of the sessions this node holds.
func (s *Server) renewLeases(ctx context.Context, now time.Time) {
	if s.cfg.Cluster == nil {
		return
	}
	var ids []string
	s.mu.Lock()
	for id, sess := range s.sessions {
		if sess.cross {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	if err := s.cfg.Cluster.Leases.Renew(ctx, ids, now); err != nil {
		s.cfg.Logger.Warn("cluster: renew leases", "err", err)
	}
}

// joinFailed counts a failed join or code lookup against addr's source,
// here and, with several nodes, on every other node: a guess sprayed over
// the nodes is throttled as one source.
func (s *Server) joinFailed(addr netip.Addr, now time.Time) {
	s.joins.Allow(addr, now)
	if s.cfg.Cluster == nil {
		return
	}
	b, _ := addr.MarshalText()
	if err := s.cfg.Cluster.Bus.Publish(cluster.SubjectJoinFailures, cluster.KindFrame, b); err != nil {
		s.cfg.Logger.Warn("cluster: tell the other nodes of a failed join", "err", err)
	}
}

// watchCluster counts the other nodes' failed joins here, and records the
// sessions they end for this node's relays.
func (s *Server) watchCluster() error {
	if s.cfg.Cluster == nil {
		return nil
	}
	if err := s.shareThrottles(); err != nil { // logins too (throttle_cluster.go)
		return err
	}
	bus := s.cfg.Cluster.Bus
	_, err := bus.Subscribe(cluster.SubjectJoinFailures, func(_ cluster.Kind, data []byte) {
		var addr netip.Addr
		if addr.UnmarshalText(data) == nil && addr.IsValid() {
			s.joins.Allow(addr, s.cfg.Now())
		}
	})
	if err != nil || s.cfg.SessionEnds == nil {
		return err
	}
	_, err = bus.Subscribe(cluster.SubjectSessionEnds, func(_ cluster.Kind, data []byte) {
		var e sessionfeed.End
		if json.Unmarshal(data, &e) != nil || e.Session == "" {
			return
		}
		if err := s.cfg.SessionEnds.End(context.Background(), e); err != nil {
			s.cfg.Logger.Error("record another node's session end for the relays", "session", e.Session, "err", err)
		}
	})
	return err
}

// shareEnd tells the other nodes that a session ended here, so that the
// relays polling them, and their embedded relays, refuse its credential
// too.
func (s *Server) shareEnd(e sessionfeed.End) {
	if s.cfg.Cluster == nil {
		return
	}
	b, _ := json.Marshal(e) // a string and a time: cannot fail
	if err := s.cfg.Cluster.Bus.Publish(cluster.SubjectSessionEnds, cluster.KindFrame, b); err != nil {
		s.cfg.Logger.Warn("cluster: tell the other nodes of a session's end", "session", e.Session, "err", err)
	}
}

// clusterTimeout bounds the database calls of the help page's code look-up
// and ticket minting, whose callers carry no context.
const clusterTimeout = 10 * time.Second

// lookupLease finds code's session among the other nodes', for the help
// page; not found (or one node alone) says nothing.
func (s *Server) lookupLease(code string, now time.Time) (CodeInfo, bool) {
	if s.cfg.Cluster == nil {
		return CodeInfo{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	h := sha256.Sum256([]byte(code))
	le, err := s.cfg.Cluster.Leases.Lookup(ctx, h[:], now)
	if err != nil {
		if !errors.Is(err, cluster.ErrNoLease) {
			s.cfg.Logger.Error("look up a code among the nodes", "err", err)
		}
		return CodeInfo{}, false
	}
	op, err := decodeOperator(le.Operator)
	if err != nil {
		return CodeInfo{}, false
	}
	return CodeInfo{Session: le.Session, OperatorID: op.id, Operator: op.name, Organisation: op.org, Expires: le.CodeExpires}, true
}

// mintLeaseTicket records ticket for session, this node's or another's,
// in the database, where a join on any node finds it (claimCluster).
func (s *Server) mintLeaseTicket(ticket, session string, now time.Time) (string, time.Time, error) {
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	h := sha256.Sum256([]byte(ticket))
	exp, err := s.cfg.Cluster.Leases.AddTicket(ctx, h[:], session, maxTicketsPerSession, now)
	switch {
	case errors.Is(err, cluster.ErrTooManyTickets):
		return "", time.Time{}, proto.ErrThrottled
	case errors.Is(err, cluster.ErrNoLease):
		return "", time.Time{}, ErrCodeExpired
	case err != nil:
		return "", time.Time{}, fmt.Errorf("mint ticket: %w", err)
	}
	return ticket, exp, nil
}

// healthzNode is the metrics listener's /healthz: "ok" on one node alone;
// with several, ready (200) only while the shared database answers and
// the node is connected to NATS, saying how many routes to other nodes
// are up, and 503 with what is wrong otherwise. (The public port's
// /healthz says only "ok".)
func (s *Server) healthzNode(w http.ResponseWriter, r *http.Request) {
	cl := s.cfg.Cluster
	if cl == nil {
		healthz(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := cl.Leases.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready: the shared database does not answer")
		return
	}
	if !cl.Bus.Connected() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready: not connected to NATS")
		return
	}
	fmt.Fprintf(w, "ok\nnode %s, routes up to %d other node(s)\n", cl.Bus.Name(), cl.Bus.RoutesUp())
}
