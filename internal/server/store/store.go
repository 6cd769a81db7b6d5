// Package store keeps Tandem's server-side state: operator and
// administrator accounts and their groups, their SCRAM keys and TOTP
// enrollments, the three-tries lockout counters, IP allow rules, session
// tokens, API keys, granted permissions, customer blocks, the one-time
// setup token, the server's generated secrets, the audit log, and the
// help desk's web chats (the transcripts of ended conversations, and the
// open ones kept across a restart).
//
// The Store interface is what the rest of the server sees. SQLite (through
// the pure-Go modernc.org/sqlite driver) is the embedded default, one file
// for one machine; PostgreSQL (through pgx) lets several signaling
// processes share one database. Both run the same statements (sql_*.go,
// with a small dialect for what the engines spell differently) over their
// own migrations; Open picks one from the -db value. The contract every
// implementation must honour is written down as tests in the storetest
// package, run against both, so "works on SQLite" and "works on
// PostgreSQL" mean the same thing.
//
// What is stored is deliberately little. A password is never stored, nor
// anything that can stand in for it: only SCRAM-SHA-256's salted StoredKey
// and ServerKey (which let the server check a proof and prove itself, but
// not log in), and for the no-reuse rule, separately salted verifiers of
// earlier passwords. Session tokens and API keys are stored as their
// SHA-256, so a copy of the database does not hand out live sessions, and
// TOTP secrets only as package auth sealed them.
package store

import (
	"errors"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// Kind is an account's role.
type Kind string

// The two kinds of account.
const (
	KindAdministrator Kind = "administrator"
	KindOperator      Kind = "operator"
)

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool { return k == KindAdministrator || k == KindOperator }

// Account is an operator or administrator. Groups is filled when an account
// is read and ignored when one is created (use AddMember).
type Account struct {
	ID           string
	Kind         Kind
	DisplayName  string
	Organisation string
	Disabled     bool
	Created      time.Time
	Groups       []string
	// RelayPort, when not 0, is the one relay port the account's sessions
	// are given (an administrator's assignment; SetRelayPort).
	RelayPort int
}

// Credential holds an account's SCRAM-SHA-256 server keys (RFC 5802 §3):
// StoredKey = H(ClientKey) and ServerKey, both derived from the password
// with PBKDF2 over Salt and Iterations. Neither logs anyone in.
type Credential struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
	SetAt      time.Time
}

// Fingerprint is one earlier password, kept for the no-reuse rule as a
// SCRAM StoredKey under its own salt: checking a new password against it
// costs a full key derivation, and it cannot be reversed or used to log in.
type Fingerprint struct {
	Salt       []byte
	Iterations int
	Verifier   []byte
	SetAt      time.Time
}

// Lockout is the durable three-tries state of an ID. Failures counts the
// tries reserved since the last success, unlock or block: consecutive
// failures, and any try still being checked.
type Lockout struct {
	Failures     int
	BlockedUntil time.Time
	LastAttempt  time.Time
}

// Blocked reports whether the ID is blocked at now.
func (l Lockout) Blocked(now time.Time) bool { return now.Before(l.BlockedUntil) }

// SubjectKind says whether an IP rule belongs to an account or a group.
type SubjectKind string

// Subjects of IP rules.
const (
	SubjectAccount SubjectKind = "account"
	SubjectGroup   SubjectKind = "group"
)

// Subject names the account or group an IP rule belongs to.
type Subject struct {
	Kind SubjectKind
	Name string
}

// Token is a session token as stored: only the SHA-256 of the secret the
// client holds. Revoked is zero while the token is live.
type Token struct {
	Hash      [32]byte
	AccountID string
	Created   time.Time
	Expires   time.Time
	Revoked   time.Time
}

// Live reports whether the token can still be used at now.
func (t Token) Live(now time.Time) bool { return t.Revoked.IsZero() && now.Before(t.Expires) }

// NormalizePrefix returns p in the one form rules and blocks are stored
// and compared in (see netprefix.Normalize).
func NormalizePrefix(p netip.Prefix) netip.Prefix { return netprefix.Normalize(p) }

// AuditRecord is one audit log entry as stored. Prev is the previous
// record's Hash (32 zero bytes for the first); Hash covers Prev and the
// record's canonical encoding (see package audit).
type AuditRecord struct {
	Seq     int64
	Time    time.Time
	Kind    string
	Actor   string
	Subject string
	Source  string
	Detail  string
	Prev    []byte
	Hash    []byte
}
