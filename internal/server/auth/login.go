package auth

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// pendingLogin is a login between start and finish, held in memory: both
// halves travel on one TLS connection, hence to one server process.
type pendingLogin struct {
	id      string // canonical (lowercase) ID as typed
	conv    *scram.ServerConversation
	binding []byte // exporter value of the start connection; nil if unbound
	src     netip.Addr
	known   bool // an enabled account with a password
	denied  bool // its IP rules refuse src

	// Kept by pendingTable.
	loginID string
	key     netip.Prefix // netprefix.Source(src)
	net     netip.Prefix // netprefix.Network(src)
	expires time.Time
	elem    *list.Element // in the table's order
	srcElem *list.Element // in its source's group
	netElem *list.Element // in its aggregate's group
}

const maxIDLen = 64

// errBadRequest marks a malformed or out-of-protocol request: its message
// is safe to show and says nothing about any account.
type errBadRequest struct{ msg string }

func (e errBadRequest) Error() string { return e.msg }

// throttledError carries how long to wait.
type throttledError struct{ retry time.Duration }

func (e throttledError) Error() string { return login.ErrThrottled.Error() }
func (e throttledError) Unwrap() error { return login.ErrThrottled }

// tooManyStartsError carries how long to wait: the source (or its
// network) started logins faster than startLimit allows.
type tooManyStartsError struct{ retry time.Duration }

func (e tooManyStartsError) Error() string { return login.ErrTooManyStarts.Error() }
func (e tooManyStartsError) Unwrap() error { return login.ErrTooManyStarts }

// startLogin runs SCRAM's first step for id from src. binding is the
// connection's tls-exporter value, nil when there is none; unboundOK lets
// a login without one through (AllowUnbound, or the browser console's
// own endpoint: browser.go).
func (s *Service) startLogin(ctx context.Context, src netip.Addr, binding []byte, unboundOK bool, id, clientFirst string) (loginID, serverFirst string, err error) {
	now := s.cfg.Now()
	if err := s.throttled(ctx, src, now); err != nil {
		return "", "", err
	}
	if ok, retry, first := s.starts.allow(src, now); !ok {
		if first {
			s.event(ctx, EventStartsLimited, "", src)
		}
		return "", "", tooManyStartsError{retry}
	}
	if binding == nil && !unboundOK {
		return "", "", errBadRequest{"login needs TLS 1.3 straight to the signaling server (channel binding); if a proxy terminates TLS, the administrator must allow unbound logins"}
	}
	id = strings.ToLower(id)
	p := &pendingLogin{id: id, binding: binding, src: src}
	var lookupErr error
	lookup := func(username string) (scram.StoredCredentials, error) {
		if strings.ToLower(username) != id {
			lookupErr = errBadRequest{"the ID in client_first differs from id"}
			return scram.StoredCredentials{}, lookupErr
		}
		creds, err := s.lookup(ctx, p)
		lookupErr = err
		return creds, err
	}
	srv, _ := scram.SHA256.NewServer(lookup)
	switch {
	case binding == nil:
		p.conv = srv.NewConversation()
	case s.cfg.AllowUnbound:
		p.conv = srv.NewConversationWithChannelBinding(scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: binding})
	default:
		p.conv = srv.NewConversationWithChannelBindingRequired(scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: binding})
	}
	serverFirst, err = p.conv.Step(clientFirst)
	if lookupErr != nil {
		return "", "", fmt.Errorf("start login: %w", lookupErr)
	}
	if err != nil {
		return "", "", errBadRequest{"client_first is not a SCRAM-SHA-256 client-first-message with tls-exporter channel binding"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending.add(p, now), serverFirst, nil
}

// lookup finds id's keys and IP rules. Whatever the ID, it makes the same
// three reads, and an ID that cannot log in gets fake keys.
func (s *Service) lookup(ctx context.Context, p *pendingLogin) (scram.StoredCredentials, error) {
	acct, errA := s.st.Account(ctx, p.id)
	cred, errC := s.st.Credential(ctx, p.id)
	rules, errR := s.st.AccountIPRules(ctx, p.id)
	for _, err := range []error{errA, errC, errR} {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return scram.StoredCredentials{}, err
		}
	}
	p.known = errA == nil && errC == nil && !acct.Disabled && validID(p.id)
	if !p.known {
		return fakeCredential(s.secret, p.id, s.cfg.Iterations), nil
	}
	p.denied = !allowedFrom(rules, p.src)
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(cred.Salt), Iters: cred.Iterations},
		StoredKey:  cred.StoredKey, ServerKey: cred.ServerKey,
	}, nil
}

func (s *Service) takePending(loginID string, now time.Time) *pendingLogin {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending.take(loginID, now)
}
