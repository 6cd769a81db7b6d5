package sessionfeed

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/server/relayfeed"
)

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
	poll *relayfeed.Poller
	end  func(End)

	mu     sync.Mutex
	cursor string // of the last good answer ("" before the first)
}

// New checks c and returns a Feed that has polled nothing yet: call Run.
func New(c Config) (*Feed, error) {
	p, err := relayfeed.NewPoller(relayfeed.PollerConfig{Name: "session feed", URL: c.URL, Path: Path,
		Secret: c.Secret, Client: c.Client, Every: c.Every, Now: c.Now, Logger: c.Logger,
		Outage:  "session feed unavailable: credentials of sessions that end meanwhile work until it answers",
		Counted: "ended"})
	if err != nil {
		return nil, err
	}
	if c.End == nil {
		return nil, errors.New("session feed: nothing to tell of ends")
	}
	return &Feed{poll: p, end: c.End}, nil
}

// Run polls every Every until ctx ends.
func (f *Feed) Run(ctx context.Context) { f.poll.Run(ctx, f.Refresh) }

// Refresh asks for the ends after the last answer's cursor once and
// hands them to Config.End.
func (f *Feed) Refresh(ctx context.Context) error {
	f.mu.Lock()
	var q url.Values
	if f.cursor != "" {
		q = url.Values{"after": {f.cursor}}
	}
	f.mu.Unlock()
	return f.poll.Poll(ctx, q, func(b []byte) (int, error) {
		l, err := parseList(b)
		if err != nil {
			return 0, err
		}
		for _, e := range l.Ended {
			f.end(e)
		}
		f.mu.Lock()
		f.cursor = l.Cursor
		f.mu.Unlock()
		return len(l.Ended), nil
	})
}

// Status says when the last answer arrived (zero: none yet) and the last
// poll's error (nil: it worked).
func (f *Feed) Status() (fetched time.Time, err error) { return f.poll.Status() }
