package helpdesk

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// ended is a conversation's end, recorded after Hub.mu is released.
type ended struct {
	t     store.ChatTranscript
	actor string
}

// endLocked closes c with reason: the page and the desk get a closed
// event, the queue loses it, and its transcript waits for flush. With
// several nodes the node that records the end records the transcript.
func (h *Hub) endLocked(c *conversation, reason string) error {
	if c.closed() {
		return nil
	}
	now := h.cfg.Now()
	e := chatwire.Event{Type: chatwire.EventClosed, Reason: reason}
	if err := h.shareLocked(c, c.stamp(e, now), now, true); err != nil {
		return err
	}
	e = c.appendLocked(e, now)
	if c.operatorID != "" {
		h.toOperatorLocked(c.operatorID, chatwire.DeskEvent{Type: chatwire.TypeEvent, Conversation: c.id, Event: e})
	}
	c.ended = now
	h.dropSourceLocked(c)
	h.queueChangedLocked()
	body, _ := json.Marshal(c.events)
	h.finished = append(h.finished, ended{actor: c.operatorID, t: store.ChatTranscript{
		ID: c.id, Session: c.session, Operator: c.operatorID, Customer: c.name,
		Started: c.started, Ended: now, Messages: c.messages(), SHA256: store.TranscriptSHA256(body), Body: body}})
	h.cfg.Logger.Info("chat ended", "conversation", c.id, "reason", reason)
	return nil
}

// flush stores and audits the conversations that ended. It finishes even
// when the connection that ended them is gone (ctx cancelled).
func (h *Hub) flush(ctx context.Context) {
	h.mu.Lock()
	done := h.finished
	h.finished = nil
	h.mu.Unlock()
	if len(done) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, e := range done {
		h.record(ctx, e)
	}
}

func (h *Hub) record(ctx context.Context, e ended) {
	t := e.t
	if h.cfg.Transcripts != nil && h.cfg.Retention > 0 {
		if err := h.cfg.Transcripts.PutChatTranscript(ctx, t); err != nil {
			h.cfg.Logger.Error("chat transcript not stored", "conversation", t.ID, "err", err)
		}
	}
	if h.cfg.Audit == nil {
		return
	}
	subject := t.Session
	if subject == "" {
		subject = t.ID
	}
	h.cfg.Audit.Note(ctx, audit.Entry{Kind: "chat.transcript", Actor: e.actor, Subject: subject, Detail: map[string]string{
		"conversation": t.ID, "messages": strconv.Itoa(t.Messages), "sha256": hex.EncodeToString(t.SHA256),
		"kept": h.cfg.Retention.String(),
	}})
}

// Sweep ends conversations whose waiting customer left or that went idle,
// and forgets ended ones once the page has had time to read their end.
// With several nodes it first takes what this node missed (resync), and
// tells the others which pages are connected here.
func (h *Hub) Sweep(ctx context.Context) {
	defer h.flush(ctx)
	h.resync(ctx)
	now := h.cfg.Now()
	h.throttle.Sweep(now)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.publishSeenLocked()
	for id, c := range h.convs {
		present := len(c.sockets) > 0 || now.Sub(c.lastSeen) < h.cfg.AbandonAfter
		switch {
		case c.closed() && now.Sub(c.ended) >= h.cfg.ForgetAfter:
			delete(h.convs, id)
		case c.closed():
		case c.operatorID == "" && !present:
			h.endLocked(c, "left") // failing, with several nodes: another node's change came first; next sweep
		case now.Sub(c.last) >= h.cfg.IdleAfter && !present:
			h.endLocked(c, "idle")
		}
	}
}

// PurgeTranscripts deletes the transcripts older than the retention
// period (all ended ones when it is zero).
func (h *Hub) PurgeTranscripts(ctx context.Context) {
	if h.cfg.Transcripts == nil {
		return
	}
	n, err := h.cfg.Transcripts.PurgeChatTranscripts(ctx, h.cfg.Now().Add(-h.cfg.Retention))
	if err != nil {
		h.cfg.Logger.Error("chat transcripts not purged", "err", err)
		return
	}
	if n > 0 {
		h.cfg.Logger.Info("chat transcripts purged", "count", n, "retention", h.cfg.Retention)
	}
}

// forgetShared deletes from the shared record the conversations that
// ended before ForgetAfter: no page reads them any more.
func (h *Hub) forgetShared(ctx context.Context) {
	if h.cfg.Shared == nil {
		return
	}
	if err := h.cfg.Shared.Forget(ctx, h.cfg.Now().Add(-h.cfg.ForgetAfter)); err != nil {
		h.cfg.Logger.Warn("chat: forget ended conversations in the shared database", "err", err)
	}
}

// Close keeps the open conversations for the next start (Config.Keep),
// or ends them (reason "server-stopping") and records them when they
// cannot be kept: call it when the server stops.
// With several nodes it ends nothing: the shared record keeps the
// conversations, which the other nodes carry on.
func (h *Hub) Close(ctx context.Context) {
	h.mu.Lock()
	if h.cfg.Shared == nil {
		for _, c := range h.keepLocked(ctx) {
			h.endLocked(c, "server-stopping")
		}
	}
	for d := range h.desks {
		if !d.dropped {
			d.dropped = true
			close(d.gone)
		}
	}
	h.mu.Unlock()
	h.flush(ctx)
}
