package signaling

import (
	"context"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// end closes c's session on c's request: the other side gets Bye with
// reason and both connections close.
func (s *Server) end(ctx context.Context, c *client, reason string) {
	s.mu.Lock()
	sess := c.sess
	removed := sess != nil && s.removeLocked(sess)
	var peer *client // read under the lock: detach clears it
	if sess != nil {
		peer = sess.tech
		if c.role == proto.RoleTechnician {
			peer = sess.agent
		}
	}
	s.mu.Unlock()
	if sess == nil {
		return
	}
	if reason == "" {
		reason = "hangup"
	}
	if removed {
		s.auditSession(ctx, "session.end", sess, c, map[string]string{"reason": reason, "by": string(c.role)})
		s.endCredentials(ctx, sess)
		s.crossEnd(ctx, sess, c.role, reason) // the other side on another node (cluster.go)
	}
	s.cfg.Logger.Info("session ended", "session", sess.id, "by", c.role, "reason", reason)
	if peer != nil {
		peer.send(ctx, proto.TypeBye, proto.Bye{Reason: reason})
		peer.closeGracefully()
	}
	c.closeGracefully()
}

// endPeers tells both sides of an expired session, its clients as they
// were when it was removed, why it ended.
func (s *Server) endPeers(ctx context.Context, sess *session, clients []*client, reason string) {
	s.cfg.Logger.Info("session ended", "session", sess.id, "reason", reason)
	for _, c := range clients {
		if c != nil {
			c.send(ctx, proto.TypeBye, proto.Bye{Reason: reason})
			c.closeGracefully()
		}
	}
}

// closeGracefully runs the WebSocket close handshake without blocking the
// caller: it waits up to five seconds for the client's answer, and a client
// that is not reading would otherwise stall the other side's read loop.
// The goroutine ends when the handshake completes or times out.
func (c *client) closeGracefully() {
	go c.conn.Close(websocket.StatusNormalClosure, "")
}

// detach removes a closed connection from its session. The other side is
// told "peer-gone": before the peer link is up that ends its wait; after,
// the peers may carry on over their own link, which has its own liveness.
// A session whose both sides are gone is removed; so is an unjoined one
// whose technician left, which kills its code.
func (s *Server) detach(ctx context.Context, c *client) {
	s.mu.Lock()
	sess := c.sess
	var peer *client
	removed, joined := false, false
	if sess != nil {
		joined = sess.joined
		if c.role == proto.RoleTechnician && sess.tech == c {
			sess.tech, peer = nil, sess.agent
		} else if c.role == proto.RoleAgent && sess.agent == c {
			sess.agent, peer = nil, sess.tech
		}
		if sess.tech == nil && (sess.agent == nil || !sess.joined) {
			removed = s.removeLocked(sess)
		}
	}
	s.mu.Unlock()
	// With several nodes, the end is recorded where the last side leaves.
	if removed && s.leftNode(ctx, sess, c.role) {
		s.auditSession(ctx, "session.end", sess, c, map[string]string{"reason": "disconnected", "by": string(c.role)})
		if !joined {
			s.endCredentials(ctx, sess) // a joined one's peers may carry on (sessionends.go)
		}
	}
	if peer != nil {
		peer.send(ctx, proto.TypeBye, proto.Bye{Reason: "peer-gone"})
	}
}
