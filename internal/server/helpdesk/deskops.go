package helpdesk

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// handle carries out one desk request; the error goes back as chatwire.DeskError.
// With several nodes, a request that met another node's change is tried
// again against the conversation as it now is (retry).
func (h *Hub) handle(ctx context.Context, d *desk, req chatwire.DeskRequest, from netip.Addr) error {
	h.ensure(ctx, req.Conversation)
	return retry(func() error { return h.handleOnce(ctx, d, req, from) })
}

func (h *Hub) handleOnce(ctx context.Context, d *desk, req chatwire.DeskRequest, from netip.Addr) error {
	switch req.Type {
	case chatwire.RequestPick:
		return h.pick(d, req.Conversation)
	case chatwire.RequestSend:
		return h.operatorSay(ctx, d, req.Conversation, req.Text)
	case chatwire.RequestTyping:
		return h.operatorTyping(d, req.Conversation)
	case chatwire.RequestInvite:
		return h.invite(ctx, d, req.Conversation, req.Code, from)
	case chatwire.RequestClose:
		return h.closeConv(ctx, d, req.Conversation, req.Reason)
	}
	return errBadRequest
}

// pick assigns a waiting conversation to d's operator (or takes up one of
// theirs again) and sends d its history.
func (h *Hub) pick(d *desk, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.convs[id]
	switch {
	case c == nil:
		return errNotFound
	case c.closed():
		return errClosed
	case c.operatorID != "" && c.operatorID != d.operatorID:
		return errTaken
	}
	if c.operatorID != "" {
		h.sendLocked(d, chatwire.DeskHistory{Type: chatwire.TypeHistory, Conversation: c.id, Events: c.after(0)})
		return nil
	}
	now := h.cfg.Now()
	e := chatwire.Event{Type: chatwire.EventAssigned, Operator: &d.operator}
	c.operatorID, c.operator = d.operatorID, d.operator
	if err := h.shareLocked(c, c.stamp(e, now), now, false); err != nil {
		if !errors.Is(err, ErrStale) { // else c is as recorded
			c.operatorID, c.operator = "", chatwire.Operator{}
		}
		return err
	}
	h.sendLocked(d, chatwire.DeskHistory{Type: chatwire.TypeHistory, Conversation: c.id, Events: c.after(0)})
	e.Operator = &c.operator
	h.applyLocked(c, e, now)
	h.queueChangedLocked()
	h.cfg.Logger.Info("chat picked", "conversation", c.id, "operator", d.operatorID)
	return nil
}

// ownLocked returns d's operator's open conversation id.
func (h *Hub) ownLocked(d *desk, id string) (*conversation, error) {
	c := h.convs[id]
	switch {
	case c == nil:
		return nil, errNotFound
	case c.operatorID != d.operatorID:
		return nil, errTaken
	case c.closed():
		return nil, errClosed
	}
	return c, nil
}

func (h *Hub) operatorSay(ctx context.Context, d *desk, id, text string) error {
	if text = strings.TrimSpace(text); text == "" {
		return errBadRequest
	}
	if utf8.RuneCountInString(text) > h.cfg.MaxText {
		return errTooLong
	}
	defer h.flush(ctx)
	return h.withOwn(d, id, func(c *conversation) error {
		_, err := h.addLocked(c, chatwire.Event{Type: chatwire.EventMessage, From: chatwire.FromOperator, Name: d.operator.Name, Text: text})
		return err
	})
}

func (h *Hub) operatorTyping(d *desk, id string) error {
	return h.withOwn(d, id, func(c *conversation) error {
		c.typing++
		c.wakeLocked()
		h.publishTyping(c, chatwire.FromOperator)
		return nil
	})
}

// invite sends the customer a session code, once the code is known to be
// of a session this same operator opened.
func (h *Hub) invite(ctx context.Context, d *desk, id, code string, from netip.Addr) error {
	code = strings.Join(strings.Fields(code), "")
	if err := h.withOwn(d, id, func(*conversation) error { return nil }); err != nil {
		return err
	}
	info, err := h.lookup(code, from)
	if err != nil {
		return err
	}
	if info.OperatorID != d.operatorID {
		h.cfg.Logger.Warn("invite refused: another operator's session", "operator", d.operatorID, "conversation", id)
		return errNotYours
	}
	defer h.flush(ctx)
	return h.withOwn(d, id, func(c *conversation) error {
		was := c.session
		c.session = info.Session
		if _, err := h.addLocked(c, chatwire.Event{Type: chatwire.EventInvite, Code: code}); err != nil {
			if !errors.Is(err, ErrStale) {
				c.session = was
			}
			return err
		}
		h.queueChangedLocked()
		return nil
	})
}

func (h *Hub) closeConv(ctx context.Context, d *desk, id, reason string) error {
	if reason == "" {
		reason = "operator"
	}
	if utf8.RuneCountInString(reason) > 200 {
		return errTooLong
	}
	defer h.flush(ctx)
	return h.withOwn(d, id, func(c *conversation) error { return h.endLocked(c, reason) })
}

// withOwn runs f on conversation id, under the hub's lock, if desk d may
// act on it (see ownLocked).
func (h *Hub) withOwn(d *desk, id string, f func(*conversation) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, err := h.ownLocked(d, id)
	if err != nil {
		return err
	}
	return f(c)
}
