// Package session runs one side of a Tandem support session — the
// technician's or the agent's — from the signaling handshake to the end:
// it opens or joins through the signaling server, pumps WebRTC signals
// between the server and the peer link, runs the control handshake on the
// "control" data channel (Hello / HelloAck both ways, which proves the link
// and measures its round trip), and ends the session cleanly from either
// side, telling the other why.
//
// The screen, input, consent and GUI layers of later milestones sit on top
// of the link this package brings up.
package session

// Reasons a session ends, as carried in proto.Bye and reported in the
// "ended" event.
const (
	ReasonHangup         = "hangup"      // technician ended it
	ReasonStopped        = "stopped"     // customer ended it
	ReasonInterrupted    = "interrupted" // a signal ended this side's process
	ReasonLinkLost       = "link-lost"
	ReasonPeerGone       = "peer-gone"
	ReasonCodeExpired    = "code-expired"
	ReasonSessionExpired = "session-expired"
	ReasonRefused        = "refused" // the customer refused (or did not answer) the first request
)

// clean reports whether a session that ended for reason ended normally
// (exit status 0).
func clean(reason string) bool {
	switch reason {
	case ReasonHangup, ReasonStopped, ReasonInterrupted:
		return true
	}
	return false
}
