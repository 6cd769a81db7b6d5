package signaling

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Relays in a pool: every relay URL given with -turn-url is probed every
// few seconds (relaypool_probe.go), and a session is handed only the ones
// that answer. A relay is marked down after RelayProbe.Failures probes in a
// row go unanswered, and up again at its first answer, so that one lost
// datagram does not take a relay out of the pool while a dead one leaves it
// within seconds.

// RelayProbe is how often, and how patiently, signaling probes its relays.
type RelayProbe struct {
	// Interval between two rounds of probes; zero: never probe, every
	// relay URL is handed out.
	Interval time.Duration
	// Timeout of one probe (default: 2 s, at most Interval).
	Timeout time.Duration
	// Failures in a row that mark a relay down (default 3).
	Failures int
}

// DefaultRelayProbeInterval is -relay-probe-interval's default.
const DefaultRelayProbeInterval = 5 * time.Second

func (p *RelayProbe) setDefaults() {
	if p.Timeout == 0 {
		p.Timeout = min(2*time.Second, p.Interval)
	}
	if p.Failures <= 0 {
		p.Failures = 3
	}
}

// relayPool keeps the health of each configured relay URL. Its zero
// knowledge is "up": a relay not yet probed is handed out.
type relayPool struct {
	probe  RelayProbe
	log    *slog.Logger
	up     *prometheus.GaugeVec // tandem_relay_up{url}
	dialer prober

	mu     sync.Mutex
	relays []*relayHealth // in the configured order, which clients keep
}

// relayHealth is one relay URL's record, guarded by relayPool.mu.
type relayHealth struct {
	url      string
	failures int // probes unanswered in a row
	down     bool
	lastErr  string
}

// newRelayPool returns the pool of urls, its gauge registered on reg.
func newRelayPool(urls []string, probe RelayProbe, reg prometheus.Registerer, log *slog.Logger) (*relayPool, error) {
	probe.setDefaults()
	p := &relayPool{
		probe: probe, log: log, dialer: netProber{},
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tandem_relay_up",
			Help: "1 while the relay URL answers signaling's probes (STUN Binding over UDP, TCP or TLS connect), 0 once it has missed them.",
		}, []string{"url"}),
	}
	for _, u := range urls {
		p.relays = append(p.relays, &relayHealth{url: u})
		p.up.WithLabelValues(u).Set(1)
	}
	if err := reg.Register(p.up); err != nil {
		return nil, err
	}
	return p, nil
}

// healthy returns the relay URLs to hand a session: those up, in the
// configured order. When none is up it returns them all: signaling's own
// view of the network may be what fails (a firewall between it and the
// relays, a broken resolver here), and a client that tries a dead relay
// loses only that candidate, while one given no relay loses every session
// that needs one.
func (p *relayPool) healthy() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var up, all []string
	for _, r := range p.relays {
		all = append(all, r.url)
		if !r.down {
			up = append(up, r.url)
		}
	}
	if len(up) == 0 {
		return all
	}
	return up
}

// run probes every relay each Interval until ctx ends.
func (p *relayPool) run(ctx context.Context) error {
	t := time.NewTicker(p.probe.Interval)
	defer t.Stop()
	for {
		p.probeAll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// probeAll probes every relay at once and records the answers.
func (p *relayPool) probeAll(ctx context.Context) {
	p.mu.Lock()
	urls := make([]string, len(p.relays))
	for i, r := range p.relays {
		urls[i] = r.url
	}
	p.mu.Unlock()
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, p.probe.Timeout)
			defer cancel()
			errs[i] = p.dialer.probe(pctx, u)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return // shutting down: the probes failed for that
	}
	for i, u := range urls {
		p.record(u, errs[i])
	}
}

// record notes one probe's outcome for url, logging a change of state.
func (p *relayPool) record(url string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.relays {
		if r.url != url {
			continue
		}
		if err == nil {
			if r.down {
				p.log.Info("relay answers again", "url", url)
			}
			r.failures, r.down, r.lastErr = 0, false, ""
			p.up.WithLabelValues(url).Set(1)
			return
		}
		r.failures++
		r.lastErr = err.Error()
		if !r.down && r.failures >= p.probe.Failures {
			r.down = true
			p.log.Warn("relay not answering; no longer handed to sessions", "url", url, "probes", r.failures, "err", err)
			p.up.WithLabelValues(url).Set(0)
		}
		return
	}
}

// relayPool returns the pool of the relays given with -turn-url, or nil
// when there is none to probe: the embedded relay's own URLs, or probing
// turned off.
func (svc *Service) relayPool() (*relayPool, error) {
	o := svc.opts
	if len(o.TURNURLs) == 0 || o.RelayProbe.Interval <= 0 {
		return nil, nil
	}
	p, err := newRelayPool(o.TURNURLs, o.RelayProbe, svc.reg, o.Logger.With("component", "relaypool"))
	if err != nil {
		return nil, fmt.Errorf("relay pool: %w", err)
	}
	svc.summary = append(svc.summary, fmt.Sprintf("TURN relays: probed every %s, handed out while they answer (-relay-probe-interval)", p.probe.Interval))
	return p, nil
}
