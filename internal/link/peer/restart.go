package peer

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// restarter is the supervisor's view of path health. The path is down while
// ICE is disconnected or failed. The Offerer restarts ICE once it has been
// disconnected for RestartAfter, or at once when ICE fails; it then gives
// each restart until ICE fails again (or FailedTimeout+RestartAfter, in
// case the restart offer or its answer was lost) before the next one.
// Either side gives up after GiveUpAfter without a path.
type restarter struct {
	timer     *time.Timer
	ready     bool      // control channel opened once
	dtlsUp    bool      // DTLS connected once
	badSince  time.Time // zero while the path is up
	restarted time.Time // last restart offer during this outage, zero if none
	failed    bool      // ICE failed since the last restart
}

func (r *restarter) init() {
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
		*r = restarter{timer: r.timer, ready: r.ready, dtlsUp: r.dtlsUp}
		r.timer.Stop()
	case webrtc.ICEConnectionStateDisconnected, webrtc.ICEConnectionStateFailed:
		if r.badSince.IsZero() {
			r.badSince = time.Now()
			l.log.Info("path lost", "ice", s.String())
		}
		wait := l.cfg.RestartAfter
		if s == webrtc.ICEConnectionStateFailed {
			r.failed, wait = true, 0
		}
		r.timer.Reset(wait)
	}
}

// onRestartTimer restarts ICE if it is due, or gives up. It reports whether
// the link has ended.
func (l *Link) onRestartTimer(r *restarter) bool {
	if r.badSince.IsZero() {
		return false
	}
	if time.Since(r.badSince) >= l.cfg.GiveUpAfter {
		return l.fail(ErrPathLost)
	}
	r.timer.Reset(l.cfg.RestartAfter)
	if l.cfg.Role == Offerer && r.restartDue(l.cfg) {
		r.restarted, r.failed = time.Now(), false
		l.restart()
	}
	return false
}

func (r *restarter) restartDue(cfg Config) bool {
	if r.restarted.IsZero() {
		return r.failed || time.Since(r.badSince) >= cfg.RestartAfter
	}
	return r.failed || time.Since(r.restarted) >= cfg.FailedTimeout+cfg.RestartAfter
}

// restart sends an ICE-restart offer; the answer comes back through
// HandleSignal like any other.
func (l *Link) restart() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pc.RemoteDescription() == nil {
		return // never negotiated: nothing to restart yet
	}
	n := l.restarts.Add(1)
	l.log.Info("ice restart", "attempt", n)
	if err := l.offerLocked(true); err != nil {
		l.log.Warn("ice restart", "err", err)
	}
}
