package helpdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// A visit with a code goes straight to the operator who opened that
// session; other operators never see it.
func TestVisitWithCodeBindsToOperator(t *testing.T) {
	td := start(t, nil)
	bob := td.operator(t, "bob-token")
	next(t, bob, queueWith(0))
	alice := td.operator(t, "alice-token")
	next(t, alice, queueWith(0))
	v := td.visit(t, chatwire.Visit{Code: "111 111 111"})
	if v.Operator == nil || v.Operator.Name != "Alice Martin" || v.Operator.Organisation != "Acme" || v.Code == nil || *v.Code != "111111111" {
		t.Fatalf("code visit answered %+v", v)
	}
	q := next(t, alice, queueWith(1))
	if s := q.Conversations[0]; s.State != "yours" || s.Session != "sess-alice" {
		t.Fatalf("alice's queue: %+v", s)
	}
	page := td.customer(t, v, 0)
	if a := next(t, page, ofType(chatwire.EventAssigned)); a.Seq != 1 || a.Operator.Name != "Alice Martin" {
		t.Fatalf("first event %+v", a.Event)
	}
	send(t, page, map[string]string{"type": "send", "cid": "x", "text": "hello"})
	if m := next(t, alice, deskEventOf(chatwire.EventMessage)); m.Inner.Text != "hello" {
		t.Fatalf("alice got %+v", m.Inner)
	}
	// Bob may not take it.
	send(t, bob, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	if e := next(t, bob, ofType("error")); e.Error != "taken" {
		t.Fatalf("bob's pick: %q", e.Error)
	}
	var e struct{ Error, Message string }
	if code := td.post(t, "/v1/desk/visit", chatwire.Visit{Code: "999999999"}, &e); code != http.StatusNotFound || e.Error != "invalid-code" || e.Message == "" {
		t.Errorf("a wrong code: %d %+v", code, e)
	}
	td.sessions.mu.Lock()
	td.sessions.throttle = true
	td.sessions.mu.Unlock()
	if code := td.post(t, "/v1/desk/visit", chatwire.Visit{Code: "111111111"}, &e); code != http.StatusTooManyRequests || e.Error != "throttled" {
		t.Errorf("a throttled source: %d %+v", code, e)
	}
}

// An operator can invite only with a code of a session they opened.
func TestInviteRefusesAnotherOperatorsCode(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	bob := td.operator(t, "bob-token")
	send(t, bob, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	next(t, bob, ofType("history"))
	send(t, bob, chatwire.DeskRequest{Type: "invite", Conversation: v.ID, Code: "111111111"}) // alice's session
	if e := next(t, bob, ofType("error")); e.Error != "not-your-session" {
		t.Fatalf("invite with alice's code: %+v", e)
	}
	send(t, bob, chatwire.DeskRequest{Type: "invite", Conversation: v.ID, Code: "123123123"})
	if e := next(t, bob, ofType("error")); e.Error != "invalid-code" {
		t.Fatalf("invite with a wrong code: %+v", e)
	}
	send(t, bob, chatwire.DeskRequest{Type: "invite", Conversation: v.ID, Code: "222222222"})
	page := td.customer(t, v, 0)
	if inv := next(t, page, ofType(chatwire.EventInvite)); inv.Code != "222222222" {
		t.Fatalf("invite event %+v", inv.Event)
	}
	for _, ev := range td.hub.convs[v.ID].events {
		if ev.Type == chatwire.EventInvite && ev.Code != "222222222" {
			t.Errorf("a refused code reached the conversation: %+v", ev)
		}
	}
}

// The end of a conversation stores its transcript and audits its digest
// under the session it was bound to; the sweep purges it after the
// retention period.
func TestTranscriptAuditAndRetention(t *testing.T) {
	td := start(t, nil)
	ctx := context.Background()
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	op := td.operator(t, "alice-token")
	send(t, op, chatwire.DeskRequest{Type: "pick", Conversation: v.ID})
	if _, err := td.hub.Say(ctx, v.ID, v.Key, "c1", "my printer"); err != nil {
		t.Fatal(err)
	}
	send(t, op, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: "let me see"})
	send(t, op, chatwire.DeskRequest{Type: "invite", Conversation: v.ID, Code: "111111111"})
	send(t, op, chatwire.DeskRequest{Type: "close", Conversation: v.ID, Reason: "done"})
	next(t, op, deskEventOf(chatwire.EventClosed))
	e := waitAudit(t, td.audit, "chat.transcript")
	if e.Subject != "sess-alice" || e.Actor != "alice" || e.Detail["messages"] != "2" || e.Detail["conversation"] != v.ID {
		t.Fatalf("audit entry %+v", e)
	}
	tr, err := td.st.ChatTranscript(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(tr.Body)
	if hex.EncodeToString(sum[:]) != e.Detail["sha256"] || tr.Messages != 2 || tr.Session != "sess-alice" {
		t.Fatalf("stored %+v (sum %x), audited %s", tr, sum, e.Detail["sha256"])
	}
	if !strings.Contains(string(tr.Body), "my printer") || !strings.Contains(string(tr.Body), "let me see") {
		t.Errorf("transcript body %s", tr.Body)
	}
	// The page can still read how it ended, and can no longer send.
	if _, err := td.hub.Say(ctx, v.ID, v.Key, "c2", "hello?"); asWire(err).Code != "closed" {
		t.Errorf("send after the end: %v", err)
	}
	td.clock.Add(23 * time.Hour)
	td.hub.PurgeTranscripts(ctx)
	if _, err := td.st.ChatTranscript(ctx, v.ID); err != nil {
		t.Fatalf("purged before the retention period: %v", err)
	}
	td.clock.Add(2 * time.Hour)
	td.hub.PurgeTranscripts(ctx)
	if _, err := td.st.ChatTranscript(ctx, v.ID); err == nil {
		t.Fatal("kept after the retention period")
	}
}

// With retention 0 nothing is kept, yet the end is audited; an
// unbound conversation is audited under its own ID.
func TestRetentionZeroKeepsNothing(t *testing.T) {
	td := start(t, func(c *Config) { c.Retention = 0 })
	ctx := context.Background()
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	td.hub.Say(ctx, v.ID, v.Key, "c1", "anyone?")
	// The customer leaves before anyone picks it up.
	td.clock.Add(3 * time.Minute)
	td.hub.Sweep(ctx)
	e := waitAudit(t, td.audit, "chat.transcript")
	if e.Subject != v.ID || e.Detail["messages"] != "1" {
		t.Fatalf("audit entry %+v", e)
	}
	if _, err := td.st.ChatTranscript(ctx, v.ID); err == nil {
		t.Fatal("a transcript was kept with retention 0")
	}
	var f struct{ Events []chatwire.Event }
	td.post(t, "/v1/desk/poll", map[string]any{"id": v.ID, "key": v.Key, "after": 1}, &f)
	if len(f.Events) != 1 || f.Events[0].Type != chatwire.EventClosed || f.Events[0].Reason != "left" {
		t.Fatalf("after leaving: %+v", f.Events)
	}
}

// waitAudit returns the first entry of kind, waiting for the desk's
// request to be carried out.
func waitAudit(t *testing.T, l *audit.Log, kind string) audit.Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		es, err := l.List(context.Background(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Kind == kind {
				return e
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s audit entry", kind)
	return audit.Entry{}
}

func TestLimits(t *testing.T) {
	td := start(t, func(c *Config) { c.MaxPerSource = 2; c.MessageBurst = 3; c.MessageRate = time.Hour; c.MaxEvents = 6 })
	ctx := context.Background()
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	td.visit(t, chatwire.Visit{Name: "Marie again"})
	var e struct{ Error string }
	if code := td.post(t, "/v1/desk/visit", chatwire.Visit{Name: "Marie thrice"}, &e); code != http.StatusTooManyRequests || e.Error != "throttled" {
		t.Errorf("third conversation from one address: %d %q", code, e.Error)
	}
	if code := td.post(t, "/v1/desk/visit", chatwire.Visit{}, &e); code != http.StatusBadRequest || e.Error != "bad-request" {
		t.Errorf("no name, no code: %d %q", code, e.Error)
	}
	long := map[string]any{"id": v.ID, "key": v.Key, "cid": "l", "text": strings.Repeat("é", 2001)}
	if code := td.post(t, "/v1/desk/send", long, &e); code != http.StatusBadRequest || e.Error != "bad-request" {
		t.Errorf("2001 characters: %d %q", code, e.Error)
	}
	for i := range 3 {
		if _, err := td.hub.Say(ctx, v.ID, v.Key, string(rune('a'+i)), "hi"); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if code := td.post(t, "/v1/desk/send", map[string]any{"id": v.ID, "key": v.Key, "cid": "d", "text": "hi"}, &e); code != http.StatusTooManyRequests {
		t.Errorf("beyond the burst: %d %q", code, e.Error)
	}
	// A conversation that reaches its size ends.
	op := td.operator(t, "alice-token")
	send(t, op, chatwire.DeskRequest{Type: "pick", Conversation: v.ID}) // event 4
	send(t, op, chatwire.DeskRequest{Type: "send", Conversation: v.ID, Text: "five"})
	if c := next(t, op, deskEventOf(chatwire.EventClosed)); c.Inner.Reason != "too-long" || c.Inner.Seq != 6 {
		t.Fatalf("end at the limit: %+v", c.Inner)
	}
	// Its end frees a place for that address.
	td.visit(t, chatwire.Visit{Name: "Marie, new"})
}

func TestServerFull(t *testing.T) {
	td := start(t, func(c *Config) { c.MaxOpen = 1 })
	td.visit(t, chatwire.Visit{Name: "Marie"})
	var e struct{ Error string }
	if code := td.post(t, "/v1/desk/visit", chatwire.Visit{Name: "Paul"}, &e); code != http.StatusServiceUnavailable || e.Error != "busy" {
		t.Errorf("a full desk: %d %q", code, e.Error)
	}
}

func TestDeskNeedsLogin(t *testing.T) {
	td := start(t, nil)
	for _, h := range []http.Header{nil, {"Authorization": {"Bearer wrong"}}, {"Authorization": {"alice-token"}}} {
		if _, err := td.dial(t, "/v1/desk/operator", h); err == nil {
			t.Errorf("desk opened with %v", h)
		}
	}
	// Failures are throttled: after a few, even the right token waits.
	for range 5 {
		td.dial(t, "/v1/desk/operator", nil)
	}
	if _, err := td.dial(t, "/v1/desk/operator", http.Header{"Authorization": {"Bearer alice-token"}}); err == nil {
		t.Error("a source with many failed logins was let in")
	}
}

// A conversation's end is recorded even when the connection that ended
// it is already gone.
func TestEndRecordedAfterCancel(t *testing.T) {
	td := start(t, nil)
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	td.hub.Close(ctx)
	if e := waitAudit(t, td.audit, "chat.transcript"); e.Subject != v.ID {
		t.Fatalf("audit entry %+v", e)
	}
	if _, err := td.st.ChatTranscript(context.Background(), v.ID); err != nil {
		t.Fatalf("transcript not stored: %v", err)
	}
}
