package helpdesk

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// A queued customer and an operator chat both ways over WebSockets, with
// typing notices each way.
func TestQueueChatBothWays(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie", Topic: "my printer", Lang: "fr"})
	if v.Operator != nil || v.Code != nil || v.ID == "" || v.Key == "" {
		t.Fatalf("queue visit answered %+v", v)
	}
	op := td.operator(t, "alice-token")
	q := next(t, op, queueWith(1))
	if s := q.Conversations[0]; s.ID != v.ID || s.State != "waiting" || s.Name != "Marie" || s.Topic != "my printer" || s.Lang != "fr" {
		t.Fatalf("queue lists %+v", s)
	}
	send(t, op, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	if h := next(t, op, ofType("history")); h.Conversation != v.ID {
		t.Fatalf("history of %q", h.Conversation)
	}
	page := td.customer(t, v, 0)
	a := next(t, page, ofType(chatwire.EventAssigned))
	if a.Seq != 1 || a.Operator == nil || a.Operator.Name != "Alice Martin" || a.Operator.Organisation != "Acme" {
		t.Fatalf("assigned event %+v", a.Event)
	}
	send(t, page, map[string]string{"type": "send", "cid": "c1", "text": "Bonjour, mon imprimante"})
	m := next(t, op, deskEventOf(chatwire.EventMessage))
	if e := m.Inner; e.From != chatwire.FromCustomer || e.Name != "Marie" || e.Text != "Bonjour, mon imprimante" || e.CID != "c1" || e.Seq != 2 {
		t.Fatalf("operator got %+v", e)
	}
	if echo := next(t, page, ofType(chatwire.EventMessage)); echo.CID != "c1" || echo.Seq != 2 {
		t.Fatalf("page's echo %+v", echo.Event)
	}
	send(t, op, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: "Bonjour Marie"})
	r := next(t, page, ofType(chatwire.EventMessage))
	if r.From != chatwire.FromOperator || r.Name != "Alice Martin" || r.Text != "Bonjour Marie" || r.Seq != 3 {
		t.Fatalf("page got %+v", r.Event)
	}
	if _, err := time.Parse(time.RFC3339, r.At); err != nil {
		t.Errorf("at %q: %v", r.At, err)
	}
	send(t, op, chatwire.DeskRequest{Type: "typing", Conversation: v.ID})
	if ty := next(t, page, ofType(chatwire.EventTyping)); ty.From != chatwire.FromOperator || ty.Seq != 0 {
		t.Errorf("typing %+v", ty.Event)
	}
	send(t, page, map[string]string{"type": "typing"})
	if ty := next(t, op, ofType("typing")); ty.Conversation != v.ID {
		t.Errorf("desk typing for %q", ty.Conversation)
	}
}

// A page that reconnects with the last seq it saw gets exactly what it
// missed, once, in order; resending an unechoed message adds nothing.
func TestReplayAfterReconnect(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	op := td.operator(t, "alice-token")
	send(t, op, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	page := td.customer(t, v, 0)
	send(t, page, map[string]string{"type": "send", "cid": "c1", "text": "one"})
	last := next(t, page, func(f frame) bool { return f.Type == chatwire.EventMessage && f.CID == "c1" })
	page.CloseNow()
	for _, s := range []string{"two", "three", "four"} {
		send(t, op, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: s})
		next(t, op, func(f frame) bool { return f.Type == "event" && f.Inner.Text == s })
	}
	page = td.customer(t, v, last.Seq)
	// The page resends c1, not knowing whether it got through, and a new one.
	send(t, page, map[string]string{"type": "send", "cid": "c1", "text": "one"})
	send(t, page, map[string]string{"type": "send", "cid": "c2", "text": "five"})
	var got []string
	seq := last.Seq
	for len(got) < 4 {
		f := next(t, page, ofType(chatwire.EventMessage))
		if f.Seq != seq+1 {
			t.Fatalf("seq %d after %d (%q)", f.Seq, seq, f.Text)
		}
		seq = f.Seq
		got = append(got, f.Text)
	}
	if want := []string{"two", "three", "four", "five"}; !equal(got, want) {
		t.Fatalf("after reconnect: %q, want %q", got, want)
	}
	// The long-poll path agrees: nothing after the last seq, all of it from 0.
	var all struct{ Events []chatwire.Event }
	td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": v.Key, "after": 0}, &all)
	var texts []string
	for _, e := range all.Events {
		if e.Type == chatwire.EventMessage {
			texts = append(texts, e.Text)
		}
	}
	if want := []string{"one", "two", "three", "four", "five"}; !equal(texts, want) {
		t.Fatalf("whole conversation: %q, want %q", texts, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The long-poll fallback: send, a repeated cid, typing, and a poll that
// waits for the operator's answer.
func TestLongPoll(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	op := td.operator(t, "alice-token")
	send(t, op, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	next(t, op, ofType("history"))
	var s1, s2 struct{ Seq int64 }
	body := map[string]any{"id": v.ID, "key": v.Key, "cid": "p1", "text": "hello"}
	if code := td.post(t, "/v1/desk/send", body, &s1); code != http.StatusOK || s1.Seq != 2 {
		t.Fatalf("send: %d seq %d", code, s1.Seq)
	}
	if td.post(t, "/v1/desk/send", body, &s2); s2.Seq != s1.Seq {
		t.Fatalf("a repeated cid got seq %d, the first %d", s2.Seq, s1.Seq)
	}
	if code := td.post(t, "/v1/desk/typing", map[string]any{"id": v.ID, "key": v.Key}, nil); code != http.StatusNoContent {
		t.Errorf("typing: %d", code)
	}
	next(t, op, ofType("typing"))
	done := make(chan []chatwire.Event)
	go func() {
		var out struct{ Events []chatwire.Event }
		td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": v.Key, "after": s1.Seq}, &out)
		done <- out.Events
	}()
	// The poll is waiting (nothing after s1 yet); the answer releases it.
	send(t, op, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: "hi Marie"})
	evs := <-done
	if len(evs) == 0 || evs[0].Type == chatwire.EventTyping {
		// A typing notice or nothing can come first; poll again.
		var out struct{ Events []chatwire.Event }
		td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": v.Key, "after": s1.Seq}, &out)
		evs = out.Events
	}
	if len(evs) != 1 || evs[0].Text != "hi Marie" || evs[0].Seq != s1.Seq+1 {
		t.Fatalf("poll got %+v", evs)
	}
	var wrong struct{ Error string }
	if code := td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": "nope"}, &wrong); code != http.StatusNotFound || wrong.Error != "not-found" {
		t.Errorf("a wrong key: %d %q", code, wrong.Error)
	}
}

// An idle poll returns an empty list when its wait ends.
func TestPollTimesOutEmpty(t *testing.T) {
	td := start(t, func(c *Config) { c.PollWait = time.Millisecond })
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	var out struct{ Events []chatwire.Event }
	if code := td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": v.Key, "after": 0}, &out); code != http.StatusOK || out.Events == nil || len(out.Events) != 0 {
		t.Fatalf("idle poll: %d %+v", code, out.Events)
	}
}

func TestPageSocketRefusesAnotherOrigin(t *testing.T) {
	td := start(t, nil)
	if _, err := td.dial(t, "/v1/desk/chat", http.Header{"Origin": {"https://evil.example"}}); err == nil {
		t.Fatal("a page from another origin opened the chat socket")
	}
	c, err := td.dial(t, "/v1/desk/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "hello", "id": "nope", "key": "nope"})
	if f := next(t, c, ofType("error")); f.Error != "not-found" {
		t.Errorf("unknown conversation: %q", f.Error)
	}
}

// A page's newest socket wins: beyond four, the oldest is closed, and the
// newest still gets everything.
func TestNewestSocketWins(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	first := td.customer(t, v, 0)
	send(t, first, map[string]string{"type": "send", "cid": "a", "text": "one"})
	next(t, first, ofType(chatwire.EventMessage)) // the hello was taken
	for range 4 {
		c := td.customer(t, v, 0)
		next(t, c, ofType(chatwire.EventMessage))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := first.Read(ctx); err != nil {
			break
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the oldest socket stayed open")
	}
}

// Polls wait four at a time per conversation at most; a fifth is told to
// slow down.
func TestPollsBounded(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := td.hub.Wait(ctx, v.ID, v.Key, 0)
			errs <- err
		}()
	}
	// Wait until the four are waiting.
	for {
		td.hub.mu.Lock()
		n := td.hub.convs[v.ID].polls
		td.hub.mu.Unlock()
		if n == 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var e struct{ Error string }
	if code := td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": v.Key}, &e); code != http.StatusTooManyRequests || e.Error != "throttled" {
		t.Errorf("a fifth poll: %d %q", code, e.Error)
	}
	cancel()
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
