package store

import (
	"context"
	"net/netip"
	"time"
)

// Store is everything the authentication service needs, in one value.
type Store interface {
	Accounts
	Credentials
	Groups
	IPRules
	Lockouts
	Tokens
	Secrets
	AuditLog
	SetupTokens
	Permissions
	CustomerBlocks
	TOTPs
	APIKeys
	ChatTranscripts
	OpenConversations
	Close() error
}

// Accounts creates and reads accounts.
type Accounts interface {
	// CreateAccount adds a, or fails with ErrExists.
	CreateAccount(ctx context.Context, a Account) error
	// Account returns one account with its groups, or ErrNotFound.
	Account(ctx context.Context, id string) (Account, error)
	// ListAccounts returns every account, ordered by ID.
	ListAccounts(ctx context.Context) ([]Account, error)
	// SetDisabled disables or enables an account. Disabling revokes all its
	// tokens in the same transaction.
	SetDisabled(ctx context.Context, id string, disabled bool, now time.Time) error
	// SetRelayPort assigns the account a relay port (0: none); ErrNotFound
	// for an unknown account.
	SetRelayPort(ctx context.Context, id string, port int) error
}

// Credentials holds SCRAM keys and the password history.
type Credentials interface {
	// Credential returns the account's SCRAM keys, or ErrNotFound when the
	// account does not exist or has no password yet.
	Credential(ctx context.Context, id string) (Credential, error)
	// SetCredential replaces the account's keys, records fp in its history
	// keeping only the newest keep entries, and revokes all its tokens, in
	// one transaction.
	SetCredential(ctx context.Context, id string, c Credential, fp Fingerprint, keep int) error
	// PasswordHistory returns the account's fingerprints, newest first.
	PasswordHistory(ctx context.Context, id string) ([]Fingerprint, error)
}

// Groups manages operator groups and memberships.
type Groups interface {
	CreateGroup(ctx context.Context, name string) error
	// DeleteGroup removes a group with its memberships, IP rules and
	// permissions.
	DeleteGroup(ctx context.Context, name string) error
	ListGroups(ctx context.Context) ([]string, error)
	// AddMember is idempotent; it fails with ErrNotFound for an unknown
	// group or account.
	AddMember(ctx context.Context, group, accountID string) error
	RemoveMember(ctx context.Context, group, accountID string) error
}

// IPRules holds allow rules. An account with no rule of its own and none
// through its groups may log in from anywhere; otherwise its source address
// must fall in one of them.
type IPRules interface {
	// AddIPRule stores NormalizePrefix(p) for s; adding it twice is not an
	// error. It fails with ErrNotFound when s does not exist.
	AddIPRule(ctx context.Context, s Subject, p netip.Prefix) error
	// RemoveIPRule fails with ErrNotFound when s has no such rule.
	RemoveIPRule(ctx context.Context, s Subject, p netip.Prefix) error
	IPRules(ctx context.Context, s Subject) ([]netip.Prefix, error)
	// AccountIPRules returns the account's own rules and those of every
	// group it belongs to.
	AccountIPRules(ctx context.Context, accountID string) ([]netip.Prefix, error)
}

// Lockouts keeps the three-tries counters. They are keyed by the ID a
// client typed, whether or not such an account exists, so that an unknown
// ID costs the same work as a known one and behaves the same from outside.
type Lockouts interface {
	// Lockout returns the state of id; the zero Lockout if there is none.
	Lockout(ctx context.Context, id string) (Lockout, error)
	// ReserveAttempt atomically claims one of id's maxFailures tries at
	// now, before its password is checked, and counts it as a failure
	// until ClearLockout: a wrong password leaves it counted. The try that
	// reaches maxFailures blocks the ID until now+blockFor and resets the
	// count (that try is still granted; its success lifts the block).
	// While the ID is blocked it grants nothing and only notes the
	// attempt, with the same writes (a block is never extended): ok is
	// false. However many callers race,
	// on however many handles of one database, at most maxFailures tries
	// are granted before the ID blocks, and none while it is blocked.
	ReserveAttempt(ctx context.Context, id string, now time.Time, maxFailures int, blockFor time.Duration) (l Lockout, ok bool, err error)
	// NoteAttempt records an attempt that must not count as a failure
	// (for example one refused by IP rules), at the same cost as one that
	// does.
	NoteAttempt(ctx context.Context, id string, now time.Time) error
	// ClearLockout forgets failures and any block: a successful login or
	// an administrator's unlock.
	ClearLockout(ctx context.Context, id string) error
}

// Tokens stores session tokens by hash.
type Tokens interface {
	// CreateToken fails with ErrNotFound for an unknown account.
	CreateToken(ctx context.Context, t Token) error
	// Token returns the token with this hash, live or not, or ErrNotFound.
	Token(ctx context.Context, hash [32]byte) (Token, error)
	// RevokeToken is idempotent; an unknown hash is ErrNotFound.
	RevokeToken(ctx context.Context, hash [32]byte, now time.Time) error
	// RevokeAccountTokens revokes every live token of an account and
	// returns how many it revoked.
	RevokeAccountTokens(ctx context.Context, accountID string, now time.Time) (int, error)
	// PurgeTokens deletes tokens that expired before t.
	PurgeTokens(ctx context.Context, t time.Time) (int, error)
}

// Secrets keeps server-generated secrets that must survive restarts.
type Secrets interface {
	// Secret returns the secret called name, creating it with generate the
	// first time. Concurrent first calls agree on one value.
	Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)
}

// AuditLog is the append-only, hash-chained audit log's storage. The
// store keeps records in order and never changes one; package audit
// computes and checks the chain.
type AuditLog interface {
	// AppendAudit calls seal with the newest record (the zero AuditRecord
	// when the log is empty) and appends what it returns, whose Seq must
	// be last.Seq+1, in one write transaction, so that concurrent
	// appenders, in this process or another, chain one after the other.
	AppendAudit(ctx context.Context, seal func(last AuditRecord) (AuditRecord, error)) (AuditRecord, error)
	// AppendAudits is AppendAudit for several records in one write
	// transaction: each seal is called with the record before it (the
	// previous seal's, the newest stored for the first), in order. All
	// are appended or none.
	AppendAudits(ctx context.Context, seals []func(last AuditRecord) (AuditRecord, error)) ([]AuditRecord, error)
	// AuditRecords returns up to limit records with Seq > after, oldest
	// first.
	AuditRecords(ctx context.Context, after int64, limit int) ([]AuditRecord, error)
	// AuditRecordsAbout returns up to limit records of kind about subject,
	// newest first. It may read the whole log: it is for rare lookups.
	AuditRecordsAbout(ctx context.Context, kind, subject string, limit int) ([]AuditRecord, error)
	// PruneAudit removes, in one write transaction, every record older
	// than before — the oldest first, a prefix of the log — keeps the
	// newest removed one as the anchor (see AuditAnchor), and appends the
	// record seal makes of the removal, as AppendAudit would after last;
	// seal is told how many records went. With no record old enough it
	// removes and appends nothing and returns 0.
	PruneAudit(ctx context.Context, before time.Time, seal func(anchor AuditRecord, removed int, last AuditRecord) (AuditRecord, error)) (int, error)
	// AuditAnchor returns the newest record PruneAudit ever removed (its
	// Seq, Time and Hash: the oldest kept record follows it), or the zero
	// AuditRecord when none was.
	AuditAnchor(ctx context.Context) (AuditRecord, error)
}

// SetupTokens holds the one-time token that creates the first
// administrator, by hash.
type SetupTokens interface {
	// PutSetupToken replaces every setup token with this one.
	PutSetupToken(ctx context.Context, hash [32]byte, expires time.Time) error
	// SetupTokenValid reports whether hash is a setup token live at now.
	SetupTokenValid(ctx context.Context, hash [32]byte, now time.Time) (bool, error)
	// DeleteSetupTokens removes every setup token.
	DeleteSetupTokens(ctx context.Context) error
}

// Permissions holds the functions an administrator granted to accounts
// and groups (see package grant for their names).
type Permissions interface {
	// SetPermissions replaces s's functions; an empty list removes them.
	// It fails with ErrNotFound when s does not exist.
	SetPermissions(ctx context.Context, s Subject, functions []string) error
	// Permissions returns s's own functions, sorted.
	Permissions(ctx context.Context, s Subject) ([]string, error)
	// AccountPermissions returns the union of the account's own functions
	// and those of its groups, sorted.
	AccountPermissions(ctx context.Context, accountID string) ([]string, error)
}
