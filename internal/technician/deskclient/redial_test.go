package deskclient

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/wire/chatwire"
)

// fakeDesk is a desk endpoint holding one conversation, c1, of this
// operator's: it sends the queue on connect and the whole history on a
// pick, as the hub does, and can drop its connections or refuse the token.
type fakeDesk struct {
	t      *testing.T
	mu     sync.Mutex
	events []chatwire.Event
	conns  []*websocket.Conn
	dials  int
	refuse bool
}

func (f *fakeDesk) add(text string) chatwire.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := chatwire.Event{Type: chatwire.EventMessage, Seq: int64(len(f.events) + 1), From: chatwire.FromCustomer, Text: text}
	f.events = append(f.events, e)
	return e
}

// live sends e to every open connection, as the hub sends a new event.
func (f *fakeDesk) live(e chatwire.Event) {
	f.mu.Lock()
	conns := append([]*websocket.Conn(nil), f.conns...)
	f.mu.Unlock()
	for _, c := range conns {
		f.write(c, chatwire.DeskEvent{Type: chatwire.TypeEvent, Conversation: "c1", Event: e})
	}
}

// drop breaks every connection, as a node's death does.
func (f *fakeDesk) drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.CloseNow()
	}
	f.conns = nil
}

func (f *fakeDesk) write(c *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	c.Write(context.Background(), websocket.MessageText, b)
}

func (f *fakeDesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.dials++
	refuse := f.refuse
	f.mu.Unlock()
	if refuse || r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	f.write(c, chatwire.DeskQueue{Type: chatwire.TypeQueue, Conversations: []chatwire.DeskSummary{{ID: "c1", State: chatwire.StateYours}}})
	for {
		_, b, err := c.Read(r.Context())
		if err != nil {
			return
		}
		var req chatwire.DeskRequest
		if json.Unmarshal(b, &req) != nil || req.Type != chatwire.RequestPick {
			continue
		}
		f.mu.Lock()
		h := chatwire.DeskHistory{Type: chatwire.TypeHistory, Conversation: req.Conversation, Events: append([]chatwire.Event(nil), f.events...)}
		f.mu.Unlock()
		f.write(c, h)
	}
}

func startFake(t *testing.T) (*fakeDesk, *httptest.Server, *x509.CertPool) {
	f := &fakeDesk{t: t}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return f, srv, roots
}

// nextType reads until a message of type typ, failing on any event: the
// caller expects none before it.
func nextType(t *testing.T, ctx context.Context, dc *Client, typ string) Message {
	t.Helper()
	for {
		m, err := dc.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
		if m.Type == chatwire.TypeEvent || m.Type == chatwire.TypeHistory {
			t.Fatalf("waiting for %s, got %+v", typ, m)
		}
	}
}

// TestReconnect drops the desk's connection while a followed conversation
// goes on: Next says the connection was lost, dials again, says it is
// back, passes the queue on, and delivers only the event sent meanwhile,
// then the live ones, each once.
func TestReconnect(t *testing.T) {
	f, srv, roots := startFake(t)
	f.add("hello")
	f.add("my printer")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dc, err := Dial(ctx, srv.URL, roots, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	nextType(t, ctx, dc, chatwire.TypeQueue)
	if err := dc.Pick(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if h := nextType(t, ctx, dc, chatwire.TypeHistory); len(h.Events) != 2 {
		t.Fatalf("history %+v, want 2 events", h.Events)
	}
	f.drop()
	if m := nextType(t, ctx, dc, TypeLost); m.Message == "" {
		t.Error("the lost message says nothing")
	}
	if err := dc.Say(ctx, "c1", "still there?"); !errors.Is(err, ErrDisconnected) {
		t.Errorf("a request while down: %v, want ErrDisconnected", err)
	}
	missed := f.add("it is on fire") // while the desk is away
	nextType(t, ctx, dc, TypeReconnected)
	nextType(t, ctx, dc, chatwire.TypeQueue)
	m, err := dc.Next(ctx)
	if err != nil || m.Type != chatwire.TypeEvent || m.Event == nil || *m.Event != missed {
		t.Fatalf("after the queue: %+v, %v; want the missed event %+v alone", m, err, missed)
	}
	f.live(missed) // a replay the server might send again: not delivered twice
	next := f.add("thanks")
	f.live(next)
	m, err = dc.Next(ctx)
	if err != nil || m.Event == nil || *m.Event != next {
		t.Fatalf("then %+v, %v; want %+v (and the missed one once)", m, err, next)
	}
	if err := dc.Say(ctx, "c1", "on my way"); err != nil {
		t.Errorf("a request once back: %v", err)
	}
}

// TestReconnectRefused: a token the server no longer takes ends the desk
// with ErrUnauthorized at the first redial, instead of trying for minutes.
func TestReconnectRefused(t *testing.T) {
	f, srv, roots := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dc, err := Dial(ctx, srv.URL, roots, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	nextType(t, ctx, dc, chatwire.TypeQueue)
	f.mu.Lock()
	f.refuse = true
	f.mu.Unlock()
	f.drop()
	nextType(t, ctx, dc, TypeLost)
	if _, err := dc.Next(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("redial with a refused token: %v, want ErrUnauthorized", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dials != 2 {
		t.Errorf("%d dials, want 2 (the first, one redial)", f.dials)
	}
}

// TestReconnectGivesUp: with no server at all the desk stops redialling
// after its bound and says what to do.
func TestReconnectGivesUp(t *testing.T) {
	f, srv, roots := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dc, err := Dial(ctx, srv.URL, roots, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	dc.maxOutage = time.Second
	nextType(t, ctx, dc, chatwire.TypeQueue)
	srv.Listener.Close() // the server is gone: redials are refused
	f.drop()
	nextType(t, ctx, dc, TypeLost)
	if _, err := dc.Next(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("with no server: %v (ctx %v), want the desk to give up", err, ctx.Err())
	}
}
