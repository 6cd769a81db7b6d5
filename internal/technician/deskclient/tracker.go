package deskclient

import (
	"slices"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// tracker is what Next remembers to resume a broken desk: the last event
// number delivered of each open conversation it follows, the
// conversations picked again after a reconnect, and the messages due out.
type tracker struct {
	last     map[string]int64 // open conversation -> last seq delivered
	resuming map[string]bool  // picked again: their history is a replay
	out      []Message
}

func newTracker() tracker {
	return tracker{last: map[string]int64{}, resuming: map[string]bool{}}
}

func (t *tracker) push(m Message) { t.out = append(t.out, m) }

func (t *tracker) pop() (Message, bool) {
	if len(t.out) == 0 {
		return Message{}, false
	}
	m := t.out[0]
	t.out = t.out[1:]
	return m, true
}

// following lists the open conversations the desk has events of.
func (t *tracker) following() []string {
	ids := make([]string, 0, len(t.last))
	for id := range t.last {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// take queues what of m the caller has not seen yet.
func (t *tracker) take(m Message) {
	switch m.Type {
	case chatwire.TypeHistory:
		if !t.resuming[m.Conversation] {
			for _, e := range m.Events {
				t.note(m.Conversation, e)
			}
			t.push(m)
			return
		}
		delete(t.resuming, m.Conversation)
		for _, e := range m.Events {
			if t.fresh(m.Conversation, e) {
				t.push(Message{Type: chatwire.TypeEvent, Conversation: m.Conversation, Event: &e})
				t.note(m.Conversation, e)
			}
		}
	case chatwire.TypeEvent:
		if m.Event != nil && !t.fresh(m.Conversation, *m.Event) {
			return // a replay of one delivered before the break
		}
		if m.Event != nil {
			t.note(m.Conversation, *m.Event)
		}
		t.push(m)
	case chatwire.TypeError:
		if t.resuming[m.Conversation] {
			// Ended (or gone) while the desk was away: stop following it.
			delete(t.resuming, m.Conversation)
			delete(t.last, m.Conversation)
		}
		t.push(m)
	default:
		t.push(m)
	}
}

func (t *tracker) fresh(id string, e Event) bool {
	last, ok := t.last[id]
	return e.Seq == 0 || !ok || e.Seq > last
}

func (t *tracker) note(id string, e Event) {
	if e.Type == chatwire.EventClosed {
		delete(t.last, id)
		return
	}
	if e.Seq > t.last[id] {
		t.last[id] = e.Seq
	}
}
