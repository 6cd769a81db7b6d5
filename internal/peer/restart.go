package peer

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// restarter is the supervisor's view of path health. The link is unhealthy
// while ICE is disconnected or failed; the Offerer then restarts ICE every
// RestartAfter (at once on failed) until ICE reconnects, and either side
// gives up after GiveUpAfter without a path.
type restarter struct {
	timer     *time.Timer
	ready     bool      // control channel opened once
	dtlsUp    bool      // DTLS connected once
	badSince  time.Time // zero while healthy
	restarted time.Time // last restart offer
}

func (r *restarter) init(l *Link) {
	r.timer = time.NewTimer(time.Hour)
	r.timer.Stop()
}

func (r *restarter) stop() { r.timer.Stop() }

func (l *Link) onICEState(r *restarter, s webrtc.ICEConnectionState) {
	switch s {
	case webrtc.ICEConnectionStateConnected, webrtc.ICEConnectionStateCompleted:
		if !r.badSince.IsZero() {
			l.log.Info("path recovered", "after", time.Since(r.badSince).Round(time.Millisecond))
		}
		r.badSince = time.Time{}
		r.timer.Stop()
	case webrtc.ICEConnectionStateDisconnected, webrtc.ICEConnectionStateFailed:
		if r.badSince.IsZero() {
			r.badSince = time.Now()
			l.log.Info("path lost", "ice", s.String())
		}
		wait := l.cfg.RestartAfter
		if s == webrtc.ICEConnectionStateFailed {
			wait = 0
		}
		r.timer.Reset(wait)
	}
}

// onRestartTimer restarts ICE if the path is still down, or gives up. It
// reports whether the link has ended.
func (l *Link) onRestartTimer(r *restarter) bool {
	if r.badSince.IsZero() {
		return false
	}
	if time.Since(r.badSince) >= l.cfg.GiveUpAfter {
		return l.fail(ErrPathLost)
	}
	r.timer.Reset(l.cfg.RestartAfter)
	if l.cfg.Role != Offerer || time.Since(r.restarted) < l.cfg.RestartAfter {
		return false
	}
	r.restarted = time.Now()
	l.restart()
	return false
}

// restart sends an ICE-restart offer; the answer comes back through
// HandleSignal like any other.
func (l *Link) restart() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pc.RemoteDescription() == nil {
		return // never negotiated: nothing to restart yet
	}
	l.restarts++
	l.log.Info("ice restart", "attempt", l.restarts)
	if err := l.offerLocked(true); err != nil {
		l.log.Warn("ice restart", "err", err)
	}
}
