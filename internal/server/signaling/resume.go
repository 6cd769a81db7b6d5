package signaling

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/tandem-remote/tandem/internal/server/cluster"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// A joined session outlives its sides' sockets (docs/wire.md section
// 3.6): each side gets a resume secret after Opened or Joined, kept here only
// as its SHA-256 (in the session, and with several nodes in its lease),
// and a side whose socket broke sends Resume as the first message of a
// new one, on this node or any other. The socket then takes the side's
// place, and the other side hears PeerResumed, on which the technician
// restarts ICE: signals sent while a side was away are lost (the bus
// keeps nothing), and a restart sends everything again over the new
// sockets. One node alone keeps its sessions in memory: a dropped socket
// resumes, a restarted server has forgotten them.

// newResumeSecret draws a side's resume secret and returns it with its
// hash.
func newResumeSecret() (string, [32]byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", [32]byte{}, fmt.Errorf("resume secret: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	return secret, sha256.Sum256([]byte(secret)), nil
}

// sendResumable gives c its resume secret, after Opened or Joined.
func sendResumable(ctx context.Context, c *client, session, secret string) error {
	if err := c.send(ctx, proto.TypeResumable, proto.Resumable{Session: session, Secret: secret}); err != nil {
		return errClosed
	}
	return nil
}

// resume handles Resume: the side takes up its place, or is refused as a
// wrong join is (invalid_code, counted against its source).
func (s *Server) resume(ctx context.Context, c *client, env proto.Envelope) error {
	now := s.cfg.Now()
	if s.joins.Blocked(c.addr, now) {
		return s.refuse(proto.ErrThrottled)
	}
	r, err := proto.Body[proto.Resume](env)
	if err != nil {
		s.joinFailed(c.addr, now)
		return s.refuse(proto.ErrBadRequest)
	}
	sess, other, err := s.takeUp(ctx, c, r, now)
	if err != nil {
		return err
	}
	if sess == nil {
		s.joinFailed(c.addr, now)
		s.cfg.Logger.Info("resume refused", "from", c.addr, "role", r.Role)
		return s.refuse(proto.ErrInvalidCode)
	}
	s.cfg.Logger.Info("session resumed", "session", sess.id, "role", r.Role, "from", c.addr)
	s.auditSession(ctx, "session.resume", sess, c, map[string]string{"by": string(r.Role)})
	if err := c.send(ctx, proto.TypeResumed, proto.Resumed{Session: sess.id}); err != nil {
		return errClosed
	}
	s.tellResumed(ctx, sess, r.Role, other)
	return nil
}

// takeUp gives c role's place in the session r names, if r's secret is
// that side's: from memory on one node, from the lease with several. It
// returns the session and its other side's client when that is here.
func (s *Server) takeUp(ctx context.Context, c *client, r proto.Resume, now time.Time) (*session, *client, error) {
	h := sha256.Sum256([]byte(r.Secret))
	if s.cfg.Cluster == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		sess := s.sessions[r.Session]
		if sess == nil || !sess.joined || now.After(sess.ends) {
			return nil, nil, nil
		}
		want := sess.resumeHash(r.Role)
		if subtle.ConstantTimeCompare(h[:], want[:]) != 1 {
			return nil, nil, nil
		}
		return sess, s.placeLocked(sess, c, r.Role), nil
	}
	return s.takeUpCluster(ctx, c, r, h, now)
}

// takeUpCluster takes role's side of the session's lease for this node
// (from a dead node, or from this one), then places c in the session here:
// beside its other side when that is here too, else in a half of its own
// subscribed to what the other side's node sends.
func (s *Server) takeUpCluster(ctx context.Context, c *client, r proto.Resume, h [32]byte, now time.Time) (*session, *client, error) {
	cl := s.cfg.Cluster
	le, err := cl.Leases.Resume(ctx, r.Session, r.Role == proto.RoleTechnician, h[:], cl.Bus.Name(), now)
	if errors.Is(err, cluster.ErrNoLease) {
		return nil, nil, nil
	}
	if err != nil {
		s.cfg.Logger.Error("resume: take the session's lease", "err", err)
		return nil, nil, s.refuse(proto.ErrServerBusy)
	}
	s.mu.Lock()
	sess := s.sessions[le.Session]
	if sess == nil {
		op, err := decodeOperator(le.Operator)
		if err != nil {
			s.mu.Unlock()
			return nil, nil, fmt.Errorf("resume: %w", err)
		}
		sess = &session{id: le.Session, codeExp: le.CodeExpires, ends: le.Ends, joined: true, operator: op, cross: true}
		s.sessions[sess.id] = sess
		s.metrics.sessionsActive.Inc()
	}
	other := s.placeLocked(sess, c, r.Role)
	sess.remotePeer = other == nil
	s.mu.Unlock()
	if err := s.subscribeSide(sess, r.Role); err != nil {
		s.cfg.Logger.Error("resume: subscribe to the session", "session", sess.id, "err", err)
		return nil, nil, s.refuse(proto.ErrServerBusy)
	}
	return sess, other, nil
}

// placeLocked makes c role's client of sess, closing a stale socket of
// the same side, and returns the other side's client here (nil when it is
// away or on another node).
func (s *Server) placeLocked(sess *session, c *client, role proto.Role) *client {
	c.sess, c.role = sess, role
	old, other := &sess.tech, sess.agent
	if role == proto.RoleAgent {
		old, other = &sess.agent, sess.tech
	}
	if *old != nil && *old != c {
		(*old).conn.CloseNow() // its detach finds its place taken
	}
	*old = c
	return other
}

// resumeHash is the hash of role's resume secret.
func (sess *session) resumeHash(role proto.Role) [32]byte {
	if role == proto.RoleTechnician {
		return sess.techResume
	}
	return sess.agentResume
}

// tellResumed tells sess's other side that role's side is back: directly
// when it is here, over the bus otherwise (its node delivers it as a
// frame).
func (s *Server) tellResumed(ctx context.Context, sess *session, role proto.Role, other *client) {
	msg := proto.PeerResumed{Session: sess.id, Role: role}
	if other != nil {
		other.send(ctx, proto.TypePeerResumed, msg)
		return
	}
	if s.cfg.Cluster == nil {
		return
	}
	b, err := proto.Encode(proto.TypePeerResumed, msg)
	if err == nil {
		s.publish(sess, otherRole(role), cluster.KindFrame, b)
	}
}

// subscribeSide subscribes this node to what is sent to role's side of
// sess, once.
func (s *Server) subscribeSide(sess *session, role proto.Role) error {
	s.mu.Lock()
	done := sess.subscribed[role]
	s.mu.Unlock()
	if done {
		return nil
	}
	unsub, err := s.cfg.Cluster.Bus.Subscribe(cluster.Subject(sess.id, role), s.fromCluster(sess.id, role))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[sess.id] != sess || sess.subscribed[role] {
		unsub() // ended meanwhile, or subscribed by another call
		return nil
	}
	if sess.subscribed == nil {
		sess.subscribed = map[proto.Role]bool{}
	}
	sess.subscribed[role] = true
	prev := sess.unsub
	sess.unsub = func() {
		if prev != nil {
			prev()
		}
		unsub()
	}
	return nil
}

// otherLocked is the client of the side other than role, here.
func (sess *session) otherLocked(role proto.Role) *client {
	if role == proto.RoleTechnician {
		return sess.agent
	}
	return sess.tech
}
