package proto

import (
	"errors"
	"fmt"
)

// A joined session outlives its sides' signaling connections: the peers
// talk over their own link, and signaling only carries ICE restarts and
// the end. So that a side whose connection broke (its server node died,
// the network blinked) can take up its place again, the server sends
// each side Resumable after Opened or Joined: a resume secret, one per
// side, which the server keeps only hashed. (A message of its own rather
// than a field of Opened and Joined: clients refuse unknown body fields
// but skip unknown message types, so older clients are not broken.) The side redials (the same URL, which a load balancer may send
// to another node) and sends Resume as its first message; the server
// answers Resumed and tells the other side PeerResumed, on which the
// technician restarts ICE so that any offer, answer or candidate lost
// while a side was away is sent again.

// ResumeSecretLen is the length of a resume secret: 32 random bytes in
// unpadded base64url, the shape of a ticket.
const ResumeSecretLen = TicketLen

// Resume takes up role's side of a joined session again, on any node.
type Resume struct {
	Session string `json:"session"`
	Role    Role   `json:"role"`
	Secret  string `json:"secret"`
}

func (r *Resume) check() error {
	if !validSessionID(r.Session) {
		return errors.New("session must be 32 lowercase hex digits")
	}
	if r.Role != RoleTechnician && r.Role != RoleAgent {
		return fmt.Errorf("role must be %q or %q", RoleTechnician, RoleAgent)
	}
	if !ValidTicket(r.Secret) {
		return fmt.Errorf("secret must be %d base64url characters", ResumeSecretLen)
	}
	return nil
}

// Resumable gives a side its resume secret for Session.
type Resumable struct {
	Session string `json:"session"`
	Secret  string `json:"secret"`
}

// Resumed answers Resume: the side is back in its session.
type Resumed struct {
	Session string `json:"session"`
}

// PeerResumed tells a side that the other side resumed its signaling
// connection (on any node).
type PeerResumed struct {
	Session string `json:"session"`
	Role    Role   `json:"role"`
}

// validSessionID reports whether s is a session ID: 32 lowercase hex
// digits.
func validSessionID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
