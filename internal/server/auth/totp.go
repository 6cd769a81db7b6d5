package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps, what
// every authenticator app reads from an otpauth:// URI).
//
// An account enrolls by asking for a secret (EnrollTOTP, which returns the
// otpauth:// URI once and never again) and confirming it with a first
// code (ConfirmTOTP), or by an administrator enrolling it and a first
// login with a right code confirming it. From then on, and whenever an administrator
// requires TOTP of the account or one of its groups, login/finish needs a
// right code in its "totp" field. A wrong or missing code is a failed
// login like a wrong password: it counts toward the three tries and gets
// the same 401. A code is accepted for the step before, at and after now,
// and each step at most once per account, so a seen code cannot be
// replayed. The secret is stored sealed with AES-256-GCM under a key kept
// in the store's secrets (bound to the account ID), so a dump of the totp
// table alone reveals nothing; it is never logged or returned after
// enrollment.

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Errors of enrollment.
var (
	ErrTOTPCode     = errors.New("the TOTP code is wrong or already used: wait for the next code from the authenticator app")
	ErrTOTPEnrolled = errors.New("TOTP is already set up for this account: ask an administrator to reset it first")
	ErrTOTPNone     = errors.New("no TOTP enrollment: enroll first")
)

// EnrollTOTP starts TOTP enrollment for id and returns the otpauth:// URI
// for an authenticator app. It is shown once; confirm it with
// ConfirmTOTP. A confirmed enrollment is not replaced (an administrator
// resets it with ResetTOTP), so a stolen session cannot swap the factor.
func (s *Service) EnrollTOTP(ctx context.Context, id string) (string, error) {
	if t, err := s.st.TOTP(ctx, id); err == nil && t.Confirmed {
		return "", ErrTOTPEnrolled
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("enroll TOTP: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.TOTPIssuer, AccountName: id})
	if err != nil {
		return "", fmt.Errorf("enroll TOTP: %w", err)
	}
	sealed, err := s.sealTOTP(id, key.Secret())
	if err != nil {
		return "", err
	}
	if err := s.st.PutTOTP(ctx, id, sealed, s.cfg.Now()); err != nil {
		return "", err
	}
	s.event(ctx, EventTOTPEnrolled, id, netip.Addr{})
	return key.URL(), nil
}

// ConfirmTOTP completes id's enrollment with a first code.
func (s *Service) ConfirmTOTP(ctx context.Context, id, code string) error {
	t, err := s.st.TOTP(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrTOTPNone
	}
	if err != nil {
		return fmt.Errorf("confirm TOTP: %w", err)
	}
	if t.Confirmed {
		return ErrTOTPEnrolled
	}
	ok, err := s.verifyTOTP(ctx, id, t, code, s.cfg.Now())
	if err != nil {
		return fmt.Errorf("confirm TOTP: %w", err)
	}
	if !ok {
		return ErrTOTPCode
	}
	s.event(ctx, EventTOTPConfirmed, id, netip.Addr{})
	return nil
}

// ResetTOTP removes id's enrollment (an administrator's action, for a
// lost phone). If TOTP is required of id, it cannot log in until it
// enrolls again - which needs a login - so lift the requirement first.
func (s *Service) ResetTOTP(ctx context.Context, id string) error {
	if err := s.st.DeleteTOTP(ctx, id); err != nil {
		return err
	}
	s.event(ctx, EventTOTPReset, id, netip.Addr{})
	return nil
}

// verifyTOTP checks code against t for the steps around now and, on a
// match with a step newer than the last used one, records that step.
func (s *Service) verifyTOTP(ctx context.Context, id string, t store.TOTP, code string, now time.Time) (bool, error) {
	secret, err := s.openTOTP(id, t.Sealed)
	if err != nil {
		return false, err
	}
	step, ok, err := s.matchTOTP(secret, code, t.LastStep, now)
	if err != nil || !ok {
		return false, err
	}
	return s.st.UseTOTPStep(ctx, id, step)
}

func (s *Service) totpAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.totpKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func (s *Service) sealTOTP(id, secret string) ([]byte, error) {
	aead, err := s.totpAEAD()
	if err != nil {
		return nil, fmt.Errorf("seal TOTP secret: %w", err)
	}
	nonce := randomBytes(aead.NonceSize())
	return aead.Seal(nonce, nonce, []byte(secret), []byte("tandem-totp:"+id)), nil
}

func (s *Service) openTOTP(id string, sealed []byte) (string, error) {
	aead, err := s.totpAEAD()
	if err != nil || len(sealed) < aead.NonceSize() {
		return "", errors.New("open TOTP secret: damaged: reset the account's TOTP")
	}
	n := aead.NonceSize()
	b, err := aead.Open(nil, sealed[:n], sealed[n:], []byte("tandem-totp:"+id))
	if err != nil {
		return "", errors.New("open TOTP secret: damaged or for another account: reset the account's TOTP")
	}
	return string(b), nil
}
