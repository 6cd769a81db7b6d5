package helpdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/server/audit"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/chatwire"
	"github.com/tandem-remote/tandem/internal/wire/login"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// fakeAuth knows tokens "alice-token" and "bob-token".
type fakeAuth struct{}

func (fakeAuth) Authenticate(_ context.Context, token string) (store.Account, error) {
	switch token {
	case "alice-token":
		return store.Account{ID: "alice", DisplayName: "Alice Martin", Organisation: "Acme"}, nil
	case "bob-token":
		return store.Account{ID: "bob", DisplayName: "Bob Durand", Organisation: "Acme"}, nil
	}
	return store.Account{}, login.ErrUnauthenticated
}

func (fakeAuth) CheckSource(context.Context, string, netip.Addr) error { return nil }
func (fakeAuth) ClientAddr(*http.Request) netip.Addr                   { return netip.Addr{} }

// fakeSessions knows the codes it was given; every lookup is counted.
type fakeSessions struct {
	mu       sync.Mutex
	codes    map[string]SessionInfo
	lookups  int
	throttle bool
}

func (f *fakeSessions) Lookup(code string, _ netip.Addr) (SessionInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.throttle {
		return SessionInfo{}, proto.ErrThrottled
	}
	info, ok := f.codes[code]
	if !ok {
		return SessionInfo{}, proto.ErrInvalidCode
	}
	return info, nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type testDesk struct {
	hub      *Hub
	srv      *httptest.Server
	sessions *fakeSessions
	st       *store.SQLite
	audit    *audit.Log
	clock    *clock
}

// start runs a hub over TLS with a real store and audit log; edit
// adjusts its configuration first. The test fails if goroutines outlive it.
func start(t testing.TB, edit func(*Config)) *testDesk {
	t.Helper()
	leakcheck.Check(t) // first: its check runs after every other cleanup
	return startHub(t, edit)
}

// startHub is start without the leak check, for a test that starts
// several hubs and checks once, before them.
func startHub(t testing.TB, edit func(*Config)) *testDesk {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tandem.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	td := &testDesk{st: st, audit: audit.New(st, nil, nil), clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		sessions: &fakeSessions{codes: map[string]SessionInfo{
			"111111111": {Session: "sess-alice", OperatorID: "alice", Operator: "Alice Martin", Organisation: "Acme"},
			"222222222": {Session: "sess-bob", OperatorID: "bob", Operator: "Bob Durand", Organisation: "Acme"},
		}}}
	cfg := Config{Sessions: td.sessions, Auth: fakeAuth{}, Transcripts: st, Retention: 24 * time.Hour,
		Audit: td.audit, Now: td.clock.Now}
	if edit != nil {
		edit(&cfg)
	}
	if td.hub, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	td.srv = httptest.NewTLSServer(td.hub.Handler())
	t.Cleanup(td.srv.Close)
	return td
}

// post sends body as JSON to path and decodes the answer into out.
func (td *testDesk) post(t testing.TB, path string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := td.srv.Client().Post(td.srv.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (td *testDesk) visit(t testing.TB, v chatwire.Visit) chatwire.Visited {
	t.Helper()
	var out chatwire.Visited
	if code := td.post(t, "/v1/desk/visit", v, &out); code != http.StatusOK {
		t.Fatalf("visit %+v: status %d", v, code)
	}
	return out
}

func (td *testDesk) dial(t testing.TB, path string, h http.Header) (*websocket.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "wss"+td.srv.URL[len("https"):]+path,
		&websocket.DialOptions{HTTPClient: td.srv.Client(), HTTPHeader: h})
	if err == nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, err
}

// customer opens the page's socket for v, replaying after seq after.
func (td *testDesk) customer(t testing.TB, v chatwire.Visited, after int64) *websocket.Conn {
	t.Helper()
	c, err := td.dial(t, "/v1/desk/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "hello", "id": v.ID, "key": v.Key, "after": after})
	return c
}

// operator opens a desk with token.
func (td *testDesk) operator(t testing.TB, token string) *websocket.Conn {
	t.Helper()
	c, err := td.dial(t, "/v1/desk/operator", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func send(t testing.TB, c *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// frame is any server frame, page's or desk's.
type frame struct {
	chatwire.Event
	Conversation  string                 `json:"conversation"`
	Conversations []chatwire.DeskSummary `json:"conversations"`
	Events        []chatwire.Event       `json:"events"`
	Inner         *chatwire.Event        `json:"event"`
	Error         string                 `json:"error"`
	Message       string                 `json:"message"`
}

// next reads frames until keep accepts one.
func next(t testing.TB, c *websocket.Conn, keep func(frame) bool) frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a frame: %v", err)
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		if keep(f) {
			return f
		}
	}
}

func ofType(typ string) func(frame) bool {
	return func(f frame) bool { return f.Type == typ }
}

// deskEventOf keeps a desk's event frame of the given event type.
func deskEventOf(typ string) func(frame) bool {
	return func(f frame) bool { return f.Type == "event" && f.Inner != nil && f.Inner.Type == typ }
}

// queueWith keeps a queue frame listing n conversations.
func queueWith(n int) func(frame) bool {
	return func(f frame) bool { return f.Type == "queue" && len(f.Conversations) == n }
}
