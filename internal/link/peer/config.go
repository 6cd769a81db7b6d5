package peer

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// Role says which side of the offer/answer exchange a Link plays.
type Role int

const (
	// Offerer creates the first offer and every ICE-restart offer. The
	// technician offers.
	Offerer Role = iota + 1
	// Answerer only answers.
	Answerer
)

func (r Role) String() string {
	switch r {
	case Offerer:
		return "offerer"
	case Answerer:
		return "answerer"
	default:
		return fmt.Sprintf("role(%d)", int(r))
	}
}

// Signal is one message to carry to the other side through the signaling
// server: either a session description or one trickled ICE candidate.
type Signal struct {
	Description *webrtc.SessionDescription `json:"description,omitempty"`
	Candidate   *webrtc.ICECandidateInit   `json:"candidate,omitempty"`
}

// Defaults applied by New to zero durations.
const (
	DefaultDisconnectedTimeout = 3 * time.Second
	DefaultFailedTimeout       = 10 * time.Second
	DefaultKeepaliveInterval   = time.Second
	DefaultRestartAfter        = 2 * time.Second
	DefaultGiveUpAfter         = 30 * time.Second
)

// Config configures a Link.
type Config struct {
	Role       Role
	ICEServers []webrtc.ICEServer
	// RelayOnly gathers and uses relay candidates only
	// (ICETransportPolicyRelay).
	RelayOnly bool
	// RootCAs is trusted for turns: relays in addition to the system roots.
	// pion's ICE agent cannot take a pool, so turns: over TCP is dialed by
	// this package (see turntls.go); turns: over UDP (DTLS) is not supported.
	RootCAs *x509.CertPool
	// Send carries one signal to the other side. It is called from one
	// goroutine, in order, and should not block for long: Close waits for it.
	Send func(Signal) error
	// Net is the network to use; nil means the host's (tests pass a vnet).
	Net transport.Net
	// Logger receives the link's and pion's logs; nil discards them.
	Logger *slog.Logger
	// Video says whether this side sends or receives screen video, and
	// VideoCodec which codec it sends (CodecVP8 if empty).
	Video      VideoDirection
	VideoCodec string
	// IncludeLoopback gathers loopback host candidates (tests, benchmarks).
	IncludeLoopback bool

	// ICE liveness: no traffic for DisconnectedTimeout makes ICE
	// disconnected, for FailedTimeout failed. Keepalives every
	// KeepaliveInterval.
	DisconnectedTimeout time.Duration
	FailedTimeout       time.Duration
	KeepaliveInterval   time.Duration
	// RestartAfter is how long ICE may stay disconnected (or a restart stay
	// unanswered) before the Offerer restarts ICE.
	RestartAfter time.Duration
	// GiveUpAfter is how long the link may go without a working path before
	// it fails with ErrPathLost.
	GiveUpAfter time.Duration

	// noExpress leaves the express lane out (express.go), as a build
	// before it did: tests of the SCTP fallback, benchmarks of SCTP.
	noExpress bool
	// noParity leaves the video parity extension out (ParityExtensionURI),
	// as a build before it did.
	noParity bool
}

// Validate reports what is missing or wrong in c.
func (c *Config) Validate() error {
	if c.Role != Offerer && c.Role != Answerer {
		return fmt.Errorf("peer: invalid role %v", c.Role)
	}
	if c.Send == nil {
		return errors.New("peer: config has no Send function")
	}
	if c.RelayOnly && len(c.ICEServers) == 0 {
		return errors.New("peer: relay-only policy needs at least one ICE server")
	}
	return nil
}

// withDefaults returns c with zero fields filled in.
func (c Config) withDefaults() Config {
	setDur(&c.DisconnectedTimeout, DefaultDisconnectedTimeout)
	setDur(&c.FailedTimeout, DefaultFailedTimeout)
	setDur(&c.KeepaliveInterval, DefaultKeepaliveInterval)
	setDur(&c.RestartAfter, DefaultRestartAfter)
	setDur(&c.GiveUpAfter, DefaultGiveUpAfter)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func setDur(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}
