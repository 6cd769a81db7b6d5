package signaling

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// A session code can be looked at without being used (LookupCode: the help
// page shows who will help; the agent download names the session), and a
// session can hand out one-time join tickets (MintTicket), which a stamped
// agent download carries instead of the code (package stamp). A ticket is
// 256 random bits, kept only as its SHA-256, compared in constant time,
// and works once: the first Join with it claims the session exactly as
// the code would, which also kills the code and every other ticket. It dies
// at the code's expiry and with the session.

// CodeInfo is what a session code tells about its session, without using
// the code up.
type CodeInfo struct {
	Session, OperatorID, Operator, Organisation string
	// Expires is the code's expiry, and so any ticket's.
	Expires time.Time
}

// ErrCodeExpired: the code named a real session, but that session has
// started, ended or outlived its code. It wraps proto.ErrInvalidCode, so a
// caller that does not care tells it apart from nothing.
var ErrCodeExpired = fmt.Errorf("%w (this session has ended or already started)", proto.ErrInvalidCode)

const (
	// maxTicketsPerSession bounds downloads for one code: a customer
	// may click twice, a script may not fill memory.
	maxTicketsPerSession = 16
	// rememberCodes is how long a code that worked stays known after it
	// expires, so that a late download is told "expired", not "wrong".
	rememberCodes = time.Hour
)

// ticketBook holds the live tickets and the codes seen to work. The zero
// value is ready; it is guarded by Server.mu.
type ticketBook struct {
	byHash    map[[32]byte]ticket
	count     map[string]int         // live tickets per session
	seenCodes map[[32]byte]time.Time // code hash → forget after
	pruned    time.Time
}

type ticket struct {
	hash    [32]byte
	session string
	expires time.Time
}

// LookupCode returns the session code names, without using the code up.
// It is throttled per source address exactly like Join, and a failure
// counts as a wrong guess: proto.ErrThrottled, ErrCodeExpired or
// proto.ErrInvalidCode.
func (s *Server) LookupCode(code string, from netip.Addr) (CodeInfo, error) {
	now := s.cfg.Now()
	if s.joins.Blocked(from, now) {
		return CodeInfo{}, s.refuse(proto.ErrThrottled)
	}
	key := sha256.Sum256([]byte(code))
	s.mu.Lock()
	sess := s.byCode[key]
	if sess != nil && subtle.ConstantTimeCompare([]byte(sess.code), []byte(code)) != 1 {
		sess = nil
	}
	usable := sess != nil && !sess.joined && !now.After(sess.codeExp) && sess.tech != nil
	_, seen := s.tickets.seenCodes[key]
	var info CodeInfo
	if usable {
		s.tickets.pruneLocked(s.sessions, now)
		s.tickets.rememberCodeLocked(key, sess.codeExp.Add(rememberCodes))
		op := sess.operator
		info = CodeInfo{Session: sess.id, OperatorID: op.id, Operator: op.name, Organisation: op.org, Expires: sess.codeExp}
	}
	s.mu.Unlock()
	switch {
	case usable:
		return info, nil
	case sess != nil || seen:
		s.joinFailed(from, now)
		return CodeInfo{}, s.refuse(ErrCodeExpired)
	}
	if info, ok := s.lookupLease(code, now); ok { // another node's session (cluster.go)
		return info, nil
	}
	s.joinFailed(from, now)
	return CodeInfo{}, s.refuse(proto.ErrInvalidCode)
}

// MintTicket returns a new one-time join ticket for session (an ID from
// LookupCode) and when it expires. A session that has started, ended or
// outlived its code gets ErrCodeExpired; one that already has
// maxTicketsPerSession live tickets gets proto.ErrThrottled.
func (s *Server) MintTicket(session string) (string, time.Time, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, fmt.Errorf("mint ticket: %w", err)
	}
	tk := base64.RawURLEncoding.EncodeToString(raw)
	now := s.cfg.Now()
	if s.cfg.Cluster != nil { // kept where every node finds it (cluster.go)
		return s.mintLeaseTicket(tk, session, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := &s.tickets
	b.pruneLocked(s.sessions, now)
	sess := s.sessions[session]
	if sess == nil || sess.joined || now.After(sess.codeExp) || sess.tech == nil {
		return "", time.Time{}, ErrCodeExpired
	}
	if b.count[session] >= maxTicketsPerSession {
		return "", time.Time{}, proto.ErrThrottled
	}
	if b.byHash == nil {
		b.byHash, b.count = map[[32]byte]ticket{}, map[string]int{}
	}
	h := sha256.Sum256([]byte(tk))
	b.byHash[h] = ticket{hash: h, session: session, expires: sess.codeExp}
	b.count[session]++
	return tk, sess.codeExp, nil
}

// claimLocked finds the unjoined session j names, by code or by ticket,
// and marks it joined. Called with s.mu held.
func (s *Server) claimLocked(j proto.Join, now time.Time) *session {
	if j.Ticket == "" {
		return s.claimCodeLocked(j.Code, now)
	}
	// The map is keyed by the ticket's hash, so a lookup compares hashes,
	// never the ticket; the final check is constant-time as for codes.
	h := sha256.Sum256([]byte(j.Ticket))
	t, ok := s.tickets.byHash[h]
	if !ok || subtle.ConstantTimeCompare(t.hash[:], h[:]) != 1 {
		return nil
	}
	s.tickets.dropLocked(h, t) // used once, whatever happens next
	sess := s.sessions[t.session]
	if sess == nil || now.After(t.expires) {
		return nil
	}
	// The code's own checks (unused, unexpired, technician present) apply,
	// and claiming the code kills it and every other ticket of the session.
	return s.claimCodeLocked(sess.code, now)
}

func (b *ticketBook) dropLocked(h [32]byte, t ticket) {
	delete(b.byHash, h)
	if b.count[t.session]--; b.count[t.session] <= 0 {
		delete(b.count, t.session)
	}
}

// pruneLocked forgets tickets whose session is over or joined or whose
// code expired, and remembered codes past their time, at most once a
// second: each call is a walk over every ticket.
func (b *ticketBook) pruneLocked(sessions map[string]*session, now time.Time) {
	if now.Sub(b.pruned) < time.Second {
		return
	}
	b.pruned = now
	for h, t := range b.byHash {
		if sess := sessions[t.session]; sess == nil || sess.joined || now.After(t.expires) {
			b.dropLocked(h, t)
		}
	}
	for k, until := range b.seenCodes {
		if now.After(until) {
			delete(b.seenCodes, k)
		}
	}
}

func (b *ticketBook) rememberCodeLocked(key [32]byte, until time.Time) {
	if b.seenCodes == nil {
		b.seenCodes = map[[32]byte]time.Time{}
	}
	b.seenCodes[key] = until
}
