package blockfeed

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed"
)

// DefaultEvery is how often a Feed polls by default.
const DefaultEvery = relayfeed.DefaultEvery

// Config configures a Feed.
type Config struct {
	// URL is the signaling server's base URL (https://host:port); the
	// feed is at its Path.
	URL    string
	Secret []byte       // the TURN REST shared secret
	Client *http.Client // nil: a client with a 10 s timeout and the system roots
	Every  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Feed keeps a relay's copy of the signaling server's blocks.
type Feed struct {
	poll *relayfeed.Poller

	mu     sync.Mutex
	blocks []Block // of the last good answer
}

// New checks c and returns a Feed that has no list yet: call Run.
func New(c Config) (*Feed, error) {
	p, err := relayfeed.NewPoller(relayfeed.PollerConfig{Name: "block feed", URL: c.URL, Path: Path,
		Secret: c.Secret, Client: c.Client, Every: c.Every, Now: c.Now, Logger: c.Logger,
		Outage: "block feed unavailable: keeping the last list", Counted: "blocks"})
	if err != nil {
		return nil, err
	}
	return &Feed{poll: p}, nil
}

// Run polls until ctx ends.
func (f *Feed) Run(ctx context.Context) { f.poll.Run(ctx, f.Refresh) }

// Refresh fetches the list once. On failure the list in force stays.
func (f *Feed) Refresh(ctx context.Context) error {
	return f.poll.Poll(ctx, nil, func(b []byte) (int, error) {
		l, err := parseList(b)
		if err != nil {
			return 0, err
		}
		f.mu.Lock()
		f.blocks = l.Blocks
		f.mu.Unlock()
		return len(l.Blocks), nil
	})
}

// Blocked reports whether a block in the list in force covers addr
// (IPv4-mapped unmapped) now.
func (f *Feed) Blocked(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	now := f.poll.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.blocks {
		if (b.Until.IsZero() || now.Before(b.Until)) && b.Prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// Status says when the list in force arrived (zero: none yet) and the
// last fetch's error (nil: it worked).
func (f *Feed) Status() (fetched time.Time, err error) { return f.poll.Status() }
