package signaling

import (
	"context"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// operator is who opened a session, with what they may do in it.
type operator struct {
	id, name, org string
	functions     []grant.Function
	relayPort     int // an administrator's assignment; 0: the configured URLs as they are
}

// authorizeOpen decides who is opening a session from the token in Open:
// the session token of the operator's SCRAM login, within their IP rules.
func (s *Server) authorizeOpen(ctx context.Context, c *client, token string) (operator, error) {
	a, err := s.cfg.Auth.Authenticate(ctx, token)
	if err != nil {
		return operator{}, err
	}
	if err := s.cfg.Auth.CheckSource(ctx, a.ID, c.addr); err != nil {
		return operator{}, err
	}
	op := operator{id: a.ID, name: a.DisplayName, org: a.Organisation, relayPort: a.RelayPort}
	if s.cfg.Permissions == nil {
		return op, nil
	}
	fs, err := s.cfg.Permissions(ctx, a.ID)
	if err != nil {
		return operator{}, err
	}
	for _, f := range fs {
		if g, err := grant.ParseFunction(f); err == nil {
			op.functions = append(op.functions, g)
		}
	}
	return op, nil
}

// signGrant returns sess's signed grant for the agent, or nil when the
// server has no grant key.
func (s *Server) signGrant(sess *session, now time.Time) ([]byte, error) {
	if s.cfg.GrantKey == nil {
		return nil, nil
	}
	op := sess.operator
	return grant.Sign(s.cfg.GrantKey, grant.Grant{Operator: op.id, Name: op.name, Organisation: op.org,
		Session: sess.id, Issued: now, Expires: sess.ends, Functions: op.functions})
}

// auditSession records a session event with its operator as the actor.
func (s *Server) auditSession(ctx context.Context, kind string, sess *session, c *client, detail map[string]string) {
	if s.cfg.Audit == nil {
		return
	}
	e := audit.Entry{Kind: kind, Actor: sess.operator.id, Subject: sess.id, Detail: detail}
	if c != nil && c.addr.IsValid() {
		e.Source = c.addr.String()
	}
	s.cfg.Audit.Note(ctx, e)
}
