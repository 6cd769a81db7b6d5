package auth

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/tandem-remote/tandem/internal/server/ratelimit"
	"github.com/tandem-remote/tandem/internal/server/store"
)

// EventKind names something the audit log (and metrics) will want.
type EventKind string

// Events reported to Config.OnEvent.
const (
	EventLoginSucceeded EventKind = "login-succeeded"
	EventLoginFailed    EventKind = "login-failed"  // wrong password, unknown or disabled ID
	EventLoginBlocked   EventKind = "login-blocked" // attempt on a blocked ID
	EventIDBlocked      EventKind = "id-blocked"    // this failure blocked the ID
	EventIPRefused      EventKind = "ip-refused"
	EventThrottled      EventKind = "throttled"
	EventStartsLimited  EventKind = "starts-limited" // a source (or its network) started logins too fast; once until its limit is full again
	EventUnlocked       EventKind = "unlocked"
	EventPasswordSet    EventKind = "password-set"
	EventDisabled       EventKind = "disabled"
	EventEnabled        EventKind = "enabled"
	EventLogout         EventKind = "logout"
	EventTOTPFailed     EventKind = "totp-failed" // right password, wrong or missing TOTP code
	EventTOTPEnrolled   EventKind = "totp-enrolled"
	EventTOTPConfirmed  EventKind = "totp-confirmed"
	EventTOTPReset      EventKind = "totp-reset"
)

// Event is one security-relevant happening. It never carries a password,
// proof or token.
type Event struct {
	Kind      EventKind
	AccountID string     // empty when the ID typed at login is no account (it may be a mistyped password)
	Source    netip.Addr // zero for Go API calls
	Time      time.Time
}

// Service is the authentication service: login, tokens, and the account
// management calls the admin CLI and API are built on. Create it with New.
//
// Its errors are package login's, so that the server and a client branch
// on the same values: every login failure a client can cause is
// login.ErrLoginFailed from outside (the server's log and OnEvent say
// which it was); login.ErrThrottled, ErrTooManyStarts, ErrPasswordExpired
// and ErrUnauthenticated are the others.
type Service struct {
	cfg       Config
	st        store.Store
	secret    []byte                           // derives unknown IDs' fake salts; persisted in the store
	totpKey   []byte                           // seals TOTP secrets (AES-256); persisted in the store
	dummyTOTP []byte                           // a sealed secret checked at login when the account has none
	throttle  *ratelimit.PerSource             // failed logins per source (throttle.go)
	tell      atomic.Pointer[func(netip.Addr)] // passes failures to the other processes (ShareFailures)
	starts    *startLimit
	onEvent   func(context.Context, Event)
	totpCode  func(secret string, at time.Time) (string, error) // computes a TOTP code; tests count its calls

	mu      sync.Mutex
	pending *pendingTable
}

// New returns a Service over st. It reads (or creates, once) the server
// secret from st.
func New(ctx context.Context, st store.Store, cfg Config, onEvent func(context.Context, Event)) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth config: %w", err)
	}
	cfg.setDefaults()
	for i, p := range cfg.TrustedProxies {
		cfg.TrustedProxies[i] = store.NormalizePrefix(p)
	}
	secret, err := st.Secret(ctx, "auth-fake-salt", func() ([]byte, error) { return randomBytes(32), nil })
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	totpKey, err := st.Secret(ctx, "totp-key", func() ([]byte, error) { return randomBytes(32), nil })
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if onEvent == nil {
		onEvent = func(context.Context, Event) {}
	}
	if cfg.Policy.MaxAge > 0 {
		cfg.Logger.Warn("password maximum age enabled; NIST SP 800-63B and OWASP ASVS advise against forced rotation", "max_age", cfg.Policy.MaxAge)
	}
	s := &Service{
		cfg: cfg, st: st, secret: secret, totpKey: totpKey, onEvent: onEvent,
		throttle: ratelimit.NewPerSource(cfg.SourceEvery, cfg.SourceBurst),
		starts:   newStartLimit(),
		pending:  newPendingTable(maxPending, maxPendingSource, pendingTTL),
		totpCode: func(secret string, at time.Time) (string, error) {
			return totp.GenerateCodeCustom(secret, at, totpOpts)
		},
	}
	if s.dummyTOTP, err = s.newDummyTOTP(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return s, nil
}

// event reports kind. Pass id only when it names an account: an unknown ID
// is often a password typed into the wrong field, so it is never logged.
func (s *Service) event(ctx context.Context, kind EventKind, id string, src netip.Addr) {
	s.cfg.Logger.Info("auth event", "event", string(kind), "id", id, "from", src)
	s.onEvent(ctx, Event{Kind: kind, AccountID: id, Source: src, Time: s.cfg.Now()})
}
