package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/ratelimit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// SessionInfo is what a session code tells about its session.
type SessionInfo struct {
	Session      string // the session's ID
	OperatorID   string // the operator who opened it
	Operator     string // their display name
	Organisation string
	Expires      time.Time // the code's expiry
}

// Sessions looks session codes up without using them. Lookup returns
// proto.ErrInvalidCode for a wrong, used or expired code and
// proto.ErrThrottled once from has failed too often.
type Sessions interface {
	Lookup(code string, from netip.Addr) (SessionInfo, error)
}

// Authenticator checks an operator's login token and IP rules
// (*auth.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (store.Account, error)
	CheckSource(ctx context.Context, id string, addr netip.Addr) error
	ClientAddr(r *http.Request) netip.Addr
}

// Transcripts keeps ended conversations' transcripts (*store.SQLite).
type Transcripts interface {
	PutChatTranscript(ctx context.Context, t store.ChatTranscript) error
	PurgeChatTranscripts(ctx context.Context, endedBefore time.Time) (int, error)
}

// Config configures a Hub.
type Config struct {
	// Sessions looks up the codes customers type; nil refuses visits
	// with a code and operators' invitations.
	Sessions Sessions
	// Auth checks operators; nil refuses every desk connection.
	Auth Authenticator
	// Transcripts stores ended conversations; nil stores nothing.
	Transcripts Transcripts
	// Retention is how long a transcript is kept after its conversation
	// ends; 0 keeps nothing.
	Retention time.Duration
	// Audit records chat.transcript entries; nil records nothing.
	Audit *audit.Log
	// Keep holds the open conversations across a restart (keep.go); nil
	// ends them when the server stops, as "server-stopping".
	Keep Keeper
	// Shared makes the hub one node's of several (shared.go): the
	// conversations are recorded there and the other nodes told of every
	// change. Keep is then not used: the record outlives any one node.
	Shared Shared
	// OriginPatterns are WebSocket Origin hosts accepted besides the
	// request's own Host.
	OriginPatterns []string

	MaxText         int           // characters per message (default 2000)
	MaxEvents       int           // events per conversation (default 1000)
	MaxPerSource    int           // open conversations per source address (default 5)
	MaxOpen         int           // conversations held in memory, open or just ended (default 10000)
	MessageRate     time.Duration // one customer message per this, on average (default 500ms)
	MessageBurst    int           // default 10
	FrameRate       int           // WebSocket frames per second per socket, typing included (default 20)
	FrameBurst      int           // default 50
	PollWait        time.Duration // how long a poll waits for news (default 25s)
	AbandonAfter    time.Duration // a waiting customer gone this long leaves the queue (default 2m)
	IdleAfter       time.Duration // a conversation with no event this long ends (default 1h)
	ForgetAfter     time.Duration // an ended conversation stays readable this long (default 10m)
	OperatorTimeout time.Duration // a desk that cannot take a message this long is dropped (default 10s)

	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n == 0 {
			*n = v
		}
	}
	defInt(&c.MaxText, 2000)
	defInt(&c.MaxEvents, 1000)
	defInt(&c.MaxPerSource, 5)
	defInt(&c.MaxOpen, 10000)
	defInt(&c.MessageBurst, 10)
	defInt(&c.FrameRate, 20)
	defInt(&c.FrameBurst, 50)
	def(&c.MessageRate, 500*time.Millisecond)
	def(&c.PollWait, 25*time.Second)
	def(&c.AbandonAfter, 2*time.Minute)
	def(&c.IdleAfter, time.Hour)
	def(&c.ForgetAfter, 10*time.Minute)
	def(&c.OperatorTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports a configuration error in words an operator can act on.
func (c *Config) Validate() error {
	if c.Retention < 0 {
		return errors.New("chat retention must be zero (keep nothing) or positive")
	}
	if c.MaxText < 0 || c.MaxEvents < 0 || c.MaxPerSource < 0 || c.MaxOpen < 0 {
		return errors.New("chat limits must be positive")
	}
	return nil
}

// Hub holds the open conversations and the operators' desks. Create it
// with New, serve Handler under /v1/desk/, and run Run for housekeeping.
type Hub struct {
	cfg Config

	mu        sync.Mutex
	convs     map[string]*conversation
	desks     map[*desk]struct{}
	perSource map[netip.Addr]int   // open conversations per source (netprefix.Source: IPv6 per /64)
	finished  []ended              // ended conversations not yet stored and audited
	throttle  *ratelimit.PerSource // failed desk logins per source, as signaling counts failed Opens
}

// New returns a hub for cfg, with the conversations cfg.Keep kept from
// the last run.
func New(cfg Config) (*Hub, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Hub{cfg: cfg, convs: map[string]*conversation{}, desks: map[*desk]struct{}{}, perSource: map[netip.Addr]int{},
		throttle: ratelimit.NewPerSource(12*time.Second, 5)}
	ctx := context.Background()
	if cfg.Shared != nil {
		if err := h.openShared(ctx); err != nil {
			return nil, fmt.Errorf("open chats of the other nodes: %w", err)
		}
		return h, nil
	}
	if err := h.restore(ctx); err != nil {
		return nil, err
	}
	return h, nil
}

// Handler serves the customer's and the operator's routes under /v1/desk/.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/desk/visit", h.serveVisit)
	mux.HandleFunc("POST /v1/desk/poll", h.servePoll)
	mux.HandleFunc("POST /v1/desk/send", h.serveSend)
	mux.HandleFunc("POST /v1/desk/typing", h.serveTyping)
	mux.HandleFunc("GET /v1/desk/chat", h.serveChat)
	mux.HandleFunc("GET /v1/desk/operator", h.serveOperator)
	mux.HandleFunc("/v1/desk/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNotFound)
	})
	return mux
}

// Run ends abandoned and idle conversations and sweeps old transcripts
// until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	var lastPurge time.Time
	for {
		now := h.cfg.Now()
		h.Sweep(ctx)
		if now.Sub(lastPurge) >= time.Hour {
			h.PurgeTranscripts(ctx)
			h.forgetShared(ctx)
			lastPurge = now
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
