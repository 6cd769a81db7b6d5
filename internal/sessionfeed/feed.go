package sessionfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/blockfeed"
)

// maxBody bounds a feed response (maxEnded ends of about 90 bytes).
const maxBody = 16 << 20

// Config configures a Feed.
type Config struct {
	// URL is the signaling server's base URL (https://host:port); the
	// feed is at its Path.
	URL    string
	Secret []byte       // the TURN REST shared secret
	Client *http.Client // nil: a client with a 10 s timeout and the system roots
	Every  time.Duration
	// End is told of every session end the feed learns (relay.EndSession);
	// it may be told of one more than once.
	End    func(End)
	Now    func() time.Time
	Logger *slog.Logger
}

// Feed polls a signaling server's ended sessions for a relay.
type Feed struct {
	cfg Config
	url string

	mu      sync.Mutex
	cursor  string    // of the last answer ("" before the first)
	fetched time.Time // when the last answer arrived (zero: never)
	lastErr error
}

// New checks c and returns a Feed that has polled nothing yet: call Run.
func New(c Config) (*Feed, error) {
	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("session feed URL %q: want the signaling server's https://HOST[:PORT]", c.URL)
	}
	if len(c.Secret) == 0 {
		return nil, errors.New("session feed: no TURN secret")
	}
	if c.End == nil {
		return nil, errors.New("session feed: nothing to tell of ends")
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Every <= 0 {
		c.Every = blockfeed.DefaultEvery
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

// Run polls every Every until ctx ends.
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

// Refresh asks for the ends after the last answer's cursor once and
// hands them to Config.End.
func (f *Feed) Refresh(ctx context.Context) error {
	f.mu.Lock()
	cursor := f.cursor
	f.mu.Unlock()
	l, err := f.fetch(ctx, cursor)
	if err != nil {
		f.failed(ctx, err)
		return err
	}
	for _, e := range l.Ended {
		f.cfg.End(e)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastErr != nil || f.fetched.IsZero() {
		f.cfg.Logger.Info("session feed in force", "ended", len(l.Ended))
	}
	f.cursor, f.fetched, f.lastErr = l.Cursor, f.cfg.Now(), nil
	return nil
}

// failed logs a new kind of failure once.
func (f *Feed) failed(ctx context.Context, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ctx.Err() == nil && (f.lastErr == nil || f.lastErr.Error() != err.Error()) {
		f.cfg.Logger.Warn("session feed unavailable: credentials of sessions that end meanwhile work until it answers",
			"err", err, "last_answer", f.fetched)
	}
	f.lastErr = err
}

func (f *Feed) fetch(ctx context.Context, cursor string) (List, error) {
	u := f.url
	if cursor != "" {
		u += "?after=" + url.QueryEscape(cursor)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return List{}, err
	}
	req.Header.Set("Authorization", blockfeed.AuthorizationFor(f.cfg.Secret, Path, f.cfg.Now()))
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

// Status says when the last answer arrived (zero: none yet) and the last
// poll's error (nil: it worked).
func (f *Feed) Status() (fetched time.Time, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetched, f.lastErr
}
