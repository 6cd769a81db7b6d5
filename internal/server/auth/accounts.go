package auth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// validID reports whether id can name an account: 1 to 64 characters of
// lowercase letters, digits and . _ @ -, starting with a letter or digit
// (so an e-mail address works, and nothing needs escaping anywhere).
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i, r := range id {
		alnum := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("._@-", r)) {
			return false
		}
	}
	return true
}

// CreateAccount creates an administrator or operator with a first
// password. This and SetPassword are the only places the server sees a
// password: it arrives over TLS from an administrator, is checked against
// the policy, turned into SCRAM keys, and dropped.
func (s *Service) CreateAccount(ctx context.Context, a store.Account, password string) error {
	if !validID(a.ID) {
		return fmt.Errorf("create account: ID %q: use 1-64 lowercase letters, digits and . _ @ -, starting with a letter or digit", a.ID)
	}
	if !a.Kind.Valid() {
		return fmt.Errorf("create account: kind %q: use administrator or operator", a.Kind)
	}
	if err := s.cfg.Policy.Check(password, a.ID, a.DisplayName); err != nil {
		return fmt.Errorf("create account %s: %w", a.ID, err)
	}
	now := s.cfg.Now()
	cred, fp, err := newCredential(password, s.cfg.Iterations, now)
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.ID, err)
	}
	a.Created, a.Disabled = now, false
	if err := s.st.CreateAccount(ctx, a); err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	if err := s.st.SetCredential(ctx, a.ID, cred, fp, s.cfg.Policy.History); err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	s.event(ctx, EventPasswordSet, a.ID, netip.Addr{})
	return nil
}

// SetPassword replaces id's password after checking the policy and the
// last Policy.History passwords, and revokes all of id's tokens.
func (s *Service) SetPassword(ctx context.Context, id, password string) error {
	a, err := s.st.Account(ctx, id)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := s.cfg.Policy.Check(password, a.ID, a.DisplayName); err != nil {
		return fmt.Errorf("set password for %s: %w", id, err)
	}
	history, err := s.st.PasswordHistory(ctx, id)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if len(history) > s.cfg.Policy.History {
		history = history[:s.cfg.Policy.History]
	}
	if again, err := reused(password, history); err != nil {
		return fmt.Errorf("set password: %w", err)
	} else if again {
		return fmt.Errorf("set password for %s: %w", id, &PolicyError{Problems: []string{
			fmt.Sprintf("it is one of the last %d passwords of this account; choose a new one", s.cfg.Policy.History)}})
	}
	now := s.cfg.Now()
	cred, fp, err := newCredential(password, s.cfg.Iterations, now)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := s.st.SetCredential(ctx, id, cred, fp, s.cfg.Policy.History); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	s.event(ctx, EventPasswordSet, id, netip.Addr{})
	return nil
}

// Disable stops id from logging in and revokes all its tokens at once.
func (s *Service) Disable(ctx context.Context, id string) error {
	if err := s.st.SetDisabled(ctx, id, true, s.cfg.Now()); err != nil {
		return fmt.Errorf("disable: %w", err)
	}
	s.event(ctx, EventDisabled, id, netip.Addr{})
	return nil
}

// Enable lets a disabled id log in again (with its existing password).
func (s *Service) Enable(ctx context.Context, id string) error {
	if err := s.st.SetDisabled(ctx, id, false, s.cfg.Now()); err != nil {
		return fmt.Errorf("enable: %w", err)
	}
	s.event(ctx, EventEnabled, id, netip.Addr{})
	return nil
}

// Unlock lifts a three-tries block on id and forgets its failures.
func (s *Service) Unlock(ctx context.Context, id string) error {
	if err := s.st.ClearLockout(ctx, id); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	s.event(ctx, EventUnlocked, id, netip.Addr{})
	return nil
}

// Lockout reports id's three-tries state, for administrators.
func (s *Service) Lockout(ctx context.Context, id string) (store.Lockout, error) {
	return s.st.Lockout(ctx, id)
}

// ValidID reports whether id can name an account or group (see
// CreateAccount), so callers can refuse a bad one as the user's mistake.
func ValidID(id string) bool { return validID(id) }
