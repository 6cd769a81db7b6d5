package peer

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pion/webrtc/v4"
)

// ErrNoPath is returned by Path before ICE has selected a candidate pair.
var ErrNoPath = errors.New("peer: no candidate pair selected yet")

// Path describes the connection in use: the selected ICE candidate pair and
// the negotiated DTLS and SRTP protection.
type Path struct {
	Direct bool // neither side is a relay candidate
	// Local and Remote are candidate types: host, srflx, prflx or relay.
	Local, Remote string
	// Protocol is udp or tcp on a direct path; on a relayed path it is the
	// protocol to the relay (udp, tcp or tls), from the local relay
	// candidate, or from the remote one if only the remote side is relayed.
	Protocol              string
	LocalAddr, RemoteAddr string
	DTLSCipher            string // e.g. TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	SRTPProfile           string // e.g. SRTP_AEAD_AES_256_GCM
	// Lane: the control, input and chat channels travel on the express
	// lane (express.go), not SCTP.
	Lane bool
}

// ConnectedEvent is the JSON event reporting a connection:
// {"event":"connected","path":"direct"|"relayed","local":…,"remote":…,
// "protocol":…,"dtls":…,"srtp":…,"lane":true} ("lane" only when the
// express lane carries control, input and chat).
type ConnectedEvent struct {
	Event    string `json:"event"`
	Path     string `json:"path"`
	Local    string `json:"local"`
	Remote   string `json:"remote"`
	Protocol string `json:"protocol"`
	DTLS     string `json:"dtls"`
	SRTP     string `json:"srtp"`
	Lane     bool   `json:"lane,omitempty"`
}

// Kind is "direct" or "relayed".
func (p Path) Kind() string {
	if p.Direct {
		return "direct"
	}
	return "relayed"
}

// Event returns the "connected" event for p.
func (p Path) Event() ConnectedEvent {
	return ConnectedEvent{
		Event: "connected", Path: p.Kind(), Local: p.Local, Remote: p.Remote,
		Protocol: p.Protocol, DTLS: p.DTLSCipher, SRTP: p.SRTPProfile, Lane: p.Lane,
	}
}

// String is a one-line summary for logs.
func (p Path) String() string {
	return fmt.Sprintf("%s %s %s %s -> %s %s (%s, %s)", p.Kind(), p.Protocol,
		p.Local, p.LocalAddr, p.Remote, p.RemoteAddr, p.DTLSCipher, p.SRTPProfile)
}

// Path returns the path in use, from pion's stats.
func (l *Link) Path() (Path, error) {
	ice := l.pc.SCTP().Transport().ICETransport()
	pair, ok := ice.GetSelectedCandidatePairStats()
	if !ok {
		return Path{}, ErrNoPath
	}
	report := l.pc.GetStats()
	local, lok := report[pair.LocalCandidateID].(webrtc.ICECandidateStats)
	remote, rok := report[pair.RemoteCandidateID].(webrtc.ICECandidateStats)
	if !lok || !rok {
		return Path{}, ErrNoPath
	}
	p := Path{
		Local:      local.CandidateType.String(),
		Remote:     remote.CandidateType.String(),
		LocalAddr:  hostPort(local),
		RemoteAddr: hostPort(remote),
		Protocol:   local.Protocol,
	}
	p.Direct = local.CandidateType != webrtc.ICECandidateTypeRelay &&
		remote.CandidateType != webrtc.ICECandidateTypeRelay
	switch {
	case local.CandidateType == webrtc.ICECandidateTypeRelay && local.RelayProtocol != "":
		p.Protocol = local.RelayProtocol
	case remote.CandidateType == webrtc.ICECandidateTypeRelay && remote.RelayProtocol != "":
		p.Protocol = remote.RelayProtocol
	}
	p.DTLSCipher, p.SRTPProfile = protection(report)
	p.Lane = l.Lane()
	return p, nil
}

func hostPort(c webrtc.ICECandidateStats) string {
	return net.JoinHostPort(c.IP, strconv.Itoa(int(c.Port)))
}

// protection finds the negotiated DTLS cipher suite and SRTP profile in the
// transport stats (pion fills them from the DTLS connection state).
func protection(report webrtc.StatsReport) (dtls, srtp string) {
	for _, s := range report {
		if t, ok := s.(webrtc.TransportStats); ok && t.DTLSCipher != "" {
			return t.DTLSCipher, t.SRTPCipher
		}
	}
	return "", ""
}

// RoundTrip returns ICE's latest measured round-trip time on the selected
// pair (from STUN consent checks), or 0 before one is known.
func (l *Link) RoundTrip() time.Duration {
	pair, ok := l.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePairStats()
	if !ok {
		return 0
	}
	return time.Duration(pair.CurrentRoundTripTime * float64(time.Second))
}
