package proto

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/agentid"
	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// Role says which side a client is.
type Role string

// Roles.
const (
	RoleTechnician Role = "technician"
	RoleAgent      Role = "agent"
)

// Open asks the server for a new session. Token authenticates the
// technician: the session token of an operator's SCRAM login.
type Open struct {
	Token string `json:"token"`
}

func (o *Open) check() error {
	if o.Token == "" {
		return errors.New("missing token")
	}
	return nil
}

// ICEServer is one STUN or TURN server with its credentials, in the shape
// of WebRTC's RTCIceServer.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Opened answers Open.
type Opened struct {
	Session    string      `json:"session"`
	Code       string      `json:"code"`
	Expires    time.Time   `json:"expires"` // when the code stops working
	ICEServers []ICEServer `json:"ice_servers"`
}

// Join asks to join a session, named by exactly one of Code, the server
// part of the code the customer typed (see ServerCode), or Ticket, the
// one-time join ticket a stamped agent download carries (package stamp).
type Join struct {
	Code   string `json:"code,omitempty"`
	Ticket string `json:"ticket,omitempty"`
	// Agent is the agent's identity towards this server (package
	// agentid: a per-server pseudonym of the computer), empty when the
	// computer has none. Customer blocks may name it.
	Agent string `json:"agent,omitempty"`
}

func (j *Join) check() error {
	if j.Agent != "" && !agentid.Valid(j.Agent) {
		return fmt.Errorf("agent identity must be %d base64url characters", agentid.Len)
	}
	switch {
	case j.Code != "" && j.Ticket != "":
		return errors.New("a join carries a code or a ticket, not both")
	case j.Ticket != "":
		if !ValidTicket(j.Ticket) {
			return fmt.Errorf("ticket must be %d base64url characters", TicketLen)
		}
	case !ValidServerCode(j.Code):
		return errors.New("code must be 9 to 16 digits")
	}
	return nil
}

// TicketLen is the length of a join ticket: 32 random bytes in unpadded
// base64url.
const TicketLen = 43

// ValidTicket reports whether s has a join ticket's shape.
func ValidTicket(s string) bool {
	if len(s) != TicketLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Joined answers Join.
type Joined struct {
	Session    string      `json:"session"`
	ICEServers []ICEServer `json:"ice_servers"`
	// Grant is the operator's grant for this session, signed by the
	// server (package grant); absent from servers that do not sign one.
	Grant json.RawMessage `json:"grant,omitempty"`
	// GrantKey is the server's Ed25519 public key (standard base64 on the
	// wire; anything but 32 bytes fails the decoding with grant.ErrBadKey)
	// that signed Grant. The agent takes it from the server it already
	// authenticated by TLS; a stamped agent (one download per session)
	// carries it pinned.
	GrantKey grant.Key `json:"grant_key,omitempty"`
}

// PeerJoined tells the technician that an agent joined, and which
// computer it runs on (its identity, if it sent one), so that the
// operator can block that computer.
type PeerJoined struct {
	Session string `json:"session"`
	Agent   string `json:"agent,omitempty"`
}

// Signal carries one opaque WebRTC signaling payload (an SDP description or
// an ICE candidate) to the other peer. The server forwards Data as is.
type Signal struct {
	Data json.RawMessage `json:"data"`
}

func (s *Signal) check() error {
	if len(s.Data) == 0 {
		return errors.New("empty signal")
	}
	return nil
}

// Bye ends a session. Reason is a short machine-friendly word such as
// "hangup", "stopped", "timeout", "peer-gone".
type Bye struct {
	Reason string `json:"reason"`
}

// Hello opens the control channel; Nonce is echoed in HelloAck.
type Hello struct {
	Nonce   string `json:"nonce"`
	Version string `json:"version,omitempty"` // the sender's build
}

// HelloAck answers Hello.
type HelloAck struct {
	Nonce   string `json:"nonce"`
	Version string `json:"version,omitempty"`
}

// Code lengths accepted for the server part of a session code.
const (
	MinCodeDigits = 9
	MaxCodeDigits = 16
)

// ServerCode returns the part of a typed code that is sent to the server:
// digits before an optional "-secret" suffix, with spaces removed (people
// read codes out in groups: "123 456 789").
func ServerCode(typed string) string {
	server, _, _ := strings.Cut(strings.TrimSpace(typed), "-")
	return strings.Map(func(r rune) rune {
		if r == ' ' {
			return -1
		}
		return r
	}, server)
}

// ValidServerCode reports whether s is 9 to 16 ASCII digits.
func ValidServerCode(s string) bool {
	if len(s) < MinCodeDigits || len(s) > MaxCodeDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
