package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/store"
)

func testChatTranscripts(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	a := store.ChatTranscript{ID: "c1", Session: "s1", Operator: "alice", Customer: "Marie", Started: t0,
		Ended: t0.Add(time.Minute), Messages: 2, SHA256: []byte{1, 2, 3}, Body: []byte(`[{"type":"message"}]`)}
	b := store.ChatTranscript{ID: "c2", Started: t0, Ended: t0.Add(time.Hour), Body: []byte("[]"), SHA256: []byte{4}}
	must(t, s.PutChatTranscript(ctx, a))
	must(t, s.PutChatTranscript(ctx, b))
	wantErr(t, s.PutChatTranscript(ctx, a), store.ErrExists)
	s.Close()
	s = openT(t, open)
	got, err := s.ChatTranscript(ctx, "c1")
	must(t, err)
	if got.Session != "s1" || got.Operator != "alice" || got.Customer != "Marie" || got.Messages != 2 ||
		!got.Started.Equal(a.Started) || !got.Ended.Equal(a.Ended) || !bytes.Equal(got.SHA256, a.SHA256) || !bytes.Equal(got.Body, a.Body) {
		t.Errorf("read back %+v, want %+v", got, a)
	}
	_, err = s.ChatTranscript(ctx, "nope")
	wantErr(t, err, store.ErrNotFound)
	list, err := s.SessionChatTranscripts(ctx, "s1")
	must(t, err)
	if len(list) != 1 || list[0].ID != "c1" {
		t.Errorf("session s1's transcripts: %+v", list)
	}
	// Only what ended before the cut goes.
	n, err := s.PurgeChatTranscripts(ctx, t0.Add(30*time.Minute))
	must(t, err)
	if n != 1 {
		t.Errorf("purged %d, want 1", n)
	}
	_, err = s.ChatTranscript(ctx, "c1")
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.ChatTranscript(ctx, "c2"); err != nil {
		t.Errorf("a transcript newer than the cut was purged: %v", err)
	}
}
