package helpdesk

import (
	"encoding/json"
	"sort"
	"time"
)

// The desk's messages, server to operator, are JSON objects with a
// "type": DeskQueue on connect and whenever the queue changes, DeskHistory
// after a pick, deskEvent for every later event of the operator's
// conversations, deskTyping when their customer types, DeskError when a
// request fails. Operator to server: DeskRequest (pick, send, typing,
// invite, close).

// DeskRequest is what the desk sends.
type DeskRequest struct {
	Type         string `json:"type"` // pick, send, typing, invite or close
	Conversation string `json:"conversation"`
	Text         string `json:"text,omitempty"`   // send
	Code         string `json:"code,omitempty"`   // invite: a code of a session this operator opened
	Reason       string `json:"reason,omitempty"` // close
}

// DeskQueue lists the conversations the operator can see: those waiting
// for anyone and their own open ones.
type DeskQueue struct {
	Type          string        `json:"type"` // "queue"
	Conversations []DeskSummary `json:"conversations"`
}

// DeskSummary is one conversation in the queue.
type DeskSummary struct {
	ID       string    `json:"id"`
	State    string    `json:"state"` // "waiting" or "yours"
	Name     string    `json:"name,omitempty"`
	Topic    string    `json:"topic,omitempty"`
	Lang     string    `json:"lang,omitempty"`
	Session  string    `json:"session,omitempty"` // bound to this session of yours
	Started  time.Time `json:"started"`
	Messages int       `json:"messages"`
}

// DeskHistory is a picked conversation's events so far.
type DeskHistory struct {
	Type         string  `json:"type"` // "history"
	Conversation string  `json:"conversation"`
	Events       []Event `json:"events"`
}

type deskEvent struct {
	Type         string `json:"type"` // "event"
	Conversation string `json:"conversation"`
	Event        Event  `json:"event"`
}

type deskTyping struct {
	Type         string `json:"type"` // "typing"
	Conversation string `json:"conversation"`
}

// DeskError says why a request failed.
type DeskError struct {
	Type         string `json:"type"` // "error"
	Conversation string `json:"conversation,omitempty"`
	Code         string `json:"error"`
	Message      string `json:"message"`
}

// desk is one operator's connection. out is written by the hub under
// Hub.mu and drained by the connection's writer.
type desk struct {
	operatorID string
	operator   Operator
	out        chan []byte
	gone       chan struct{} // closed when the hub drops the desk
	dropped    bool
}

// sendLocked queues v for d; a desk too slow to keep up is dropped.
func (h *Hub) sendLocked(d *desk, v any) {
	if d.dropped {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	select {
	case d.out <- b:
	default:
		d.dropped = true
		close(d.gone)
		h.cfg.Logger.Warn("desk dropped: too slow", "operator", d.operatorID)
	}
}

func (h *Hub) toOperatorLocked(operatorID string, v any) {
	for d := range h.desks {
		if d.operatorID == operatorID {
			h.sendLocked(d, v)
		}
	}
}

// queueChangedLocked sends every desk its queue.
func (h *Hub) queueChangedLocked() {
	for d := range h.desks {
		h.sendLocked(d, h.queueLocked(d.operatorID))
	}
}

func (h *Hub) queueLocked(operatorID string) DeskQueue {
	q := DeskQueue{Type: "queue", Conversations: []DeskSummary{}}
	for _, c := range h.convs {
		if c.closed() || (c.operatorID != "" && c.operatorID != operatorID) {
			continue
		}
		s := DeskSummary{ID: c.id, State: "waiting", Name: c.name, Topic: c.topic, Lang: c.lang,
			Started: c.started, Messages: c.messages()}
		if c.operatorID != "" {
			s.State, s.Session = "yours", c.session
		}
		q.Conversations = append(q.Conversations, s)
	}
	sort.Slice(q.Conversations, func(i, j int) bool {
		a, b := q.Conversations[i], q.Conversations[j]
		if !a.Started.Equal(b.Started) {
			return a.Started.Before(b.Started)
		}
		return a.ID < b.ID
	})
	return q
}
