package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/relay"
	"github.com/tandem-remote/tandem/internal/server/sessionfeed"
)

// endedFeed is the session feed that -block-feed brings with it: the
// relay polls the signaling server's ended sessions and refuses their
// credentials, closing their allocations (relay.EndSession).
type endedFeed struct {
	url    string
	client *http.Client
	every  time.Duration
	cfg    relay.Config
}

// newEndedFeed prepares the session feed of -block-feed (nil without one).
func newEndedFeed(url, caFile string, every time.Duration, cfg relay.Config) (*endedFeed, error) {
	if url == "" {
		return nil, nil
	}
	client, err := feedClient(caFile)
	if err != nil {
		return nil, err
	}
	return &endedFeed{url: url, client: client, every: every, cfg: cfg}, nil
}

// feedClient is the HTTPS client of the feeds: the system roots and
// caFile's, through the environment's proxy.
func feedClient(caFile string) (*http.Client, error) {
	pool, err := certs.Pool(caFile)
	if err != nil {
		return nil, fmt.Errorf("-block-feed-ca: %w", err)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}, nil
}

// start polls for r until ctx ends (its freshness exported to reg) or the returned stop is called, which
// waits for the poller to end.
func (e *endedFeed) start(ctx context.Context, r *relay.Relay, reg prometheus.Registerer) (stop func(), err error) {
	f, err := sessionfeed.New(sessionfeed.Config{URL: e.url, Secret: e.cfg.Secret, Client: e.client, Every: e.every,
		End:    func(s sessionfeed.End) { r.EndSession(s.Session, s.Until) },
		Logger: e.cfg.Logger.With("component", "session-feed")})
	if err != nil {
		return nil, fmt.Errorf("-block-feed: %w", err)
	}
	if err := registerFeed(reg, "ended", f.Status); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	return func() { cancel(); <-done }, nil
}
