package chatwire

import "time"

// Desk request types.
const (
	RequestPick   = "pick"
	RequestSend   = "send"
	RequestTyping = "typing"
	RequestInvite = "invite"
	RequestClose  = "close"
)

// DeskRequest is what the desk sends.
type DeskRequest struct {
	Type         string `json:"type"` // Request*
	Conversation string `json:"conversation"`
	Text         string `json:"text,omitempty"`   // send
	Code         string `json:"code,omitempty"`   // invite: a code of a session this operator opened
	Reason       string `json:"reason,omitempty"` // close
}

// Desk message types, server to desk (TypeError is the page's too).
const (
	TypeQueue   = "queue"
	TypeHistory = "history"
	TypeEvent   = "event"
	TypeTyping  = "typing"
	TypeError   = "error"
)

// Queue states.
const (
	StateWaiting = "waiting" // for any operator
	StateYours   = "yours"   // this operator's
)

// DeskQueue lists the conversations the operator can see: those waiting
// for anyone and their own open ones, oldest first.
type DeskQueue struct {
	Type          string        `json:"type"` // TypeQueue
	Conversations []DeskSummary `json:"conversations"`
}

// DeskSummary is one conversation in the queue.
type DeskSummary struct {
	ID       string    `json:"id"`
	State    string    `json:"state"` // State*
	Name     string    `json:"name,omitempty"`
	Topic    string    `json:"topic,omitempty"`
	Lang     string    `json:"lang,omitempty"`
	Session  string    `json:"session,omitempty"` // bound to this session of yours
	Started  time.Time `json:"started"`
	Messages int       `json:"messages"`
}

// DeskHistory is a picked conversation's events so far.
type DeskHistory struct {
	Type         string  `json:"type"` // TypeHistory
	Conversation string  `json:"conversation"`
	Events       []Event `json:"events"`
}

// DeskEvent is a new event of one of the operator's conversations.
type DeskEvent struct {
	Type         string `json:"type"` // TypeEvent
	Conversation string `json:"conversation"`
	Event        Event  `json:"event"`
}

// DeskTyping says the conversation's customer is typing.
type DeskTyping struct {
	Type         string `json:"type"` // TypeTyping
	Conversation string `json:"conversation"`
}

// DeskError says why a request failed.
type DeskError struct {
	Type         string `json:"type"` // TypeError
	Conversation string `json:"conversation,omitempty"`
	Failure
}

// DeskMessage is any message the desk receives, as the desk reads it.
// Type says which fields are set: TypeQueue (Conversations), TypeHistory
// (Conversation, Events), TypeEvent (Conversation, Event), TypeTyping
// (Conversation), TypeError (Conversation, Error, Message).
type DeskMessage struct {
	Type          string        `json:"type"`
	Conversation  string        `json:"conversation,omitempty"`
	Conversations []DeskSummary `json:"conversations,omitempty"`
	Events        []Event       `json:"events,omitempty"`
	Event         *Event        `json:"event,omitempty"`
	Error         string        `json:"error,omitempty"` // a Code*
	Message       string        `json:"message,omitempty"`
}
