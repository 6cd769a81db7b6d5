package auth

import (
	"context"
	"crypto/hmac"
	"fmt"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// finishLogin checks the client's proof for loginID. Every way it can fail
// because of the account - unknown, disabled, wrong password, wrong TOTP
// code, blocked, refused by IP rules - returns login.ErrLoginFailed after the
// same steps: the SCRAM check, one lockout read, the TOTP check (two reads,
// one secret opened, three codes), one lockout write and one event.
func (s *Service) finishLogin(ctx context.Context, src netip.Addr, binding []byte, loginID, clientFinal, totpCode string) (serverFinal string, tok login.Token, err error) {
	now := s.cfg.Now()
	if err := s.throttled(ctx, src, now); err != nil {
		return "", login.Token{}, err
	}
	p := s.takePending(loginID, now)
	if p == nil {
		return "", login.Token{}, errBadRequest{"unknown or expired login_id: start the login again"}
	}
	if !hmac.Equal(binding, p.binding) || src != p.src {
		s.fail(src, now)
		return "", login.Token{}, errBadRequest{"login must finish on the TLS connection it started on: start again"}
	}
	serverFinal, stepErr := p.conv.Step(clientFinal)
	proofOK := stepErr == nil && p.conv.Valid()

	mu := s.lockFor(p.id)
	mu.Lock()
	defer mu.Unlock()
	lock, err := s.st.Lockout(ctx, p.id)
	if err != nil {
		return "", login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	// The second factor is judged like the password: a wrong or missing
	// code is one more failure, indistinguishable from outside, and is
	// checked with the same work whatever the password (totp_login.go).
	passwordOK := proofOK && p.known && !p.denied && !lock.Blocked(now)
	totpOK, err := s.useSecondFactor(ctx, p.id, totpCode, passwordOK, now)
	if err != nil {
		return "", login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	failure := EventLoginFailed
	if passwordOK && !totpOK {
		failure = EventTOTPFailed // the audit log says the password was right
	}
	ok, err := s.judge(ctx, p, lock, proofOK && totpOK, failure, now)
	if err != nil {
		return "", login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	if !ok {
		s.fail(src, now)
		return "", login.Token{}, login.ErrLoginFailed
	}
	tok, err = s.succeed(ctx, p, now)
	if err != nil {
		return "", login.Token{}, err
	}
	return serverFinal, tok, nil
}

// useSecondFactor checks the TOTP code and, when the password is right
// too, uses its step up. It reports whether the factor lets the login
// through.
func (s *Service) useSecondFactor(ctx context.Context, id, code string, passwordOK bool, now time.Time) (bool, error) {
	f, err := s.secondFactor(ctx, id, code, now)
	if err != nil || !f.passes() {
		return false, err
	}
	if !f.needed || !passwordOK {
		return true, nil
	}
	return s.st.UseTOTPStep(ctx, id, f.step) // false if a concurrent login used it first
}

// judge decides a finished login and records it, making exactly one
// lockout write and reporting one event on every refusing path; failure
// is the event of a wrong password or code.
func (s *Service) judge(ctx context.Context, p *pendingLogin, lock store.Lockout, proofOK bool, failure EventKind, now time.Time) (bool, error) {
	known := ""
	if p.known {
		known = p.id
	}
	switch {
	case p.denied:
		// Refused before the password counts: an address outside the
		// rules can neither test nor lock out the account.
		s.event(ctx, EventIPRefused, known, p.src)
		return false, s.st.NoteAttempt(ctx, p.id, now)
	case lock.Blocked(now):
		// Even a right password; and the block is never extended.
		s.event(ctx, EventLoginBlocked, known, p.src)
		_, err := s.st.RecordFailure(ctx, p.id, now, s.cfg.MaxFailures, s.cfg.BlockFor)
		return false, err
	case !p.known || !proofOK:
		l, err := s.st.RecordFailure(ctx, p.id, now, s.cfg.MaxFailures, s.cfg.BlockFor)
		s.event(ctx, failure, known, p.src)
		if err == nil && l.Blocked(now) && p.known {
			s.event(ctx, EventIDBlocked, known, p.src)
		}
		return false, err
	}
	return true, nil
}

// succeed re-checks what may have changed since start, then clears the
// failure count and issues a token.
func (s *Service) succeed(ctx context.Context, p *pendingLogin, now time.Time) (login.Token, error) {
	acct, err := s.st.Account(ctx, p.id)
	if err != nil || acct.Disabled {
		s.fail(p.src, now)
		return login.Token{}, login.ErrLoginFailed
	}
	if maxAge := s.cfg.Policy.MaxAge; maxAge > 0 {
		cred, err := s.st.Credential(ctx, p.id)
		if err != nil {
			return login.Token{}, fmt.Errorf("finish login: %w", err)
		}
		if now.Sub(cred.SetAt) > maxAge {
			s.event(ctx, EventLoginFailed, p.id, p.src)
			return login.Token{}, login.ErrPasswordExpired
		}
	}
	if err := s.st.ClearLockout(ctx, p.id); err != nil {
		return login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	tok, err := s.issueToken(ctx, p.id, now)
	if err != nil {
		return login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	s.event(ctx, EventLoginSucceeded, p.id, p.src)
	return tok, nil
}
