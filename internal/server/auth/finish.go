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
// same steps: one lockout write (the try's reservation, or a noted
// attempt), the SCRAM check, the TOTP check (two reads, one secret opened,
// three codes) and one event.
//
// The try is reserved in the store before the proof is checked, so the
// proofs that can let a login through never number more than MaxFailures
// between a success (or unlock) and the block, however many logins for
// the ID race on however many processes. A blocked ID's proof is still
// checked, for the same work, but its result is never used.
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
	try, err := s.reserve(ctx, p, now)
	if err != nil {
		return "", login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	serverFinal, stepErr := p.conv.Step(clientFinal)
	proofOK := stepErr == nil && p.conv.Valid()
	// The second factor is judged like the password: a wrong or missing
	// code is one more failure, indistinguishable from outside, and is
	// checked with the same work whatever the password (totp_login.go).
	passwordOK := proofOK && p.known && try.granted
	totpOK, err := s.useSecondFactor(ctx, p.id, totpCode, passwordOK, now)
	if err != nil {
		return "", login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	failure := EventLoginFailed
	if passwordOK && !totpOK {
		failure = EventTOTPFailed // the audit log says the password was right
	}
	if !s.judge(ctx, p, try, proofOK && totpOK, failure, now) {
		s.fail(src, now)
		return "", login.Token{}, login.ErrLoginFailed
	}
	tok, err = s.succeed(ctx, p, now)
	if err != nil {
		return "", login.Token{}, err
	}
	return serverFinal, tok, nil
}

// attempt is a finishing login's claim on its ID's tries.
type attempt struct {
	granted bool          // a try was reserved: the proof may count
	lock    store.Lockout // the ID's state after the reservation
}

// reserve claims a try for p before its proof is checked: the one lockout
// write of every finish. A source outside the ID's IP rules claims none
// (it can neither test nor lock out the account); its attempt is noted.
func (s *Service) reserve(ctx context.Context, p *pendingLogin, now time.Time) (attempt, error) {
	if p.denied {
		return attempt{}, s.st.NoteAttempt(ctx, p.id, now)
	}
	l, ok, err := s.st.ReserveAttempt(ctx, p.id, now, s.cfg.MaxFailures, s.cfg.BlockFor)
	return attempt{granted: ok, lock: l}, err
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

// judge decides a finished login and reports one event on every refusing
// path; failure is the event of a wrong password or code. The lockout was
// written already (reserve): a refused try stays counted.
func (s *Service) judge(ctx context.Context, p *pendingLogin, try attempt, proofOK bool, failure EventKind, now time.Time) bool {
	known := ""
	if p.known {
		known = p.id
	}
	switch {
	case p.denied:
		s.event(ctx, EventIPRefused, known, p.src)
		return false
	case !try.granted:
		// Even a right password; and the block is never extended.
		s.event(ctx, EventLoginBlocked, known, p.src)
		return false
	case !p.known || !proofOK:
		s.event(ctx, failure, known, p.src)
		if try.lock.Blocked(now) && p.known {
			s.event(ctx, EventIDBlocked, known, p.src) // this try was the last
		}
		return false
	}
	return true
}

// succeed re-checks what may have changed since start (a disabled
// account's try stays counted), clears the failure count, since the
// password was right, and issues a token unless the password expired.
func (s *Service) succeed(ctx context.Context, p *pendingLogin, now time.Time) (login.Token, error) {
	acct, err := s.st.Account(ctx, p.id)
	if err != nil || acct.Disabled {
		s.fail(p.src, now)
		return login.Token{}, login.ErrLoginFailed
	}
	if err := s.st.ClearLockout(ctx, p.id); err != nil {
		return login.Token{}, fmt.Errorf("finish login: %w", err)
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
	tok, err := s.issueToken(ctx, p.id, now)
	if err != nil {
		return login.Token{}, fmt.Errorf("finish login: %w", err)
	}
	s.event(ctx, EventLoginSucceeded, p.id, p.src)
	return tok, nil
}
