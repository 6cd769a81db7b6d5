// Package session is the core both sides of a Tandem support session
// share: it brings up a side's Run — the signaling connection and the
// peer link — pumps WebRTC signals between the server and the link, runs
// the control handshake on the "control" data channel (Hello / HelloAck
// both ways, which proves the link and measures its round trip), and ends
// the session cleanly from either side, telling the other why. It also
// holds what both sides report (Reporter and its events, end reasons) and
// their shared flags.
//
// The roles live apart, each a Side of the Run given to StartLink:
// package agentsession (the customer's consent, screen, window and files)
// and package techsession (the technician's view, modes, chat, files and
// demonstration). Neither imports the other, so that each binary links
// only its own.
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
