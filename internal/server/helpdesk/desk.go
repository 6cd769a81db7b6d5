package helpdesk

import (
	"encoding/json"
	"sort"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// desk is one operator's connection. out is written by the hub under
// Hub.mu and drained by the connection's writer.
type desk struct {
	operatorID string
	operator   chatwire.Operator
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

func (h *Hub) queueLocked(operatorID string) chatwire.DeskQueue {
	q := chatwire.DeskQueue{Type: chatwire.TypeQueue, Conversations: []chatwire.DeskSummary{}}
	for _, c := range h.convs {
		if c.closed() || (c.operatorID != "" && c.operatorID != operatorID) {
			continue
		}
		s := chatwire.DeskSummary{ID: c.id, State: chatwire.StateWaiting, Name: c.name, Topic: c.topic, Lang: c.lang,
			Started: c.started, Messages: c.messages()}
		if c.operatorID != "" {
			s.State, s.Session = chatwire.StateYours, c.session
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
