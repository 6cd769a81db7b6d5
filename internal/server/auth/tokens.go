package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// tokenPrefix marks Tandem session tokens so secret scanners and people
// recognise a leaked one.
const tokenPrefix = "tdm_"

func hashToken(value string) ([32]byte, bool) {
	raw, ok := strings.CutPrefix(value, tokenPrefix)
	if !ok {
		return [32]byte{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) != 32 {
		return [32]byte{}, false
	}
	return sha256.Sum256(b), true
}

func (s *Service) issueToken(ctx context.Context, id string, now time.Time) (login.Token, error) {
	raw := randomBytes(32)
	t := login.Token{Value: tokenPrefix + base64.RawURLEncoding.EncodeToString(raw), Expires: now.Add(s.cfg.TokenTTL)}
	err := s.st.CreateToken(ctx, store.Token{Hash: sha256.Sum256(raw), AccountID: id, Created: now, Expires: t.Expires})
	return t, err
}

// Authenticate returns the account a live token belongs to. A malformed,
// unknown, expired or revoked token, or one whose account is disabled, is
// login.ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (store.Account, error) {
	h, ok := hashToken(token)
	if !ok {
		return store.Account{}, login.ErrUnauthenticated
	}
	t, err := s.st.Token(ctx, h)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !t.Live(s.cfg.Now())) {
		return store.Account{}, login.ErrUnauthenticated
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("authenticate: %w", err)
	}
	a, err := s.st.Account(ctx, t.AccountID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.Disabled) {
		return store.Account{}, login.ErrUnauthenticated
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("authenticate: %w", err)
	}
	return a, nil
}

// AuthenticateRequest authenticates the request's "Authorization: Bearer"
// token and applies the account's IP rules to the request's source (X-
// Forwarded-For only from trusted proxies), so a token carried elsewhere
// is refused too.
func (s *Service) AuthenticateRequest(r *http.Request) (store.Account, error) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return store.Account{}, login.ErrUnauthenticated
	}
	a, err := s.Authenticate(r.Context(), token)
	if err != nil {
		return store.Account{}, err
	}
	if err := s.CheckSource(r.Context(), a.ID, s.ClientAddr(r)); err != nil {
		return store.Account{}, err
	}
	return a, nil
}

// CheckSource applies id's IP rules to addr: login.ErrUnauthenticated outside
// them. The signaling server calls it for a WebSocket's source.
func (s *Service) CheckSource(ctx context.Context, id string, addr netip.Addr) error {
	rules, err := s.st.AccountIPRules(ctx, id)
	if err != nil {
		return fmt.Errorf("check source: %w", err)
	}
	if !allowedFrom(rules, addr) {
		s.event(ctx, EventIPRefused, id, addr)
		return login.ErrUnauthenticated
	}
	return nil
}

// ClientAddr is the request's source address as the service sees it.
func (s *Service) ClientAddr(r *http.Request) netip.Addr {
	return clientAddr(r, s.cfg.TrustedProxies)
}

// Logout revokes token. An unknown token is login.ErrUnauthenticated.
func (s *Service) Logout(ctx context.Context, token string) error {
	h, ok := hashToken(token)
	if !ok {
		return login.ErrUnauthenticated
	}
	t, err := s.st.Token(ctx, h)
	if err != nil {
		return login.ErrUnauthenticated
	}
	if err := s.st.RevokeToken(ctx, h, s.cfg.Now()); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	s.event(ctx, EventLogout, t.AccountID, netip.Addr{})
	return nil
}
