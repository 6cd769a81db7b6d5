package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
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

func testChatTranscriptList(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	if got, err := s.ListChatTranscripts(ctx, store.ChatTranscriptFilter{Limit: 10}); err != nil || len(got) != 0 {
		t.Fatalf("empty list: %v %v", got, err)
	}
	if _, err := s.ListChatTranscripts(ctx, store.ChatTranscriptFilter{}); err == nil {
		t.Error("a list without a limit was accepted")
	}
	// c1..c4 end a minute apart; c2 and c4 are bound to s1.
	for i, session := range []string{"", "s1", "", "s1"} {
		id := fmt.Sprintf("c%d", i+1)
		must(t, s.PutChatTranscript(ctx, store.ChatTranscript{ID: id, Session: session, Operator: "alice", Customer: "Marie",
			Started: t0, Ended: t0.Add(time.Duration(i+1) * time.Minute), Messages: i, SHA256: []byte{byte(i)}, Body: []byte(`[{"type":"message"}]`)}))
	}
	for _, c := range []struct {
		name string
		f    store.ChatTranscriptFilter
		want []string
	}{
		{"all, latest first", store.ChatTranscriptFilter{Limit: 10}, []string{"c4", "c3", "c2", "c1"}},
		{"limit", store.ChatTranscriptFilter{Limit: 2}, []string{"c4", "c3"}},
		{"since, inclusive", store.ChatTranscriptFilter{Since: t0.Add(2 * time.Minute), Limit: 10}, []string{"c4", "c3", "c2"}},
		{"session", store.ChatTranscriptFilter{Session: "s1", Limit: 10}, []string{"c4", "c2"}},
		{"session and since", store.ChatTranscriptFilter{Session: "s1", Since: t0.Add(3 * time.Minute), Limit: 10}, []string{"c4"}},
		{"unknown session", store.ChatTranscriptFilter{Session: "s9", Limit: 10}, nil},
	} {
		got, err := s.ListChatTranscripts(ctx, c.f)
		must(t, err)
		var ids []string
		for _, tr := range got {
			ids = append(ids, tr.ID)
			if len(tr.Body) != 0 {
				t.Errorf("%s: %s listed with its body", c.name, tr.ID)
			}
		}
		if !slices.Equal(ids, c.want) {
			t.Errorf("%s: listed %v, want %v", c.name, ids, c.want)
		}
	}
	got, err := s.ListChatTranscripts(ctx, store.ChatTranscriptFilter{Session: "s1", Limit: 1})
	must(t, err)
	if tr := got[0]; tr.Operator != "alice" || tr.Customer != "Marie" || tr.Messages != 3 || !tr.Started.Equal(t0) ||
		!tr.Ended.Equal(t0.Add(4*time.Minute)) || !bytes.Equal(tr.SHA256, []byte{3}) {
		t.Errorf("listed %+v", tr)
	}
}

// testOpenConversations: kept snapshots come back once, in order, across a
// reopen; a second save replaces the first.
func testOpenConversations(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	s := openT(t, open)
	if got, err := s.TakeOpenConversations(ctx); err != nil || len(got) != 0 {
		t.Fatalf("nothing kept: %q %v", got, err)
	}
	must(t, s.SaveOpenConversations(ctx, [][]byte{[]byte("old")}))
	must(t, s.SaveOpenConversations(ctx, [][]byte{[]byte(`{"id":"a"}`), []byte(`{"id":"b"}`)}))
	s.Close()
	s = openT(t, open)
	got, err := s.TakeOpenConversations(ctx)
	must(t, err)
	if len(got) != 2 || string(got[0]) != `{"id":"a"}` || string(got[1]) != `{"id":"b"}` {
		t.Fatalf("taken back %q, want the second save's two, in order", got)
	}
	if again, _ := s.TakeOpenConversations(ctx); len(again) != 0 {
		t.Errorf("taken twice: %q", again)
	}
}
