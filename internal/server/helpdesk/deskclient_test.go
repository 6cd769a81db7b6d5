package helpdesk

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/technician/deskclient"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// The technician's desk client speaks the hub's protocol: queue, pick,
// history, messages both ways, invite, end.
func TestDeskClient(t *testing.T) {
	td := start(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v := td.visit(t, chatwire.Visit{Name: "Marie", Topic: "printer"})
	td.hub.Say(ctx, v.ID, v.Key, "c1", "hello?")
	roots := x509.NewCertPool()
	roots.AddCert(td.srv.Certificate())
	if _, err := deskclient.Dial(ctx, td.srv.URL, roots, "wrong"); err != deskclient.ErrUnauthorized {
		t.Fatalf("a wrong token: %v", err)
	}
	dc, err := deskclient.Dial(ctx, td.srv.URL, roots, "alice-token")
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	want := func(typ string) deskclient.Message {
		t.Helper()
		for {
			m, err := dc.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if m.Type == typ {
				return m
			}
		}
	}
	q := want("queue")
	if len(q.Conversations) != 1 || q.Conversations[0].Name != "Marie" || q.Conversations[0].Messages != 1 {
		t.Fatalf("queue %+v", q.Conversations)
	}
	dc.Pick(ctx, v.ID)
	h := want("history")
	if len(h.Events) != 1 || h.Events[0].Text != "hello?" || h.Events[0].From != "customer" {
		t.Fatalf("history %+v", h.Events)
	}
	dc.Say(ctx, v.ID, "hi Marie")
	dc.Typing(ctx, v.ID)
	dc.Invite(ctx, v.ID, "111111111")
	dc.End(ctx, v.ID, "done")
	var got []string
	for len(got) < 4 {
		m := want("event")
		got = append(got, m.Event.Type)
		if m.Event.Type == "invite" && m.Event.Code != "111111111" {
			t.Errorf("invite %+v", m.Event)
		}
	}
	if want := []string{"assigned", "message", "invite", "closed"}; !equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// A page that sends faster than its conversation's rate has its socket
// closed; what it resends after reconnecting goes through once.
func TestPageSocketThrottled(t *testing.T) {
	td := start(t, func(c *Config) { c.MessageBurst = 2; c.MessageRate = time.Hour })
	v := td.visit(t, chatwire.Visit{Name: "Marie"})
	page := td.customer(t, v, 0)
	for _, cid := range []string{"a", "b", "c"} {
		send(t, page, map[string]string{"type": "send", "cid": cid, "text": "x"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := page.Read(ctx); err != nil {
			break // closed by the server
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the socket stayed open")
	}
	page = td.customer(t, v, 0)
	send(t, page, map[string]string{"type": "send", "cid": "a", "text": "x"})
	if f := next(t, page, ofType(chatwire.EventMessage)); f.CID != "a" || f.Seq != 1 {
		t.Fatalf("first event %+v", f.Event)
	}
	if f := next(t, page, ofType(chatwire.EventMessage)); f.CID != "b" || f.Seq != 2 {
		t.Fatalf("second event %+v", f.Event)
	}
}
