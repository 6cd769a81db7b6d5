package auth

import (
	"context"
	"fmt"

	"github.com/tandem-remote/tandem/internal/store"
)

// CreateGroup adds an operator group.
func (s *Service) CreateGroup(ctx context.Context, name string) error {
	if !validID(name) {
		return fmt.Errorf("create group %q: use 1-64 lowercase letters, digits and . _ @ -", name)
	}
	return s.st.CreateGroup(ctx, name)
}

// DeleteGroup removes a group, its memberships and its IP rules.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	return s.st.DeleteGroup(ctx, name)
}

// AddToGroup makes id a member of group.
func (s *Service) AddToGroup(ctx context.Context, group, id string) error {
	return s.st.AddMember(ctx, group, id)
}

// RemoveFromGroup ends id's membership of group.
func (s *Service) RemoveFromGroup(ctx context.Context, group, id string) error {
	return s.st.RemoveMember(ctx, group, id)
}

// AllowIP adds an allow rule (see ParseIPRule) to an account or group.
// Once an account has any rule, its own or a group's, it may log in only
// from inside one of them.
func (s *Service) AllowIP(ctx context.Context, sub store.Subject, rule string) error {
	p, err := ParseIPRule(rule)
	if err != nil {
		return err
	}
	if err := s.st.AddIPRule(ctx, sub, p); err != nil {
		return fmt.Errorf("allow %s for %s %s: %w", p, sub.Kind, sub.Name, err)
	}
	return nil
}

// DisallowIP removes an allow rule.
func (s *Service) DisallowIP(ctx context.Context, sub store.Subject, rule string) error {
	p, err := ParseIPRule(rule)
	if err != nil {
		return err
	}
	return s.st.RemoveIPRule(ctx, sub, p)
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, id string) (store.Account, error) {
	return s.st.Account(ctx, id)
}

// Accounts lists every account.
func (s *Service) Accounts(ctx context.Context) ([]store.Account, error) {
	return s.st.ListAccounts(ctx)
}
