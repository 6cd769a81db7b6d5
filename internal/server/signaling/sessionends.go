package signaling

import (
	"context"
	"net/http"
	"time"

	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
)

// A session's TURN credential names the session and expires at its
// latest end (ice.go). So that it stops working soon after the session
// ends, the server records each end in Config.SessionEnds: the embedded
// relay is told at once (relayEnds), standalone relays poll the record
// at sessionfeed.Path.
//
// A session ends for its credential when either side says goodbye, when
// its code expires unused, when its technician leaves before anyone
// joined, and at its latest end. A joined session whose two sides both
// lost the server without a goodbye is not ended for the relays: the
// peers carry on over their own link, which may run through a relay,
// and its credential lives until its expiry. Nor are the sessions the
// server held when it stopped: it forgot them. Their peers may carry on
// through a standalone relay; the embedded relay, restarted with the
// server, refuses every credential from before the start (sessionEnds).

// DefaultEndGrace is how long a session's credential outlives its end
// (Config.EndGrace). In the e2e consent test the customer's refusal,
// sent over a link through the embedded relay just before the agent's
// goodbye, was lost when the allocations closed at the goodbye; a few
// seconds let the last messages and their retransmissions cross.
const DefaultEndGrace = 5 * time.Second

// endCredentials records that sess has ended, for the relays, after
// Config.EndGrace. A record still waiting when the server stops is
// dropped with the server's memory of its sessions (sessionEnds).
func (s *Server) endCredentials(ctx context.Context, sess *session) {
	if s.cfg.SessionEnds == nil || len(s.cfg.TURNURLs) == 0 {
		return
	}
	e := sessionfeed.End{Session: sess.id, Until: sess.ends}
	if s.cfg.EndGrace <= 0 {
		s.recordEnd(ctx, e)
		return
	}
	ctx = context.WithoutCancel(ctx)
	time.AfterFunc(s.cfg.EndGrace, func() { s.recordEnd(ctx, e) })
}

func (s *Server) recordEnd(ctx context.Context, e sessionfeed.End) {
	if err := s.cfg.SessionEnds.End(ctx, e); err != nil {
		s.cfg.Logger.Error("record the session's end for the relays", "session", e.Session, "err", err)
	}
	s.shareEnd(e) // with the other nodes, whose relays poll them (cluster.go)
}

// sessionFeed serves the record to standalone relays.
func (s *Server) sessionFeed() http.Handler {
	return sessionfeed.Handler(sessionfeed.HandlerConfig{Secret: s.cfg.TURNSecret, Book: s.cfg.SessionEnds,
		Now: s.cfg.Now, Logger: s.cfg.Logger})
}

// relayEnds is the Book of a server with an embedded relay: every end
// reaches that relay at once, and the Book for standalone relays.
type relayEnds struct {
	sessionfeed.Book
	relay *relay.Relay
}

func (b relayEnds) End(ctx context.Context, e sessionfeed.End) error {
	b.relay.EndSession(e.Session, e.Until)
	return b.Book.End(ctx, e)
}

// sessionEnds is the service's Book: in memory (one node), and told to
// the embedded relay when there is one. That relay also refuses every
// credential from before this start: the Book forgets with a restart, and
// the sessions the server held then ended unrecorded. Called before the
// server opens a session, whose credential expires DefaultSessionMax
// after it opened.
func (svc *Service) sessionEnds() sessionfeed.Book {
	var b sessionfeed.Book = sessionfeed.NewMemory(time.Now, svc.opts.Logger)
	if svc.relay != nil {
		svc.relay.RefuseExpiringBefore(time.Now().Add(DefaultSessionMax))
		b = relayEnds{Book: b, relay: svc.relay}
	}
	return b
}
