package peer

import (
	"fmt"

	"github.com/pion/webrtc/v4"
)

// event is one state change reported by a pion callback. Callbacks only
// forward events; the supervisor goroutine acts on them, so no pion call is
// ever made from inside a pion callback.
type event struct {
	ice         webrtc.ICEConnectionState
	dtls        webrtc.DTLSTransportState
	controlOpen bool
}

// watch registers the pion callbacks.
func (l *Link) watch() {
	l.pc.OnICECandidate(l.onCandidate)
	l.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		l.log.Debug("ice state", "state", s.String())
		l.post(event{ice: s})
	})
	l.pc.SCTP().Transport().OnStateChange(func(s webrtc.DTLSTransportState) {
		l.log.Debug("dtls state", "state", s.String())
		l.post(event{dtls: s})
	})
	go func() { // ends when the control channel opens or shuts
		select {
		case <-l.channels[ChannelControl].Opened():
			l.post(event{controlOpen: true})
		case <-l.channels[ChannelControl].closed:
		}
	}()
}

func (l *Link) post(e event) {
	select {
	case l.events <- e:
	case <-l.quit:
	case <-l.done:
	}
}

// supervise owns the link's lifecycle until Close: it declares the link
// connected, fails it on a DTLS failure or a remote close, and drives ICE
// restarts: after an outage (restart.go) and, on a relayed path, to look
// for a direct one (direct.go).
func (l *Link) supervise() {
	defer close(l.supervised)
	var r restarter
	r.init()
	defer r.stop()
	var d directRetry
	d.init()
	defer d.stop()
	for {
		select {
		case <-l.quit:
			return
		case <-r.timer.C:
			if l.onRestartTimer(&r) {
				return
			}
		case <-d.timer.C:
			l.onDirectTimer(&d, &r)
		case e := <-l.events:
			if l.onEvent(&r, &d, e) {
				return
			}
		}
	}
}

// onEvent handles one event and reports whether the link has ended.
func (l *Link) onEvent(r *restarter, d *directRetry, e event) bool {
	switch {
	case e.controlOpen:
		r.ready = true
		return l.checkConnected(r)
	case e.dtls == webrtc.DTLSTransportStateConnected:
		r.dtlsUp = true
		return l.checkConnected(r)
	case e.dtls == webrtc.DTLSTransportStateFailed:
		return l.fail(ErrHandshake)
	case e.dtls == webrtc.DTLSTransportStateClosed && !r.dtlsUp:
		return l.fail(ErrHandshake) // the remote side aborted the handshake
	case e.dtls == webrtc.DTLSTransportStateClosed:
		return l.fail(ErrRemoteClosed)
	case e.ice != 0:
		l.onICEState(r, e.ice)
		if e.ice == webrtc.ICEConnectionStateConnected {
			l.onPath(d)
		}
	}
	return false
}

// checkConnected declares the link connected once DTLS is up and the
// control channel open, unless the negotiated protection breaks the
// policy: then it fails the link (ErrWeakCipher) and reports true.
func (l *Link) checkConnected(r *restarter) bool {
	if !r.ready || !r.dtlsUp {
		return false
	}
	dtlsSuite, srtpProfile := protection(l.pc.GetStats())
	if err := checkProtection(dtlsSuite, srtpProfile); err != nil {
		l.log.Warn("weak cipher refused", "dtls", dtlsSuite, "srtp", srtpProfile)
		return l.fail(err)
	}
	l.connectedOnce.Do(func() {
		close(l.connected)
		if p, err := l.Path(); err == nil {
			l.log.Info("connected", "path", p.String())
		}
	})
	return false
}

// fail ends the link with err and releases its resources; it runs on the
// supervisor goroutine and always reports true.
func (l *Link) fail(err error) bool {
	l.finish(err)
	l.relays.close()
	if cerr := l.pc.GracefulClose(); cerr != nil {
		l.log.Debug("close after failure", "err", fmt.Sprint(cerr))
	}
	return true
}
