package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// Receive takes news another node published (Shared.Publish). Call it
// for each, in the order one node published them.
func (h *Hub) Receive(b []byte) {
	var n news
	if err := json.Unmarshal(b, &n); err != nil {
		h.cfg.Logger.Warn("chat: unreadable news from another node", "err", err)
		return
	}
	switch n.Kind {
	case newsEvents:
		if n.Snap != nil {
			h.receiveEvents(*n.Snap, n.Events)
		}
	case newsTyping:
		h.receiveTyping(n.ID, n.From)
	case newsSeen:
		h.receiveSeen(n.IDs)
	}
}

// receiveEvents appends another node's new events to the conversation,
// or reads it from the shared record when it is new here or events were
// missed (news from two nodes may cross).
func (h *Hub) receiveEvents(head snapshot, evs []chatwire.Event) {
	h.mu.Lock()
	c := h.convs[head.ID]
	if c != nil && (len(evs) == 0 || evs[0].Seq <= int64(len(c.events))+1) {
		h.mergeLocked(c, head, evs)
		h.mu.Unlock()
		return
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	h.load(ctx, head.ID)
}

// load reads conversation id from the shared record and takes it in: as
// a new conversation, or what this node's copy missed.
func (h *Hub) load(ctx context.Context, id string) {
	b, err := h.cfg.Shared.Get(ctx, id)
	if errors.Is(err, ErrStale) {
		h.forgetLocal(id) // ended and forgotten while this node was not told
		return
	}
	if err != nil {
		h.cfg.Logger.Warn("chat: read the shared conversation", "conversation", id, "err", err)
		return
	}
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil || s.ID != id || len(s.KeyHash) != 32 {
		h.cfg.Logger.Warn("chat: a shared conversation could not be read", "conversation", id, "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.convs[id]; c != nil {
		h.mergeLocked(c, s, s.Events)
		return
	}
	h.addConvLocked(h.fromSnapshot(s, h.cfg.Now()))
	h.queueChangedLocked()
}

// forgetLocal ends this node's copy of a conversation the record no
// longer has, so that it leaves the queue.
func (h *Hub) forgetLocal(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.convs[id]; c != nil && !c.closed() {
		c.ended = h.cfg.Now()
		c.wakeLocked()
		h.dropSourceLocked(c)
		h.queueChangedLocked()
	}
}

// ensure takes conversation id from the shared record when this node
// does not know it yet: its page came from another node.
func (h *Hub) ensure(ctx context.Context, id string) {
	if h.cfg.Shared == nil || id == "" {
		return
	}
	h.mu.Lock()
	known := h.convs[id] != nil
	h.mu.Unlock()
	if !known {
		h.load(ctx, id)
	}
}

// mergeLocked takes head's state and the events of evs that follow c's,
// passing them on to this node's desks and pages as if they were added
// here; a closed event ends c here too (its transcript is the ending
// node's to record). head is c's state after the last of evs: news that
// arrives after c moved on (another node's, or the record read since)
// says nothing new.
func (h *Hub) mergeLocked(c *conversation, head snapshot, evs []chatwire.Event) {
	if len(evs) == 0 || evs[len(evs)-1].Seq < int64(len(c.events)) {
		return
	}
	now := h.cfg.Now()
	changed := c.operatorID != head.OperatorID || c.session != head.Session
	c.operatorID, c.operator, c.session = head.OperatorID, head.Operator, head.Session
	for _, e := range evs {
		if e.Seq != int64(len(c.events))+1 {
			continue // had it already
		}
		c.events = append(c.events, e)
		c.last = now
		c.wakeLocked()
		if e.Type == chatwire.EventMessage && e.From == chatwire.FromCustomer {
			c.lastSeen = now
			if e.CID != "" {
				c.cids[e.CID] = e.Seq
			}
		}
		if c.operatorID != "" {
			h.toOperatorLocked(c.operatorID, chatwire.DeskEvent{Type: chatwire.TypeEvent, Conversation: c.id, Event: e})
		}
		if e.Type == chatwire.EventClosed && !c.closed() {
			c.ended = now
			h.dropSourceLocked(c)
			changed = true
		}
	}
	if changed { // as on one node: the queue is sent again when a conversation is picked, bound or ended
		h.queueChangedLocked()
	}
}

func (h *Hub) receiveTyping(id, from string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.convs[id]
	if c == nil || c.closed() {
		return
	}
	switch {
	case from == chatwire.FromOperator:
		c.typing++
		c.wakeLocked()
	case from == chatwire.FromCustomer && c.operatorID != "":
		h.toOperatorLocked(c.operatorID, chatwire.DeskTyping{Type: chatwire.TypeTyping, Conversation: c.id})
	}
}

// receiveSeen notes that these conversations' pages are connected to
// another node.
func (h *Hub) receiveSeen(ids []string) {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if c := h.convs[id]; c != nil {
			c.lastSeen = now
		}
	}
}

// publishTypingLocked tells the other nodes that from types in c.
func (h *Hub) publishTyping(c *conversation, from string) {
	if h.cfg.Shared == nil {
		return
	}
	b, _ := json.Marshal(news{Kind: newsTyping, ID: c.id, From: from})
	h.cfg.Shared.Publish(b)
}

// publishSeenLocked tells the other nodes which pages are connected here.
func (h *Hub) publishSeenLocked() {
	if h.cfg.Shared == nil {
		return
	}
	var ids []string
	for id, c := range h.convs {
		if !c.closed() && (len(c.sockets) > 0 || c.polls > 0) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		b, _ := json.Marshal(news{Kind: newsSeen, IDs: ids})
		h.cfg.Shared.Publish(b)
	}
}

// resync reads every open conversation from the shared record and takes
// what this node missed: news lost while NATS was away, a conversation
// started meanwhile, or one ended (read again when the record no longer
// lists it as open). Sweep calls it, so a node's copy is never more than
// a sweep behind.
func (h *Hub) resync(ctx context.Context) {
	if h.cfg.Shared == nil {
		return
	}
	snaps, err := h.cfg.Shared.Open(ctx)
	if err != nil {
		h.cfg.Logger.Warn("chat: read the shared conversations", "err", err)
		return
	}
	open := map[string]bool{}
	h.mu.Lock()
	for _, b := range snaps {
		var s snapshot
		if json.Unmarshal(b, &s) != nil || len(s.KeyHash) != 32 {
			continue
		}
		open[s.ID] = true
		if c := h.convs[s.ID]; c != nil {
			h.mergeLocked(c, s, s.Events)
			continue
		}
		h.addConvLocked(h.fromSnapshot(s, h.cfg.Now()))
		h.queueChangedLocked()
	}
	var gone []string
	for id, c := range h.convs {
		if !c.closed() && !open[id] {
			gone = append(gone, id)
		}
	}
	h.mu.Unlock()
	for _, id := range gone {
		h.load(ctx, id) // its end, or nothing if it was forgotten
	}
}

// openShared takes every open conversation from the shared record, as a
// node starts. Their customers count as just seen, as after a restart.
func (h *Hub) openShared(ctx context.Context) error {
	snaps, err := h.cfg.Shared.Open(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	for _, b := range snaps {
		var s snapshot
		if err := json.Unmarshal(b, &s); err != nil || s.ID == "" || len(s.KeyHash) != 32 {
			h.cfg.Logger.Warn("chat: a shared conversation could not be read: skipped", "err", err)
			continue
		}
		h.addConvLocked(h.fromSnapshot(s, now))
	}
	if len(snaps) > 0 {
		h.cfg.Logger.Info("open chats taken from the shared database", "conversations", len(h.convs))
	}
	return nil
}

// fromSnapshot makes a conversation of s, its customer seen at now.
func (h *Hub) fromSnapshot(s snapshot, now time.Time) *conversation {
	c := &conversation{id: s.ID, name: s.Name, topic: s.Topic, lang: s.Lang, source: s.Source, started: s.Started,
		lastSeen: now, last: s.Last, operatorID: s.OperatorID, operator: s.Operator, session: s.Session,
		events: s.Events, cids: s.CIDs, ended: s.Ended, notify: make(chan struct{}),
		limiter: rate.NewLimiter(rate.Every(h.cfg.MessageRate), h.cfg.MessageBurst),
		typer:   rate.NewLimiter(2, 4)}
	copy(c.keyHash[:], s.KeyHash)
	if c.cids == nil {
		c.cids = map[string]int64{}
	}
	return c
}

// addConvLocked holds c, counted against its source while open.
func (h *Hub) addConvLocked(c *conversation) {
	h.convs[c.id] = c
	if !c.closed() {
		h.perSource[c.source]++
	}
}

// dropSourceLocked stops counting ended c against its source.
func (h *Hub) dropSourceLocked(c *conversation) {
	if h.perSource[c.source]--; h.perSource[c.source] <= 0 {
		delete(h.perSource, c.source)
	}
}
