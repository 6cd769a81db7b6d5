package peer

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// A link that settled on the relay while direct paths were allowed tries
// again for a direct one: the Offerer restarts ICE after directRetryFirst,
// then after three times the previous wait, up to directRetryMax, for as
// long as the path stays relayed. pion nominates once and never moves off
// the nominated pair (its automatic renomination would, but it only
// prefers a direct pair when both ends are host candidates — never the
// host -> prflx pair two NATs give — and its RTT rule switches between two
// relay pairs on noise), so a restart is the only way onto a direct pair
// that becomes usable later: a NAT that dropped the first probes, checks
// slowed past relayAcceptanceWait by a loaded machine, a firewall opened.
//
// A restart re-gathers every candidate and drops the selected pair until a
// new one is chosen, so each try costs a gap of the order of the time to
// connect (see BenchmarkDirectRetry). Where no direct path exists (both
// sides behind symmetric NATs) the tries back off to one every
// directRetryMax. Nothing is tried on a relay-only link, when the other
// side offered only relay candidates, or when the relay is reached over TCP
// or TLS (UDP is blocked, so no direct UDP path will work either).
var (
	directRetryFirst = 5 * time.Second
	directRetryMax   = 5 * time.Minute
)

// directRetry is the supervisor's state for moving a relayed link onto a
// direct path.
type directRetry struct {
	timer *time.Timer
	wait  time.Duration // before the next try; 0 until the link is relayed
	first time.Duration
	tries int
	last  string // the path last seen, for the log
}

func (d *directRetry) init() {
	d.first = directRetryFirst
	d.timer = time.NewTimer(time.Hour)
	d.timer.Stop()
}

func (d *directRetry) stop() { d.timer.Stop() }

// onPath looks at the path after ICE (re)connected: it logs a change, and
// on the Offerer a direct path ends the retries while a relayed one arms
// the next try if a direct path may exist.
func (l *Link) onPath(d *directRetry) {
	p, err := l.Path()
	if err != nil {
		return
	}
	if s := p.String(); s != d.last {
		if d.last != "" {
			l.log.Info("path changed", "path", s)
		}
		d.last = s
	}
	if l.cfg.Role != Offerer || l.cfg.RelayOnly {
		return
	}
	if p.Direct {
		if d.tries > 0 {
			l.log.Info("direct path found", "tries", d.tries, "path", p.String())
		}
		d.wait = 0
		d.timer.Stop()
		return
	}
	if p.Protocol != "udp" || !l.remoteOffersDirect() {
		return // UDP to the relay failed: no direct UDP path either
	}
	d.wait = nextDirectWait(d.wait, d.first, directRetryMax)
	d.timer.Reset(d.wait)
	l.log.Debug("relayed: will look for a direct path", "in", d.wait)
}

// nextDirectWait is the wait before the next try: first, then three times
// the previous one, at most max.
func nextDirectWait(prev, first, max time.Duration) time.Duration {
	if prev <= 0 {
		return first
	}
	return min(3*prev, max)
}

// onDirectTimer restarts ICE if the link is still relayed and its path up
// (an outage is the restarter's business).
func (l *Link) onDirectTimer(d *directRetry, r *restarter) {
	if d.wait == 0 || !r.badSince.IsZero() {
		return
	}
	if p, err := l.Path(); err != nil || p.Direct {
		return
	}
	if l.pc.SignalingState() != webrtc.SignalingStateStable {
		d.timer.Reset(d.wait) // an offer is in flight: never roll it back for this
		return
	}
	d.tries++
	l.log.Info("relayed: looking for a direct path", "try", d.tries)
	l.restart()
}

// remoteOffersDirect reports whether the other side gave any candidate
// other than a relay one: without one, no direct path can exist.
func (l *Link) remoteOffersDirect() bool {
	for _, s := range l.pc.GetStats() {
		c, ok := s.(webrtc.ICECandidateStats)
		if ok && c.Type == webrtc.StatsTypeRemoteCandidate && c.CandidateType != webrtc.ICECandidateTypeRelay {
			return true
		}
	}
	return false
}
