package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// ErrInvalid marks a request the caller got wrong (HTTP 400); its message
// says what to change.
var ErrInvalid = errors.New("invalid request")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Admin carries out administrative actions over one store.
type Admin struct {
	auth   *auth.Service
	st     store.Store
	log    *audit.Log
	logger *slog.Logger
	now    func() time.Time

	blockFor, blockMax time.Duration // operators' block limits; see SetBlockLimits

	setupMu   sync.Mutex
	setupDone bool // sticky once an administrator exists; guarded by setupMu
}

// New returns an Admin. logger nil discards; now nil is time.Now.
func New(a *auth.Service, st store.Store, log *audit.Log, logger *slog.Logger, now func() time.Time) *Admin {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Admin{auth: a, st: st, log: log, logger: logger, now: now}
}

func (a *Admin) record(ctx context.Context, kind, subject string, detail map[string]string) error {
	_, err := a.log.Record(ctx, audit.Entry{Kind: kind, Subject: subject, Detail: detail})
	return err
}

// CreateAccount creates an operator or administrator with a first password.
func (a *Admin) CreateAccount(ctx context.Context, acct store.Account, password string) error {
	if !auth.ValidID(acct.ID) {
		return invalid("ID %q: use 1-64 lowercase letters, digits and . _ @ -, starting with a letter or digit", acct.ID)
	}
	if !acct.Kind.Valid() {
		return invalid("kind %q: use administrator or operator", acct.Kind)
	}
	if err := a.auth.CreateAccount(ctx, acct, password); err != nil {
		return err
	}
	return a.record(ctx, "admin.account-created", acct.ID, map[string]string{"kind": string(acct.Kind), "name": acct.DisplayName})
}

// SetPassword, Disable, Enable and Unlock are audited by auth's event hook.

// SetPassword replaces id's password.
func (a *Admin) SetPassword(ctx context.Context, id, password string) error {
	return a.auth.SetPassword(ctx, id, password)
}

// Disable stops id logging in and ends its tokens.
func (a *Admin) Disable(ctx context.Context, id string) error { return a.auth.Disable(ctx, id) }

// Enable lets id log in again.
func (a *Admin) Enable(ctx context.Context, id string) error { return a.auth.Enable(ctx, id) }

// Unlock lifts id's three-tries block. An unknown ID is an error here
// (unlike at login) so a typo does not pass silently.
func (a *Admin) Unlock(ctx context.Context, id string) error {
	if _, err := a.st.Account(ctx, id); err != nil {
		return err
	}
	return a.auth.Unlock(ctx, id)
}

// AccountInfo is an account with its lockout state and permissions.
type AccountInfo struct {
	store.Account
	Lockout     store.Lockout
	Permissions []string // own and through groups
}

// Account returns one account's details.
func (a *Admin) Account(ctx context.Context, id string) (AccountInfo, error) {
	acct, err := a.st.Account(ctx, id)
	if err != nil {
		return AccountInfo{}, err
	}
	l, err := a.st.Lockout(ctx, id)
	if err != nil {
		return AccountInfo{}, err
	}
	perms, err := a.st.AccountPermissions(ctx, id)
	return AccountInfo{Account: acct, Lockout: l, Permissions: perms}, err
}

// Accounts lists every account.
func (a *Admin) Accounts(ctx context.Context) ([]store.Account, error) { return a.st.ListAccounts(ctx) }

// Groups lists every group.
func (a *Admin) Groups(ctx context.Context) ([]string, error) { return a.st.ListGroups(ctx) }

// CreateGroup adds an operator group.
func (a *Admin) CreateGroup(ctx context.Context, name string) error {
	if !auth.ValidID(name) {
		return invalid("group %q: use 1-64 lowercase letters, digits and . _ @ -", name)
	}
	if err := a.st.CreateGroup(ctx, name); err != nil {
		return err
	}
	return a.record(ctx, "admin.group-created", name, nil)
}

// DeleteGroup removes a group with its memberships, rules and permissions.
func (a *Admin) DeleteGroup(ctx context.Context, name string) error {
	if err := a.st.DeleteGroup(ctx, name); err != nil {
		return err
	}
	return a.record(ctx, "admin.group-deleted", name, nil)
}

// AddMember puts account id in group.
func (a *Admin) AddMember(ctx context.Context, group, id string) error {
	if err := a.st.AddMember(ctx, group, id); err != nil {
		return err
	}
	return a.record(ctx, "admin.member-added", id, map[string]string{"group": group})
}

// RemoveMember takes account id out of group.
func (a *Admin) RemoveMember(ctx context.Context, group, id string) error {
	if err := a.st.RemoveMember(ctx, group, id); err != nil {
		return err
	}
	return a.record(ctx, "admin.member-removed", id, map[string]string{"group": group})
}

// ParseSubject reads "account" or "group" and a name.
func ParseSubject(kind, name string) (store.Subject, error) {
	k := store.SubjectKind(kind)
	if k != store.SubjectAccount && k != store.SubjectGroup {
		return store.Subject{}, invalid("subject kind %q: use account or group", kind)
	}
	if name == "" {
		return store.Subject{}, invalid("name the %s", kind)
	}
	return store.Subject{Kind: k, Name: name}, nil
}

// AllowIP adds an IP allow rule to an account or group.
func (a *Admin) AllowIP(ctx context.Context, sub store.Subject, rule string) error {
	p, err := auth.ParseIPRule(rule)
	if err != nil {
		return invalid("%v", err)
	}
	if err := a.st.AddIPRule(ctx, sub, p); err != nil {
		return err
	}
	return a.record(ctx, "admin.ip-rule-added", string(sub.Kind)+":"+sub.Name, map[string]string{"rule": p.String()})
}

// DisallowIP removes an IP allow rule.
func (a *Admin) DisallowIP(ctx context.Context, sub store.Subject, rule string) error {
	p, err := auth.ParseIPRule(rule)
	if err != nil {
		return invalid("%v", err)
	}
	if err := a.st.RemoveIPRule(ctx, sub, p); err != nil {
		return err
	}
	return a.record(ctx, "admin.ip-rule-removed", string(sub.Kind)+":"+sub.Name, map[string]string{"rule": p.String()})
}

// IPRules lists a subject's own rules.
func (a *Admin) IPRules(ctx context.Context, sub store.Subject) ([]string, error) {
	ps, err := a.st.IPRules(ctx, sub)
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out, err
}

// SetPermissions replaces the functions granted to an account or group.
func (a *Admin) SetPermissions(ctx context.Context, sub store.Subject, functions []string) error {
	for _, f := range functions {
		if _, err := grant.ParseFunction(f); err != nil {
			return invalid("%v", err)
		}
	}
	if err := a.st.SetPermissions(ctx, sub, functions); err != nil {
		return err
	}
	got, _ := a.st.Permissions(ctx, sub)
	return a.record(ctx, "admin.permissions-set", string(sub.Kind)+":"+sub.Name, map[string]string{"functions": fmt.Sprint(got)})
}

// Permissions returns a subject's own functions.
func (a *Admin) Permissions(ctx context.Context, sub store.Subject) ([]string, error) {
	return a.st.Permissions(ctx, sub)
}
