// Package proto defines Tandem's signaling messages: the versioned envelope
// exchanged over the signaling WebSocket and over the peers' "control" data
// channel, the typed payloads, and the wire error codes.
//
// # Flow
//
// A technician connects to the signaling server's WebSocket and sends Open
// with its token. The server answers Opened with a one-time session code and
// the ICE servers (STUN and TURN, with TURN REST credentials bound to the
// session). The technician reads the code to the customer, whose agent
// connects and sends Join with the code (an agent downloaded from the help
// page sends instead the one-time ticket stamped into it; package stamp).
// The server answers Joined (with the agent's own ICE servers) and tells the technician PeerJoined. From then on
// each side sends Signal messages — SDP descriptions and trickled ICE
// candidates — which the server forwards verbatim to the other side without
// looking inside. Either side may send Bye; the server forwards it as Bye to
// the other side and closes the session. Errors travel as Error with a Code.
//
// Once the WebRTC link is up the peers speak the same envelope on their
// "control" data channel: Hello and HelloAck (a round trip that proves the
// link and measures it), then Bye when one side ends the session.
//
// # Secret part of a code
//
// A code a customer types may carry a second part after a dash
// ("123456789-ABCD"). Only the part before the dash (ServerCode) is ever sent
// to the server; the rest is reserved for an end-to-end check between the
// peers (for example binding the DTLS fingerprints carried in Signal), so a
// compromised signaling server cannot put itself in the middle. Signal bodies
// are opaque to the server for the same reason.
package proto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the envelope version this build speaks.
const Version = 1

// MaxMessageSize bounds one encoded envelope; signaling endpoints refuse
// larger frames. An SDP offer with trickle ICE is a few kilobytes.
const MaxMessageSize = 64 << 10

// Type names a message.
type Type string

// Message types.
const (
	TypeOpen       Type = "open"        // technician → server
	TypeOpened     Type = "opened"      // server → technician
	TypeJoin       Type = "join"        // agent → server
	TypeJoined     Type = "joined"      // server → agent
	TypePeerJoined Type = "peer-joined" // server → technician
	TypeSignal     Type = "signal"      // peer → server → other peer
	TypeBye        Type = "bye"         // either way; also on the control channel
	TypeError      Type = "error"       // server → client
	TypeHello      Type = "hello"       // control channel: technician → agent
	TypeHelloAck   Type = "hello-ack"   // control channel: agent → technician
	// Resuming a side's signaling connection (resume.go).
	TypeResumable   Type = "resumable"    // server → client, after opened or joined
	TypeResume      Type = "resume"       // either client → server, first message
	TypeResumed     Type = "resumed"      // server → that client
	TypePeerResumed Type = "peer-resumed" // server → the other client
)

// Envelope is the outer frame of every message.
type Envelope struct {
	V    int             `json:"v"`
	Type Type            `json:"type"`
	Body json.RawMessage `json:"body,omitempty"`
}

// ErrVersion is returned by Decode for an envelope of another version.
var ErrVersion = errors.New("proto: unsupported version")

// Encode wraps body in an envelope of type t.
func Encode(t Type, body any) ([]byte, error) {
	env := Envelope{V: Version, Type: t}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", t, err)
		}
		env.Body = b
	}
	return json.Marshal(env)
}

// Decode parses an envelope and checks its version and size. The body is
// left raw; use Body to decode it into the type the envelope names.
func Decode(data []byte) (Envelope, error) {
	var env Envelope
	if len(data) > MaxMessageSize {
		return env, fmt.Errorf("proto: message of %d bytes exceeds %d", len(data), MaxMessageSize)
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return env, fmt.Errorf("proto: decode envelope: %w", err)
	}
	if env.V != Version {
		return env, fmt.Errorf("%w %d (this build speaks %d)", ErrVersion, env.V, Version)
	}
	if env.Type == "" {
		return env, errors.New("proto: message without type")
	}
	return env, nil
}

// Body decodes env's body into v, refusing unknown fields so that a typo on
// one side shows up as an error instead of a silently ignored field.
func Body[T any](env Envelope) (T, error) {
	var v T
	if len(env.Body) == 0 {
		return v, fmt.Errorf("proto: %s without body", env.Type)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("proto: decode %s: %w", env.Type, err)
	}
	if c, ok := any(&v).(interface{ check() error }); ok {
		if err := c.check(); err != nil {
			return v, fmt.Errorf("proto: %s: %w", env.Type, err)
		}
	}
	return v, nil
}
