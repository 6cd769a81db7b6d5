package chatwire

// Event types. All but EventTyping carry a sequence number.
const (
	EventMessage  = "message"
	EventAssigned = "assigned" // an operator took the conversation
	EventInvite   = "invite"   // a session code to download the agent with
	EventClosed   = "closed"
	EventTyping   = "typing" // not numbered, not kept
)

// Who wrote a message.
const (
	FromCustomer = "customer"
	FromOperator = "operator"
	FromSystem   = "system"
)

// Event is one thing that happened in a conversation, as both the page
// and the desk receive it (and as a stored transcript keeps it).
type Event struct {
	Type     string    `json:"type"` // Event*
	Seq      int64     `json:"seq,omitempty"`
	From     string    `json:"from,omitempty"` // message: From*
	Name     string    `json:"name,omitempty"` // message: the writer's name
	Text     string    `json:"text,omitempty"` // message
	At       string    `json:"at,omitempty"`   // RFC 3339
	CID      string    `json:"cid,omitempty"`  // message: the page's client id
	Operator *Operator `json:"operator,omitempty"`
	Code     string    `json:"code,omitempty"`   // invite
	Reason   string    `json:"reason,omitempty"` // closed
}

// Operator is who helps, as the customer sees them.
type Operator struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
}

// Visit is what the page posts to start a conversation: a session code,
// or a name and a question.
type Visit struct {
	Code  string `json:"code,omitempty"`
	Name  string `json:"name,omitempty"`
	Topic string `json:"topic,omitempty"`
	Lang  string `json:"lang,omitempty"` // "en", "fr" or empty
}

// Visited is the answer: the conversation's id and key (the page's only
// credential for it), and who helps and the code when a code bound it to
// an operator (null otherwise).
type Visited struct {
	ID       string    `json:"id"`
	Key      string    `json:"key"`
	Operator *Operator `json:"operator"`
	Code     *string   `json:"code"`
}

// Frame types the page sends on its socket.
const (
	FrameHello  = "hello"
	FrameSend   = "send"
	FrameTyping = "typing"
)

// PageFrame is what the page sends: on the socket, hello first (ID, Key,
// After), then send (CID, Text) and typing; the long-poll fallback's
// bodies are the same object without Type.
type PageFrame struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Key   string `json:"key"`
	After int64  `json:"after"` // the last event seq the page saw
	CID   string `json:"cid"`   // a repeated cid is not added again
	Text  string `json:"text"`
}

// Polled answers a poll: the events after its After, or a lone typing
// event, or none when the wait ran out.
type Polled struct {
	Events []Event `json:"events"`
}

// Sent answers a send with the message's sequence number (the first
// one's, for a repeated cid).
type Sent struct {
	Seq int64 `json:"seq"`
}

// PageError refuses a frame on the page's socket; CID names the message
// it refuses, if any.
type PageError struct {
	Type string `json:"type"` // "error"
	CID  string `json:"cid,omitempty"`
	Failure
}
