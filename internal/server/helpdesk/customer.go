package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// maxReaders bounds a conversation's open sockets and its waiting polls
// each: a page has one of either, a few during a reconnection.
const maxReaders = 4

// Start opens a conversation for a visitor from addr.
func (h *Hub) Start(ctx context.Context, v chatwire.Visit, from netip.Addr) (chatwire.Visited, error) {
	v.Code = strings.Join(strings.Fields(v.Code), "")
	v.Name, v.Topic = strings.TrimSpace(v.Name), strings.TrimSpace(v.Topic)
	if v.Lang != "" && v.Lang != "en" && v.Lang != "fr" {
		v.Lang = ""
	}
	if utf8.RuneCountInString(v.Name) > 100 || utf8.RuneCountInString(v.Topic) > h.cfg.MaxText {
		return chatwire.Visited{}, errNoName
	}
	var info SessionInfo
	if v.Code != "" {
		var err error
		if info, err = h.lookup(v.Code, from); err != nil {
			return chatwire.Visited{}, err
		}
	} else if v.Name == "" {
		return chatwire.Visited{}, errNoName
	}
	key, hash := newKey()
	now := h.cfg.Now()
	c := &conversation{id: newID(16), keyHash: hash, name: v.Name, topic: v.Topic, lang: v.Lang,
		source: netprefix.Source(from).Addr(), started: now, lastSeen: now, last: now, cids: map[string]int64{},
		notify:  make(chan struct{}),
		limiter: rate.NewLimiter(rate.Every(h.cfg.MessageRate), h.cfg.MessageBurst),
		typer:   rate.NewLimiter(2, 4)}
	out := chatwire.Visited{ID: c.id, Key: key}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perSource[c.source] >= h.cfg.MaxPerSource {
		return chatwire.Visited{}, errTooMany
	}
	if len(h.convs) >= h.cfg.MaxOpen {
		return chatwire.Visited{}, errBusy
	}
	if err := h.createLocked(c, v.Code, info, now); err != nil {
		return chatwire.Visited{}, err
	}
	if v.Code != "" {
		op, code := c.operator, v.Code
		out.Operator, out.Code = &op, &code
	}
	h.queueChangedLocked()
	h.cfg.Logger.Info("chat started", "conversation", c.id, "bound", c.session != "", "from", from)
	return out, nil
}

// createLocked holds new conversation c (in the shared record too, with
// several nodes) and, for a visit with a code, binds it to the code's
// session.
func (h *Hub) createLocked(c *conversation, code string, info SessionInfo, now time.Time) error {
	if code != "" {
		c.operatorID, c.session = info.OperatorID, info.Session
		c.operator = chatwire.Operator{Name: info.Operator, Organisation: info.Organisation}
		c.appendLocked(chatwire.Event{Type: chatwire.EventAssigned, Operator: &c.operator}, now)
	}
	if sh := h.cfg.Shared; sh != nil {
		ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
		defer cancel()
		s := c.snapshotLocked()
		b, _ := json.Marshal(s)
		if err := sh.Put(ctx, c.id, -1, len(c.events), b, time.Time{}); err != nil {
			h.cfg.Logger.Error("chat: record a new conversation for the other nodes", "err", err)
			return errBusy
		}
		nb, _ := json.Marshal(news{Kind: newsEvents, Snap: &s})
		sh.Publish(nb)
	}
	h.addConvLocked(c)
	return nil
}

func (h *Hub) lookup(code string, from netip.Addr) (SessionInfo, error) {
	if h.cfg.Sessions == nil {
		return SessionInfo{}, errUnavailable
	}
	info, err := h.cfg.Sessions.Lookup(code, from)
	switch {
	case errors.Is(err, proto.ErrThrottled):
		return SessionInfo{}, errThrottled
	case err != nil:
		return SessionInfo{}, errInvalidCode
	}
	return info, nil
}

// customerConv finds an open or recently ended conversation by id and key
// and notes that its customer is still there.
func (h *Hub) customerConvLocked(id, key string) (*conversation, error) {
	c := h.convs[id]
	if c == nil || !c.keyOK(key) {
		return nil, errNotFound
	}
	c.lastSeen = h.cfg.Now()
	return c, nil
}

// Say adds the customer's message; a cid seen before returns the seq it
// got then and adds nothing.
func (h *Hub) Say(ctx context.Context, id, key, cid, text string) (int64, error) {
	if text = strings.TrimSpace(text); text == "" || len(cid) > 64 {
		return 0, errBadRequest
	}
	if utf8.RuneCountInString(text) > h.cfg.MaxText {
		return 0, errTooLong
	}
	defer h.flush(ctx)
	h.ensure(ctx, id)
	var seq int64
	err := retry(func() (err error) {
		seq, err = h.say(id, key, cid, text)
		return err
	})
	return seq, err
}

func (h *Hub) say(id, key, cid, text string) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.customerConvLocked(id, key)
	if err != nil {
		return 0, err
	}
	if seq, ok := c.cids[cid]; ok && cid != "" {
		return seq, nil
	}
	if c.closed() {
		return 0, errClosed
	}
	if !c.limiter.Allow() {
		return 0, errThrottled
	}
	e, err := h.addLocked(c, chatwire.Event{Type: chatwire.EventMessage, From: chatwire.FromCustomer, Name: c.name, Text: text, CID: cid})
	if err != nil {
		return 0, err
	}
	if cid != "" {
		c.cids[cid] = e.Seq
	}
	return e.Seq, nil
}

// CustomerTyping tells the conversation's operator that the customer is
// typing.
func (h *Hub) CustomerTyping(id, key string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.customerConvLocked(id, key)
	if err != nil {
		return err
	}
	if c.operatorID != "" && !c.closed() && c.typer.Allow() {
		h.toOperatorLocked(c.operatorID, chatwire.DeskTyping{Type: chatwire.TypeTyping, Conversation: c.id})
		h.publishTyping(c, chatwire.FromCustomer)
	}
	return nil
}

// Wait returns the events after seq, waiting until ctx ends for one
// when there is none yet. An operator's typing notice while waiting
// returns a typing event alone.
func (h *Hub) Wait(ctx context.Context, id, key string, after int64) ([]chatwire.Event, error) {
	h.ensure(ctx, id)
	h.mu.Lock()
	c, err := h.customerConvLocked(id, key)
	if err != nil {
		h.mu.Unlock()
		return nil, err
	}
	evs, notify, typing := c.after(after), c.notify, c.typing
	if len(evs) > 0 {
		h.mu.Unlock()
		return evs, nil
	}
	if c.polls >= maxReaders {
		h.mu.Unlock()
		return nil, errThrottled
	}
	c.polls++
	h.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-notify:
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c.polls--
	if ctx.Err() != nil {
		return nil, nil
	}
	c.lastSeen = h.cfg.Now()
	if evs = c.after(after); len(evs) == 0 && c.typing != typing {
		evs = []chatwire.Event{{Type: chatwire.EventTyping, From: chatwire.FromOperator}}
	}
	return evs, nil
}

// addLocked appends e to c and sends it to c's operator's desks. An event
// that reaches the conversation's size limit is followed by its end. With
// several nodes, e is recorded first; ErrStale says another node changed
// c first (c is now up to date: check again and retry).
func (h *Hub) addLocked(c *conversation, e chatwire.Event) (chatwire.Event, error) {
	now := h.cfg.Now()
	if err := h.shareLocked(c, c.stamp(e, now), now, false); err != nil {
		return e, err
	}
	return h.applyLocked(c, e, now), nil
}

// applyLocked is addLocked's part on this node, once e is recorded.
func (h *Hub) applyLocked(c *conversation, e chatwire.Event, now time.Time) chatwire.Event {
	e = c.appendLocked(e, now)
	if c.operatorID != "" {
		h.toOperatorLocked(c.operatorID, chatwire.DeskEvent{Type: chatwire.TypeEvent, Conversation: c.id, Event: e})
	}
	if len(c.events) >= h.cfg.MaxEvents-1 && !c.closed() {
		h.endLocked(c, "too-long")
	}
	return e
}
