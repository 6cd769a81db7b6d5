package relay

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"
)

// A TURN REST credential names its session ("EXPIRY:SESSION", turncred)
// and its HMAC holds until EXPIRY, the session's latest end. When the
// session ends sooner, the signaling server tells the relay (EndSession:
// at once for the embedded relay, through the session feed for a
// standalone one, package sessionfeed). From then on every request with
// a credential of that session is refused (Allocate, Refresh,
// CreatePermission, ChannelBind and Connect are all authenticated: 401),
// and the allocations made with one are closed: ChannelData and Send
// indications carry no credential, so a refused Refresh alone would let
// an allocation relay until its lifetime ran out.
//
// pion/turn has no call that deletes an allocation from outside, but it
// deletes one whose relayed socket fails (its read loop ends). So the
// relay hands pion every relayed socket wrapped (sessionGenerator),
// keeps them by session, and closes them; pion then deletes the
// allocation, fires OnAllocationDeleted (the quota slot comes back) and
// removes its permissions and channels (the data plane forgets them).
// Allocations whose credential expires are closed the same way, by a
// sweep that authenticated requests trigger at most every
// sessionSweepEvery (on a relay no request reaches, allocations expire by
// themselves, within pion's 10-minute lifetime).

// sessionSweepEvery is how often allocations of expired credentials are
// looked for.
const sessionSweepEvery = time.Minute

var (
	errSessionEnded = errors.New("the credential's session has ended")
	errIssuedBefore = errors.New("the credential is from before the signaling server's restart")
)

// sessionBook keeps the ended sessions, until their credentials expire,
// and the relayed sockets of each session's allocations.
type sessionBook struct {
	nextSweep atomic.Int64 // unix seconds
	notBefore atomic.Int64 // unix seconds: credentials expiring sooner are refused

	mu    sync.Mutex
	ended map[string]time.Time               // session -> its credentials' expiry
	open  map[string]map[io.Closer]time.Time // session -> relayed socket -> credential expiry
}

func newSessionBook() *sessionBook {
	return &sessionBook{ended: map[string]time.Time{}, open: map[string]map[io.Closer]time.Time{}}
}

// isEnded reports whether session has ended.
func (b *sessionBook) isEnded(session string) bool {
	if session == "" {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.ended[session]
	return ok
}

// end marks session ended until until and returns its sockets to close.
func (b *sessionBook) end(session string, until time.Time) []io.Closer {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.ended[session]; !ok || until.After(old) {
		b.ended[session] = until
	}
	var out []io.Closer
	for c := range b.open[session] {
		out = append(out, c)
	}
	delete(b.open, session)
	return out
}

// hold keeps c as a socket of user's session, or refuses it when the
// session has ended meanwhile.
func (b *sessionBook) hold(user string, c io.Closer) error {
	exp, session := credential(user)
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.ended[session]; ok && session != "" {
		return errSessionEnded
	}
	if b.open[session] == nil {
		b.open[session] = map[io.Closer]time.Time{}
	}
	b.open[session][c] = exp
	return nil
}

// release forgets c (its allocation closed).
func (b *sessionBook) release(user string, c io.Closer) {
	_, session := credential(user)
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.open[session], c)
	if len(b.open[session]) == 0 {
		delete(b.open, session)
	}
}

// sweep forgets ended sessions whose credentials have expired at now and
// returns the sockets of allocations whose credential has.
func (b *sessionBook) sweep(now time.Time) []io.Closer {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s, until := range b.ended {
		if now.Unix() > until.Unix() {
			delete(b.ended, s)
		}
	}
	var out []io.Closer
	for s, socks := range b.open {
		for c, exp := range socks {
			if now.Unix() > exp.Unix() {
				out = append(out, c)
				delete(socks, c)
			}
		}
		if len(socks) == 0 {
			delete(b.open, s)
		}
	}
	return out
}

// credential splits a TURN REST username (already checked by
// authenticate) into its expiry and session.
func credential(user string) (time.Time, string) {
	exp, session, _ := strings.Cut(user, ":")
	sec, _ := strconv.ParseInt(exp, 10, 64)
	return time.Unix(sec, 0), session
}

// EndSession refuses from now on every request made with a credential of
// session (the tag of its TURN REST username) and closes the allocations
// made with one. until is when the session's credentials expire: the
// relay forgets the session then. Ending a session again changes nothing.
func (r *Relay) EndSession(session string, until time.Time) {
	if session == "" || r.now().Unix() > until.Unix() {
		return
	}
	closed := r.closeAll(r.sessions.end(session, until))
	r.log.Info("session ended: its credential is refused", "session", session, "allocations_closed", closed)
}

// sessionLive is authenticate's check of a credential's session (user is
// its username, already checked by turncred): an error once it has ended.
// It also starts a sweep when one is due.
func (r *Relay) sessionLive(user string) error {
	exp, session := credential(user)
	if exp.Unix() < r.sessions.notBefore.Load() {
		return errIssuedBefore
	}
	now := r.now()
	if next := r.sessions.nextSweep.Load(); now.Unix() >= next &&
		r.sessions.nextSweep.CompareAndSwap(next, now.Add(sessionSweepEvery).Unix()) {
		go r.sweepAt(now)
	}
	if r.sessions.isEnded(session) {
		return errSessionEnded
	}
	return nil
}

// RefuseExpiringBefore refuses every credential that expires before t. A
// signaling server issues credentials that expire a fixed time after
// their session opened, and forgets its sessions when it restarts, with
// no chance to record their ends. The embedded relay, which restarts with
// it, is given the server's start plus that time: no credential of a
// session from before the restart works on it.
func (r *Relay) RefuseExpiringBefore(t time.Time) { r.sessions.notBefore.Store(t.Unix()) }

// sweepAt closes the allocations whose credential has expired at now.
func (r *Relay) sweepAt(now time.Time) {
	if n := r.closeAll(r.sessions.sweep(now)); n > 0 {
		r.log.Info("allocations closed: credential expired", "allocations", n)
	}
}

func (r *Relay) closeAll(cs []io.Closer) int {
	for _, c := range cs {
		_ = c.Close()
	}
	return len(cs)
}

// sessionGenerator wraps the relay address generator so that every
// relayed socket and listener pion gets is held by its session.
type sessionGenerator struct {
	turn.RelayAddressGenerator
	book *sessionBook
}

func (g sessionGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	pc, addr, err := g.RelayAddressGenerator.AllocatePacketConn(c)
	if err != nil {
		return nil, nil, err
	}
	held := &heldPacketConn{PacketConn: pc, user: c.UserID, book: g.book}
	if err := g.book.hold(c.UserID, held); err != nil {
		_ = pc.Close()
		return nil, nil, err
	}
	return held, addr, nil
}

func (g sessionGenerator) AllocateListener(c turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	ln, addr, err := g.RelayAddressGenerator.AllocateListener(c)
	if err != nil {
		return nil, nil, err
	}
	held := &heldListener{Listener: ln, user: c.UserID, book: g.book}
	if err := g.book.hold(c.UserID, held); err != nil {
		_ = ln.Close()
		return nil, nil, err
	}
	return held, addr, nil
}

// heldPacketConn is a relayed UDP socket held by its session.
type heldPacketConn struct {
	net.PacketConn
	user string
	book *sessionBook
}

func (c *heldPacketConn) Close() error {
	c.book.release(c.user, c)
	return c.PacketConn.Close()
}

// heldListener is a relayed TCP listener (RFC 6062) held by its session.
type heldListener struct {
	net.Listener
	user string
	book *sessionBook
}

func (l *heldListener) Close() error {
	l.book.release(l.user, l)
	return l.Listener.Close()
}
