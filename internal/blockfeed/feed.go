package blockfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultEvery is how often a Feed polls by default.
const DefaultEvery = 30 * time.Second

// maxBody bounds a feed response.
const maxBody = 16 << 20

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
	cfg Config
	url string

	mu      sync.Mutex
	blocks  []Block
	fetched time.Time // when the list in force arrived (zero: never)
	lastErr error
}

// New checks c and returns a Feed that has no list yet: call Run.
func New(c Config) (*Feed, error) {
	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("block feed URL %q: want the signaling server's https://HOST[:PORT]", c.URL)
	}
	if len(c.Secret) == 0 {
		return nil, errors.New("block feed: no TURN secret")
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Every <= 0 {
		c.Every = DefaultEvery
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + Path
	return &Feed{cfg: c, url: u.String()}, nil
}

// Run polls until ctx ends.
func (f *Feed) Run(ctx context.Context) {
	t := time.NewTicker(f.cfg.Every)
	defer t.Stop()
	for {
		f.Refresh(ctx)
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// Refresh fetches the list once. On failure the list in force stays.
func (f *Feed) Refresh(ctx context.Context) error {
	l, err := f.fetch(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && (f.lastErr == nil || f.lastErr.Error() != err.Error()) {
			f.cfg.Logger.Warn("block feed unavailable: keeping the last list", "err", err, "list_from", f.fetched)
		}
		f.lastErr = err
		return err
	}
	if f.lastErr != nil || f.fetched.IsZero() {
		f.cfg.Logger.Info("block feed in force", "blocks", len(l.Blocks))
	}
	f.blocks, f.fetched, f.lastErr = l.Blocks, f.cfg.Now(), nil
	return nil
}

func (f *Feed) fetch(ctx context.Context) (List, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return List{}, err
	}
	req.Header.Set("Authorization", Authorization(f.cfg.Secret, f.cfg.Now()))
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return List{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return List{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return List{}, fmt.Errorf("%s: %s: %s", f.url, resp.Status, strings.TrimSpace(string(b[:min(len(b), 300)])))
	}
	if len(b) > maxBody {
		return List{}, fmt.Errorf("%s: response over %d bytes", f.url, maxBody)
	}
	return parseList(b)
}

// Blocked reports whether a block in the list in force covers addr
// (IPv4-mapped unmapped) now.
func (f *Feed) Blocked(addr netip.Addr) bool {
	addr = addr.Unmap().WithZone("")
	now := f.cfg.Now()
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
func (f *Feed) Status() (fetched time.Time, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetched, f.lastErr
}
