package cluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LeaseTTL is how long a lease outlives its last renewal: a node renews
// the leases of the sessions it holds every few seconds (Renew), so a
// session whose every node died is gone within LeaseTTL.
const LeaseTTL = 30 * time.Second

// Lease is a session as every node sees it.
type Lease struct {
	Session     string
	CodeHash    []byte // SHA-256 of the code; nil once joined
	CodeExpires time.Time
	Ends        time.Time
	// Operator is the opener's identity and grant, opaque here (the
	// signaling server's encoding).
	Operator  []byte
	TechNode  string
	AgentNode string
	// TechResume and AgentResume are the SHA-256 of each side's resume
	// secret (Resume).
	TechResume, AgentResume []byte
}

// Leases are the sessions' leases in the shared PostgreSQL database.
type Leases struct {
	db *sql.DB
}

// schema is the leases table. It lives beside the store's tables, not in
// its migrations: only clustered nodes use it, and it holds nothing that
// outlives LeaseTTL.
const schema = `CREATE TABLE IF NOT EXISTS cluster_session_leases (
	session_id   text PRIMARY KEY,
	code_hash    bytea UNIQUE,
	code_expires timestamptz NOT NULL,
	session_ends timestamptz NOT NULL,
	operator     bytea NOT NULL,
	tech_node    text NOT NULL DEFAULT '',
	agent_node   text NOT NULL DEFAULT '',
	lease_until  timestamptz NOT NULL
)`

// resumeColumns are the sides' resume secret hashes, added to a table an
// older build made.
const resumeColumns = `ALTER TABLE cluster_session_leases
	ADD COLUMN IF NOT EXISTS tech_resume bytea, ADD COLUMN IF NOT EXISTS agent_resume bytea`

// OpenLeases makes the leases table in db (PostgreSQL) if it is missing.
// Nodes starting together take turns under an advisory lock.
func OpenLeases(ctx context.Context, db *sql.DB) (*Leases, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cluster leases: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7271386)`); err != nil {
		return nil, fmt.Errorf("cluster leases: %w", err)
	}
	for _, stmt := range []string{schema, resumeColumns, ticketSchema, setupSchema} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("cluster leases: create table: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("cluster leases: %w", err)
	}
	return &Leases{db: db}, nil
}

// ErrCodeTaken: another live session holds the code; draw another.
var ErrCodeTaken = errors.New("cluster: session code taken on another node")

// Open records a new session's lease, held by node for its technician.
// A dead lease or an expired code holding the same code hash is cleared
// first.
func (l *Leases) Open(ctx context.Context, le Lease, node string, now time.Time) error {
	if _, err := l.db.ExecContext(ctx, `DELETE FROM cluster_session_leases WHERE code_hash = $1 AND (code_expires < $2 OR lease_until < $2)`,
		le.CodeHash, now); err != nil {
		return fmt.Errorf("cluster: open lease: %w", err)
	}
	res, err := l.db.ExecContext(ctx, `INSERT INTO cluster_session_leases
		(session_id, code_hash, code_expires, session_ends, operator, tech_node, lease_until, tech_resume)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		le.Session, le.CodeHash, le.CodeExpires, le.Ends, le.Operator, node, now.Add(LeaseTTL), le.TechResume)
	if err != nil {
		return fmt.Errorf("cluster: open lease: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrCodeTaken
	}
	return nil
}

// ErrNoLease: no live, unjoined session has that code (or ID).
var ErrNoLease = errors.New("cluster: no such session")

// Claim takes the unjoined session whose code hashes to codeHash, or whose
// ID is session when codeHash is nil, for an agent on node whose resume
// secret hashes to resume: in one statement, so a code works once however
// many nodes try it at once.
func (l *Leases) Claim(ctx context.Context, codeHash []byte, session, node string, resume []byte, now time.Time) (Lease, error) {
	q := `UPDATE cluster_session_leases SET code_hash = NULL, agent_node = $3, lease_until = $4, agent_resume = $5
		WHERE code_hash IS NOT NULL AND code_expires >= $2 AND lease_until >= $2 AND tech_node <> '' AND `
	arg := any(codeHash)
	if codeHash == nil {
		q, arg = q+`session_id = $1`, session
	} else {
		q += `code_hash = $1`
	}
	q += ` RETURNING session_id, code_expires, session_ends, operator, tech_node`
	le := Lease{AgentNode: node, AgentResume: resume}
	err := l.db.QueryRowContext(ctx, q, arg, now, node, now.Add(LeaseTTL), resume).
		Scan(&le.Session, &le.CodeExpires, &le.Ends, &le.Operator, &le.TechNode)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, ErrNoLease
	}
	if err != nil {
		return Lease{}, fmt.Errorf("cluster: claim lease: %w", err)
	}
	return le, nil
}

// Leave records that session's technician (or agent) left node, and
// reports whether that was the last side: then the lease is gone. A side
// that resumed on another node meanwhile (Resume) stays held there. An end
// (goodbye, expiry) uses Drop.
func (l *Leases) Leave(ctx context.Context, session string, technician bool, node string) (last bool, err error) {
	col := "agent_node"
	if technician {
		col = "tech_node"
	}
	var tech, agent string
	err = l.db.QueryRowContext(ctx, `UPDATE cluster_session_leases SET `+col+` = CASE WHEN `+col+` = $2 THEN '' ELSE `+col+` END
		WHERE session_id = $1 RETURNING tech_node, agent_node`, session, node).Scan(&tech, &agent)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // dropped already: whoever dropped it had the last word
	}
	if err != nil {
		return false, fmt.Errorf("cluster: leave lease: %w", err)
	}
	if tech != "" || agent != "" {
		return false, nil // the other side is still held
	}
	return l.Drop(ctx, session)
}

// Drop removes session's lease and reports whether it was there, so
// that exactly one node records the session's end.
func (l *Leases) Drop(ctx context.Context, session string) (bool, error) {
	res, err := l.db.ExecContext(ctx, `DELETE FROM cluster_session_leases WHERE session_id = $1`, session)
	if err != nil {
		return false, fmt.Errorf("cluster: drop lease: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Renew extends the leases of sessions, which this node holds, and
// removes every lease no node renewed in time.
func (l *Leases) Renew(ctx context.Context, sessions []string, now time.Time) error {
	if len(sessions) > 0 {
		if _, err := l.db.ExecContext(ctx, `UPDATE cluster_session_leases SET lease_until = $2 WHERE session_id = ANY($1)`,
			sessions, now.Add(LeaseTTL)); err != nil {
			return fmt.Errorf("cluster: renew leases: %w", err)
		}
	}
	if _, err := l.db.ExecContext(ctx, `DELETE FROM cluster_session_leases WHERE lease_until < $1`, now); err != nil {
		return fmt.Errorf("cluster: expire leases: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, `DELETE FROM cluster_join_tickets WHERE expires < $1`, now); err != nil {
		return fmt.Errorf("cluster: expire tickets: %w", err)
	}
	return nil
}

// Lookup returns the live, unjoined session whose code hashes to
// codeHash, without claiming it (the help page's look at a code).
func (l *Leases) Lookup(ctx context.Context, codeHash []byte, now time.Time) (Lease, error) {
	le := Lease{CodeHash: codeHash}
	err := l.db.QueryRowContext(ctx, `SELECT session_id, code_expires, session_ends, operator, tech_node
		FROM cluster_session_leases WHERE code_hash = $1 AND code_expires >= $2 AND lease_until >= $2 AND tech_node <> ''`,
		codeHash, now).Scan(&le.Session, &le.CodeExpires, &le.Ends, &le.Operator, &le.TechNode)
	if errors.Is(err, sql.ErrNoRows) {
		return Lease{}, ErrNoLease
	}
	if err != nil {
		return Lease{}, fmt.Errorf("cluster: look up lease: %w", err)
	}
	return le, nil
}

// ticketSchema holds join tickets (hashes) minted for sessions whose
// technician is on another node, so that a join with one works on any
// node.
const ticketSchema = `CREATE TABLE IF NOT EXISTS cluster_join_tickets (
	hash       bytea PRIMARY KEY,
	session_id text NOT NULL,
	expires    timestamptz NOT NULL
)`

// ErrTooManyTickets: the session has max live tickets already.
var ErrTooManyTickets = errors.New("cluster: too many tickets for this session")

// AddTicket records a ticket's hash for session, live and unjoined, with
// fewer than max live tickets; it returns the ticket's expiry, the
// code's.
func (l *Leases) AddTicket(ctx context.Context, hash []byte, session string, max int, now time.Time) (time.Time, error) {
	var n int
	if err := l.db.QueryRowContext(ctx, `SELECT count(*) FROM cluster_join_tickets WHERE session_id = $1 AND expires >= $2`,
		session, now).Scan(&n); err != nil {
		return time.Time{}, fmt.Errorf("cluster: add ticket: %w", err)
	}
	if n >= max {
		return time.Time{}, ErrTooManyTickets
	}
	var exp time.Time
	err := l.db.QueryRowContext(ctx, `INSERT INTO cluster_join_tickets (hash, session_id, expires)
		SELECT $1, session_id, code_expires FROM cluster_session_leases
		WHERE session_id = $2 AND code_hash IS NOT NULL AND code_expires >= $3 AND lease_until >= $3 AND tech_node <> ''
		RETURNING expires`, hash, session, now).Scan(&exp)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, ErrNoLease
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("cluster: add ticket: %w", err)
	}
	return exp, nil
}

// UseTicket uses up the ticket hashing to hash and returns its session,
// which the caller then claims by ID.
func (l *Leases) UseTicket(ctx context.Context, hash []byte, now time.Time) (string, error) {
	var session string
	err := l.db.QueryRowContext(ctx, `DELETE FROM cluster_join_tickets WHERE hash = $1 AND expires >= $2 RETURNING session_id`,
		hash, now).Scan(&session)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoLease
	}
	if err != nil {
		return "", fmt.Errorf("cluster: use ticket: %w", err)
	}
	return session, nil
}

// setupSchema holds which node printed the one-time setup token: the
// store keeps one token, so a second node issuing its own would make the
// first one's printed token useless.
const setupSchema = `CREATE TABLE IF NOT EXISTS cluster_setup_token (
	id    int PRIMARY KEY CHECK (id = 1),
	node  text NOT NULL,
	until timestamptz NOT NULL
)`

// ClaimSetupToken lets node issue the setup token until until, unless
// another node's is still live at now; it returns the node whose token
// stands and its end.
func (l *Leases) ClaimSetupToken(ctx context.Context, node string, until, now time.Time) (holder string, end time.Time, mine bool, err error) {
	err = l.db.QueryRowContext(ctx, `INSERT INTO cluster_setup_token (id, node, until) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET node = $1, until = $2 WHERE cluster_setup_token.until < $3 OR cluster_setup_token.node = $1
		RETURNING node, until`, node, until, now).Scan(&holder, &end)
	if err == nil {
		return holder, end, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, fmt.Errorf("cluster: setup token: %w", err)
	}
	if err := l.db.QueryRowContext(ctx, `SELECT node, until FROM cluster_setup_token WHERE id = 1`).Scan(&holder, &end); err != nil {
		return "", time.Time{}, false, fmt.Errorf("cluster: setup token: %w", err)
	}
	return holder, end, false, nil
}

// Ping reports whether the database answers.
func (l *Leases) Ping(ctx context.Context) error {
	if err := l.db.PingContext(ctx); err != nil {
		return fmt.Errorf("cluster: database: %w", err)
	}
	return nil
}

// Resume gives technician's (or the agent's) side of the joined session
// to node, if resume is the SHA-256 of that side's resume secret and the
// lease is live: whichever node held that side before (dead, or its
// client's socket broken) loses it, and the lease is renewed from now, so
// that a lease whose nodes all died is taken over rather than expired when
// a side comes back within LeaseTTL. A wrong secret, the other side's, an
// unjoined, ended or expired session are all ErrNoLease. (The secret is
// 32 random bytes: comparing its hash in SQL leaks nothing a guesser can
// use.)
func (l *Leases) Resume(ctx context.Context, session string, technician bool, resume []byte, node string, now time.Time) (Lease, error) {
	col, secret := "agent_node", "agent_resume"
	if technician {
		col, secret = "tech_node", "tech_resume"
	}
	le := Lease{Session: session}
	err := l.db.QueryRowContext(ctx, `UPDATE cluster_session_leases SET `+col+` = $3, lease_until = $4
		WHERE session_id = $1 AND `+secret+` = $2 AND code_hash IS NULL AND lease_until >= $5 AND session_ends >= $5
		RETURNING code_expires, session_ends, operator, tech_node, agent_node`,
		session, resume, node, now.Add(LeaseTTL), now).
		Scan(&le.CodeExpires, &le.Ends, &le.Operator, &le.TechNode, &le.AgentNode)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(resume) == 0) {
		return Lease{}, ErrNoLease
	}
	if err != nil {
		return Lease{}, fmt.Errorf("cluster: resume lease: %w", err)
	}
	return le, nil
}
