package helpdesk

import (
	"context"
	"net/netip"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// TestKeptAcrossRestart: conversations open when the server stops come
// back at the next start — waiting or bound to an operator, every message
// in its place, the page's key still the only way in, a message resent
// after the restart not doubled — and nothing is recorded as ended; a hub
// with nowhere to keep them ends them as before.
func TestKeptAcrossRestart(t *testing.T) {
	td := start(t, func(c *Config) { c.Keep = c.Transcripts.(*store.SQLite) })
	ctx := context.Background()
	from := netip.MustParseAddr("198.51.100.7")
	waiting, err := td.hub.Start(ctx, chatwire.Visit{Name: "Eve", Topic: "the printer"}, from)
	if err != nil {
		t.Fatal(err)
	}
	bound, err := td.hub.Start(ctx, chatwire.Visit{Code: "111111111"}, from)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := td.hub.Say(ctx, waiting.ID, waiting.Key, "c1", "hello?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := td.hub.Say(ctx, bound.ID, bound.Key, "c2", "bonjour"); err != nil {
		t.Fatal(err)
	}
	td.hub.Close(ctx)
	if ts, _ := td.st.ListChatTranscripts(ctx, store.ChatTranscriptFilter{Limit: 10}); len(ts) != 0 {
		t.Errorf("kept conversations were recorded as ended: %d transcripts", len(ts))
	}

	next, err := New(Config{Sessions: td.sessions, Auth: fakeAuth{}, Transcripts: td.st, Retention: td.hub.cfg.Retention,
		Audit: td.audit, Keep: td.st, Now: td.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := next.Wait(ctx, waiting.ID, waiting.Key, 0)
	if err != nil || len(evs) != 1 || evs[0].Text != "hello?" || evs[0].Seq != seq {
		t.Fatalf("the waiting conversation after the restart: %+v %v", evs, err)
	}
	evs, err = next.Wait(ctx, bound.ID, bound.Key, 0)
	if err != nil || len(evs) != 2 || evs[0].Type != chatwire.EventAssigned || evs[0].Operator.Name != "Alice Martin" || evs[1].Text != "bonjour" {
		t.Fatalf("the bound conversation after the restart: %+v %v", evs, err)
	}
	if again, err := next.Say(ctx, waiting.ID, waiting.Key, "c1", "hello?"); err != nil || again != seq {
		t.Errorf("a message resent after the restart: seq %d %v, want the first one's %d", again, err, seq)
	}
	if _, err := next.Wait(ctx, waiting.ID, "another key", 0); err == nil {
		t.Error("a wrong key reads a kept conversation")
	}
	if q := next.queueLocked("bob"); len(q.Conversations) != 1 || q.Conversations[0].ID != waiting.ID {
		t.Errorf("the queue after the restart: %+v, want the waiting customer", q.Conversations)
	}

	// Stopped again with nowhere to keep them: they end, and are recorded.
	next.cfg.Keep = nil
	next.Close(ctx)
	if ts, _ := td.st.ListChatTranscripts(ctx, store.ChatTranscriptFilter{Limit: 10}); len(ts) != 2 {
		t.Errorf("%d transcripts after a stop with nowhere to keep, want 2", len(ts))
	}
	if kept, _ := td.st.TakeOpenConversations(ctx); len(kept) != 0 {
		t.Errorf("%d snapshots left after they were taken back", len(kept))
	}
}
