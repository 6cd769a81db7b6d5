package helpdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// Keeper holds the open conversations across a restart of the server
// (*store.SQLite): Close saves them instead of ending them, and New takes
// them back, so that a page that reconnects after an upgrade finds its
// conversation, its operator and every message. Each snapshot is one
// conversation's state, chat included; it lives only until the next
// start takes it.
type Keeper interface {
	// SaveOpenConversations replaces the kept snapshots with these.
	SaveOpenConversations(ctx context.Context, snapshots [][]byte) error
	// TakeOpenConversations returns the kept snapshots and forgets them.
	TakeOpenConversations(ctx context.Context) ([][]byte, error)
}

// snapshot is a conversation as kept across a restart. Sockets, polls,
// rate limiters and typing notices are not: the page reconnects and the
// limiters start afresh.
type snapshot struct {
	ID         string            `json:"id"`
	KeyHash    []byte            `json:"key_hash"`
	Name       string            `json:"name,omitempty"`
	Topic      string            `json:"topic,omitempty"`
	Lang       string            `json:"lang,omitempty"`
	Source     netip.Addr        `json:"source"`
	Started    time.Time         `json:"started"`
	Last       time.Time         `json:"last"`
	OperatorID string            `json:"operator_id,omitempty"`
	Operator   chatwire.Operator `json:"operator"`
	Session    string            `json:"session,omitempty"`
	Events     []chatwire.Event  `json:"events"`
	CIDs       map[string]int64  `json:"cids,omitempty"`
	// Ended is when it ended: only the shared record (shared.go) holds
	// ended conversations, for the pages still reading their end.
	Ended time.Time `json:"ended,omitzero"`
}

// keepLocked saves the open conversations and returns those it could not
// save (nil when it saved all), which Close then ends as before.
func (h *Hub) keepLocked(ctx context.Context) []*conversation {
	var open []*conversation
	var snaps [][]byte
	for _, c := range h.convs {
		if c.closed() {
			continue
		}
		open = append(open, c)
		if h.cfg.Keep == nil {
			continue
		}
		b, _ := json.Marshal(c.snapshotLocked())
		snaps = append(snaps, b)
	}
	if h.cfg.Keep == nil || len(open) == 0 {
		return open
	}
	if err := h.cfg.Keep.SaveOpenConversations(ctx, snaps); err != nil {
		h.cfg.Logger.Error("open chats not kept across the restart: they end", "err", err)
		return open
	}
	h.cfg.Logger.Info("open chats kept for the next start", "conversations", len(open))
	return nil
}

// restore takes back the conversations the last Close kept. Their
// customers count as just seen, so that a page has the usual time to
// reconnect before a waiting one leaves the queue.
func (h *Hub) restore(ctx context.Context) error {
	if h.cfg.Keep == nil {
		return nil
	}
	snaps, err := h.cfg.Keep.TakeOpenConversations(ctx)
	if err != nil {
		return fmt.Errorf("open chats kept by the last run: %w", err)
	}
	now := h.cfg.Now()
	for _, b := range snaps {
		var s snapshot
		if err := json.Unmarshal(b, &s); err != nil || s.ID == "" || len(s.KeyHash) != 32 {
			h.cfg.Logger.Warn("a kept chat could not be read: dropped", "err", err)
			continue
		}
		s.Ended = time.Time{} // kept only while open
		h.addConvLocked(h.fromSnapshot(s, now))
	}
	if len(snaps) > 0 {
		h.cfg.Logger.Info("open chats taken back from the last run", "conversations", len(h.convs))
	}
	return nil
}
