package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

// DefaultIterations is the PBKDF2-HMAC-SHA256 iteration count for new
// passwords: OWASP's 2023 Password Storage figure for PBKDF2-HMAC-SHA256.
// The cost falls on the client at login (about a third of a second on one
// core here) and on the server only when a password is set.
const DefaultIterations = 600_000

// MinIterations is the fewest iterations a client accepts from a server and
// the fewest Config allows: RFC 7677's floor. Tests use it to run fast.
const MinIterations = 4096

// Config configures a Service. Zero values take the defaults noted.
type Config struct {
	// Iterations is the PBKDF2 count for passwords set from now on
	// (DefaultIterations). Existing keys keep theirs until changed.
	Iterations int

	// MaxFailures wrong passwords in a row block an ID for BlockFor
	// (3 and 15 minutes).
	MaxFailures int
	BlockFor    time.Duration

	// SourceBurst failed logins are allowed per source address (IPv6 by
	// /64), refilled one per SourceEvery (5 and 3 minutes: 20 an hour).
	// This runs before anything else, so one client cannot walk through
	// many IDs locking each out.
	SourceBurst int
	SourceEvery time.Duration

	// TokenTTL is how long a session token lives (12 hours).
	TokenTTL time.Duration

	// AllowUnbound accepts logins without TLS channel binding, for a
	// server behind a TLS-terminating proxy. Off: login needs TLS 1.3 (or
	// 1.2 with extended master secret) at this server.
	AllowUnbound bool

	// TrustedProxies are the addresses whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix

	// Policy is the password policy; see Policy for defaults.
	Policy Policy

	// TOTPIssuer names the server in authenticator apps ("Tandem").
	TOTPIssuer string

	Logger *slog.Logger     // nil discards
	Now    func() time.Time // nil is time.Now
}

func (c *Config) setDefaults() {
	if c.Iterations == 0 {
		c.Iterations = DefaultIterations
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = 3
	}
	if c.BlockFor == 0 {
		c.BlockFor = 15 * time.Minute
	}
	if c.SourceBurst == 0 {
		c.SourceBurst = 5
	}
	if c.SourceEvery == 0 {
		c.SourceEvery = 3 * time.Minute
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = 12 * time.Hour
	}
	if c.TOTPIssuer == "" {
		c.TOTPIssuer = "Tandem"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Policy.setDefaults()
}

// Validate reports the first setting that cannot work, after defaults.
func (c Config) Validate() error {
	c.setDefaults()
	switch {
	case c.Iterations < MinIterations:
		return fmt.Errorf("iterations %d is below the minimum %d", c.Iterations, MinIterations)
	case c.MaxFailures < 1:
		return errors.New("max failures must be at least 1")
	case c.BlockFor < 0 || c.SourceEvery < 0 || c.TokenTTL < 0:
		return errors.New("durations must not be negative")
	case c.SourceBurst < c.MaxFailures:
		return fmt.Errorf("source burst %d is below max failures %d: a user could not reach their own lockout", c.SourceBurst, c.MaxFailures)
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			return errors.New("invalid trusted proxy prefix")
		}
	}
	return c.Policy.Validate()
}
