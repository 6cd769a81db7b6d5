// Package signaling is Tandem's rendezvous server: it pairs a technician and
// a customer's agent by a one-time session code, hands each side ICE servers
// with short-lived TURN credentials, and forwards their WebRTC offer, answer
// and trickled candidates over a WebSocket. It never sees the media or data
// that then flows between the peers, nor the SDP's meaning: Signal bodies are
// forwarded verbatim.
//
// One HTTPS port serves the WebSocket (/v1/ws), a health check (/healthz),
// the login and admin APIs (/v1/, packages auth and admin), the agent
// download for a session code (/v1/agent/, agentdl.go): the agent binary
// stamped with a one-time join ticket (tickets.go), and the feeds
// standalone TURN relays poll with proof of the TURN secret: customer
// blocks (/v1/relay/blocks, package blockfeed) and ended sessions
// (/v1/relay/ended, package sessionfeed; sessionends.go). For
// customers it also serves the help page (every path no route takes,
// SetWeb) with its web chat and the operators' desk (/v1/desk/, package
// helpdesk; desk.go), and operators the console in a browser (/console,
// package console; its WebSocket is serveWSToken's, the operator taken
// from its cookie). Prometheus metrics are not on that port: they tell
// when sessions are live, so MetricsHandler serves them on a listener of
// their own, loopback by default. The message flow is described in
// package proto.
//
// Security choices: codes come from crypto/rand, are single use, expire (10
// minutes by default) and are looked up by their SHA-256 and compared in
// constant time; join attempts are throttled per source address (per /64 for
// IPv6) before a code is even looked at; operators open sessions with the
// session token of a SCRAM login, checked against their account and IP
// rules; every session's open, join and end
// is audited with the operator's ID, and the agent gets a grant signed by
// the server listing what the operator may do; WebSocket Origin must match
// the server's own host; a customer block (package admin) refuses a Join
// from the blocked address, saying only "refused" and auditing it, and the
// embedded relay's allocations from it; a session's TURN credential stops
// working at the relays a grace after the session ends (Config.EndGrace),
// its allocations closed; frames are size-limited and each
// connection's message rate is bounded; one source holds only so many
// connections and opens them only so fast (limits_source.go); paths with
// dot segments or doubled slashes get 404, never a redirect.
package signaling

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/blockfeed"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/turncred"
)

// DefaultSessionMax is how long a session lives at most, and so its TURN
// credential, unless Config.SessionMax says otherwise.
const DefaultSessionMax = 8 * time.Hour

// Config configures a Server.
type Config struct {
	// Auth checks the token in Open: the session token of an operator's
	// SCRAM login (login.Login), within their IP rules. Required: without
	// it nobody can open a session.
	Auth *auth.Service
	// API serves the other /v1/ routes: login, setup and the admin API
	// (admin.Handler). Nil serves none.
	API http.Handler
	// Desk serves /v1/desk/: the customers' web chat and the operators'
	// desk (helpdesk.Hub.Handler). Nil serves none.
	Desk http.Handler
	// RelayBlocks lists the customer blocks in force for standalone
	// relays, served at blockfeed.Path to those holding TURNSecret. Nil
	// serves no feed.
	RelayBlocks func(ctx context.Context) ([]blockfeed.Block, error)
	// SessionEnds records the sessions that end, so that relays refuse
	// their TURN credentials (sessionends.go), and is served at
	// sessionfeed.Path to relays holding TURNSecret. Nil tells no relay:
	// a credential then lives until its expiry.
	SessionEnds sessionfeed.Book
	// EndGrace is how long after a session's end it is recorded in
	// SessionEnds: the peers' last words (the customer's refusal, a
	// goodbye, the DTLS close) may still be crossing a relay when the
	// server hears the end, and closing the allocations at once cut them.
	// Zero records at once (tests); the service uses DefaultEndGrace.
	EndGrace time.Duration
	// Audit records session open, join and end with the operator's ID;
	// nil records nothing.
	Audit *audit.Log
	// GrantKey signs each session's grant (package grant), handed to the
	// agent in Joined; nil sends no grant.
	GrantKey ed25519.PrivateKey
	// Permissions returns the functions granted to an operator; nil
	// grants none to logged-in operators.
	Permissions func(ctx context.Context, accountID string) ([]string, error)

	// Blocked reports the customer block covering an address or naming an
	// agent identity, if any (admin.CustomerBlocked). A Join from a
	// blocked address or computer is refused as "refused" and audited;
	// nil blocks nobody.
	Blocked func(ctx context.Context, addr netip.Addr, agent string) (store.CustomerBlock, bool, error)

	// TURNURLs are the relay URLs handed to clients ("turn:host:3478?transport=udp",
	// "turns:host:443?transport=tcp", ...). A STUN URL is derived for each
	// distinct host:port of a plain turn: URL.
	TURNURLs []string
	// relays, when set, probes TURNURLs and hands each session only the
	// relays that answer (relaypool.go); Service sets it for -turn-url.
	relays *relayPool
	// TURNSecret is the shared secret for TURN REST credentials.
	TURNSecret []byte
	// CodeTTL is how long an unused code stays valid (default 10 minutes).
	CodeTTL time.Duration
	// SessionMax bounds a session's life and so its TURN credentials'
	// (default 8 hours).
	SessionMax time.Duration
	// OriginPatterns are the WebSocket Origin hosts accepted besides the
	// request's own Host (coder/websocket patterns, e.g. "support.example.com").
	OriginPatterns []string
	// AgentBinary is the agent file that POST /v1/agent/linux-amd64
	// serves, stamped for one session (agentdl.go); empty offers none.
	AgentBinary string
	// AgentBinaryWindows is the Windows agent (agent.exe) that POST
	// /v1/agent/windows-amd64 serves, stamped the same way; empty: that
	// route answers 404, not available yet.
	AgentBinaryWindows string
	// PublicURL is how agents reach this server, https://HOST[:PORT]:
	// stamped into each agent download.
	PublicURL string
	// CertPin returns the pin (stamp.PinOf) of the TLS certificate the
	// server presents now, stamped into each agent download so the agent
	// trusts that key without a CA; nil offers no download.
	CertPin func() ([]byte, error)
	// JoinRate and JoinBurst throttle join attempts per source address
	// (default 5 per minute, burst 5).
	JoinRate  time.Duration
	JoinBurst int
	// MaxConns bounds concurrent WebSocket connections, the help desk's
	// included (default DefaultMaxConns); one network (IPv4 /24, IPv6 /48)
	// holds at most 1/8 of it, an IPv6 /56 a quarter of that (capsFor).
	MaxConns int
	// MaxConnsPerSource bounds the WebSockets one source (an IPv4 address,
	// an IPv6 /64) holds at once, so that one source cannot take every slot
	// (default perSourceFor(MaxConns)); its TCP connections of any kind
	// are bounded at tcpPerSource of it (limits_source.go).
	MaxConnsPerSource int
	// NewConnsPerSource (a second) and NewConnsBurst bound how fast one
	// source opens connections (default DefaultNewConnsPerSource and
	// DefaultNewConnsBurst).
	NewConnsPerSource float64
	NewConnsBurst     int
	// Cluster makes this server one node of several (cluster.go): sessions
	// are leased in the shared database and paired across nodes over its
	// bus. Nil: the server works alone, its sessions in memory.
	Cluster *Cluster
	// Registry receives the server's metrics, served by MetricsHandler;
	// nil gives the server its own.
	Registry *prometheus.Registry
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock (nil = time.Now); tests inject one.
	Now func() time.Time
}

func (c *Config) setDefaults() {
	if c.CodeTTL == 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.SessionMax == 0 {
		c.SessionMax = DefaultSessionMax
	}
	if c.JoinRate == 0 {
		c.JoinRate = 12 * time.Second
	}
	if c.JoinBurst == 0 {
		c.JoinBurst = 5
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConnsPerSource == 0 {
		c.MaxConnsPerSource = perSourceFor(c.MaxConns)
	}
	if c.NewConnsPerSource == 0 {
		c.NewConnsPerSource = DefaultNewConnsPerSource
	}
	if c.NewConnsBurst == 0 {
		c.NewConnsBurst = DefaultNewConnsBurst
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports the first configuration error, in words an operator can
// act on.
func (c *Config) Validate() error {
	if c.Auth == nil {
		return errors.New("no way to open sessions: configure operator accounts (Auth)")
	}
	if len(c.TURNURLs) > 0 && len(c.TURNSecret) < turncred.MinSecretLen {
		return fmt.Errorf("TURN secret must be at least %d bytes (generate one with: head -c 32 /dev/urandom | base64)", turncred.MinSecretLen)
	}
	for _, u := range c.TURNURLs {
		if err := checkTURNURL(u); err != nil {
			return err
		}
	}
	if c.CodeTTL < 0 || c.SessionMax < 0 {
		return errors.New("durations must be positive")
	}
	if c.MaxConnsPerSource < 0 || c.NewConnsPerSource < 0 || c.NewConnsBurst < 0 {
		return errors.New("-max-conns-per-source, -new-conns-per-source and -new-conns-burst must be positive")
	}
	return nil
}

func checkTURNURL(raw string) error {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || (scheme != "turn" && scheme != "turns") || rest == "" {
		return fmt.Errorf("TURN URL %q: want turn:HOST:PORT?transport=udp|tcp or turns:HOST:PORT?transport=tcp", raw)
	}
	hostport, query, _ := strings.Cut(rest, "?")
	if hostport == "" {
		return fmt.Errorf("TURN URL %q has no host", raw)
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return fmt.Errorf("TURN URL %q: %w", raw, err)
		}
		switch q.Get("transport") {
		case "", "udp", "tcp":
		default:
			return fmt.Errorf("TURN URL %q: transport must be udp or tcp", raw)
		}
	}
	return nil
}
