package relayfeed

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultEvery is how often a Poller polls by default.
const DefaultEvery = 30 * time.Second

// maxBody bounds a feed response.
const maxBody = 16 << 20

// PollerConfig configures a Poller.
type PollerConfig struct {
	Name string // the feed's name in errors and the log ("block feed")
	// URL is the signaling server's base URL (https://host:port); the
	// feed is at its Path.
	URL    string
	Path   string
	Secret []byte        // the TURN REST shared secret
	Client *http.Client  // nil: a client with a 10 s timeout and the system roots
	Every  time.Duration // 0: DefaultEvery
	Now    func() time.Time
	Logger *slog.Logger
	// Outage is the warning logged when the feed cannot be read: what
	// holds meanwhile. Counted is the log's key for how many entries an
	// answer held.
	Outage, Counted string
}

// Poller asks a feed with the relay's proof and keeps how the last poll
// went; the feed keeps what the answers said.
type Poller struct {
	cfg PollerConfig
	url string

	mu      sync.Mutex
	fetched time.Time // when the last good answer arrived (zero: never)
	lastErr error     // of the last poll (nil: it worked)
}

// NewPoller checks c and returns a Poller that has asked nothing yet.
func NewPoller(c PollerConfig) (*Poller, error) {
	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s URL %q: want the signaling server's https://HOST[:PORT]", c.Name, c.URL)
	}
	if len(c.Secret) == 0 {
		return nil, fmt.Errorf("%s: no TURN secret", c.Name)
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
	u.Path = strings.TrimSuffix(u.Path, "/") + c.Path
	return &Poller{cfg: c, url: u.String()}, nil
}

// Now is the Poller's clock.
func (p *Poller) Now() time.Time { return p.cfg.Now() }

// Run calls poll at once and then every Every until ctx ends.
func (p *Poller) Run(ctx context.Context, poll func(context.Context) error) {
	t := time.NewTicker(p.cfg.Every)
	defer t.Stop()
	for {
		poll(ctx)
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// Poll asks the feed once, with query (nil: none), and hands the answer
// to use, which keeps what it says and returns how many entries it held.
// When either fails, the error is kept for Status and logged once per
// kind, and use has kept nothing of this answer.
func (p *Poller) Poll(ctx context.Context, query url.Values, use func(body []byte) (int, error)) error {
	b, err := p.get(ctx, query)
	n := 0
	if err == nil {
		n, err = use(b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && (p.lastErr == nil || p.lastErr.Error() != err.Error()) {
			p.cfg.Logger.Warn(p.cfg.Outage, "err", err, "last_answer", p.fetched)
		}
		p.lastErr = err
		return err
	}
	if p.lastErr != nil || p.fetched.IsZero() {
		p.cfg.Logger.Info(p.cfg.Name+" in force", p.cfg.Counted, n)
	}
	p.fetched, p.lastErr = p.cfg.Now(), nil
	return nil
}

// get GETs the feed with the proof and returns the body of a 200 answer.
func (p *Poller) get(ctx context.Context, query url.Values) ([]byte, error) {
	u := p.url
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", Authorization(p.cfg.Secret, p.cfg.Path, p.cfg.Now()))
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", p.url, resp.Status, strings.TrimSpace(string(b[:min(len(b), 300)])))
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("%s: response over %d bytes", p.url, maxBody)
	}
	return b, nil
}

// Status says when the last good answer arrived (zero: none yet) and
// the last poll's error (nil: it worked).
func (p *Poller) Status() (fetched time.Time, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetched, p.lastErr
}
