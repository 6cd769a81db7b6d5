package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// With Config.Shared set, the hub is one node's view of a help desk that
// several signaling nodes serve together: a customer's page may talk to
// any node, reconnect to another, and every operator's desk, on whichever
// node, sees the same queue.
//
// The shared database holds each conversation as one record (its
// snapshot: what keep.go keeps across a restart, events included) and
// the number of its events. A node records a new event by replacing the
// record on the condition that it still has the events the node knows
// (Shared.Put): of two nodes adding an event at once, one wins, the other
// reads the record again (the winner's event reaches its desks and pages)
// and tries again. Events are numbered once, so a page that reconnects
// elsewhere with "after n" is answered from the same numbering, and a
// message resent after a reconnection is recognised by its cid on any
// node.
//
// Then the node tells the others over the bus (Shared.Publish, news):
// the conversation's new events, which they append to their copy and pass
// to their desks and pages, or read again from the database when they
// missed one; typing notices, which are not recorded; and, every sweep,
// which conversations have a page connected here, so that no node ends a
// waiting customer as gone while another node serves them.
//
// A node keeps every open conversation in memory, as one node alone
// does, and takes them from the database when it starts; it does not end
// or keep them when it stops (the others carry on). Each sweep it reads
// the open ones again (resync), so news lost while NATS was away is
// caught up within a sweep.
//
// A change waits for the database under the hub's lock: simple, and a
// help desk's traffic is a few messages a second (measured by e2e
// TestClusterDesk: a page's message reaches a desk on another node in
// p50 6 ms here); a busier desk would want a lock per conversation.

// Shared is the record of conversations several nodes share (package
// signaling implements it over PostgreSQL and NATS).
type Shared interface {
	// Put records snapshot snap of conversation id, which has events
	// events, in place of the record that had was (-1: none: a new
	// conversation). ended is when it ended (zero: open). It fails with
	// ErrStale when the record no longer has was events or has ended.
	Put(ctx context.Context, id string, was, events int, snap []byte, ended time.Time) error
	// Get returns conversation id's snapshot, or ErrStale when there is
	// none.
	Get(ctx context.Context, id string) ([]byte, error)
	// Open returns the snapshots of every conversation not ended.
	Open(ctx context.Context) ([][]byte, error)
	// Forget deletes the conversations that ended before t.
	Forget(ctx context.Context, before time.Time) error
	// Publish sends news to every other node, whose hub takes it with
	// Hub.Receive.
	Publish(news []byte)
}

// ErrStale: the shared record moved on (another node added an event, or
// ended the conversation) or is not there.
var ErrStale = errors.New("helpdesk: the shared conversation changed")

// sharedTimeout bounds one call to the shared record; the hub's callers
// carry no context for it (sweeps, desk requests ending).
const sharedTimeout = 10 * time.Second

// news is what a node tells the others.
type news struct {
	Kind string `json:"kind"` // newsEvents, newsTyping or newsSeen
	// newsEvents: the conversation's record after them, events aside,
	// and the new events.
	Snap   *snapshot        `json:"snap,omitempty"`
	Events []chatwire.Event `json:"events,omitempty"`
	// newsTyping: who types in conversation ID; newsSeen: the
	// conversations whose pages are connected to the sender.
	ID   string   `json:"id,omitempty"`
	From string   `json:"from,omitempty"`
	IDs  []string `json:"ids,omitempty"`
}

const (
	newsEvents = "events"
	newsTyping = "typing"
	newsSeen   = "seen"
)

// snapshotLocked is c as recorded, events included.
func (c *conversation) snapshotLocked() snapshot {
	return snapshot{ID: c.id, KeyHash: c.keyHash[:], Name: c.name, Topic: c.topic, Lang: c.lang,
		Source: c.source, Started: c.started, Last: c.last, OperatorID: c.operatorID, Operator: c.operator,
		Session: c.session, Events: c.events, CIDs: c.cids, Ended: c.ended}
}

// shareLocked records c with e, stamped as its next event, in the shared
// record, and tells the other nodes. end says e ends c at now. When
// another node got there first, c is brought up to date from the record
// and the error is ErrStale: the caller checks again and retries.
func (h *Hub) shareLocked(c *conversation, e chatwire.Event, now time.Time, end bool) error {
	sh := h.cfg.Shared
	if sh == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	s := c.snapshotLocked()
	s.Events = append(s.Events[:len(s.Events):len(s.Events)], e)
	s.Last = now
	if e.Type == chatwire.EventMessage && e.From == chatwire.FromCustomer && e.CID != "" {
		s.CIDs = map[string]int64{e.CID: e.Seq}
		for k, v := range c.cids {
			s.CIDs[k] = v
		}
	}
	if end {
		s.Ended = now
	}
	b, _ := json.Marshal(s) // strings, times and events: cannot fail
	err := sh.Put(ctx, c.id, len(c.events), len(s.Events), b, s.Ended)
	if err != nil {
		h.refreshLocked(ctx, c)
		if errors.Is(err, ErrStale) {
			return ErrStale
		}
		return fmt.Errorf("record the chat for the other nodes: %w", err)
	}
	head := s
	head.Events, head.CIDs = nil, nil
	nb, _ := json.Marshal(news{Kind: newsEvents, Snap: &head, Events: []chatwire.Event{e}})
	sh.Publish(nb)
	return nil
}

// refreshLocked reads c again from the shared record and takes what it
// missed.
func (h *Hub) refreshLocked(ctx context.Context, c *conversation) {
	b, err := h.cfg.Shared.Get(ctx, c.id)
	if err != nil {
		h.cfg.Logger.Warn("chat: read the shared conversation", "conversation", c.id, "err", err)
		return
	}
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		h.cfg.Logger.Warn("chat: a shared conversation could not be read", "conversation", c.id, "err", err)
		return
	}
	h.mergeLocked(c, s, s.Events)
}

// stamp numbers e as c's next event at now.
func (c *conversation) stamp(e chatwire.Event, now time.Time) chatwire.Event {
	e.Seq = int64(len(c.events)) + 1
	e.At = now.UTC().Format(time.RFC3339)
	return e
}

// retry runs f again, up to twice, while it fails with ErrStale: another
// node changed the conversation first, and f, run again, checks what it
// may do against the conversation as it now is.
func retry(f func() error) error {
	var err error
	for range 3 {
		if err = f(); !errors.Is(err, ErrStale) {
			return err
		}
	}
	return errContended
}
