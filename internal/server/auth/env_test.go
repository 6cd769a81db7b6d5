package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

const goodPassword = "violet anchor tundra mosaic 42"

// env is a real HTTPS server running the login API over a SQLite store,
// with a settable clock and a settable client address (as a trusted
// front proxy would report it).
type env struct {
	t      testing.TB
	cfg    Config
	path   string
	st     *store.SQLite
	svc    atomic.Pointer[Service]
	srv    *httptest.Server
	clock  *clock
	remote atomic.Value // string host:port the handler sees; "" = real
	xff    atomic.Value // string X-Forwarded-For the handler sees; "" = none

	mu     sync.Mutex
	bodies [][]byte // every request body the server received
	events []Event
	logs   bytes.Buffer
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "tandem.db"), clock: &clock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}}
	e.remote.Store("")
	e.xff.Store("")
	e.cfg = Config{Iterations: MinIterations, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&e.mu, &e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mod != nil {
		mod(&e.cfg)
	}
	e.open()
	e.srv = httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	e.srv.StartTLS()
	t.Cleanup(func() {
		e.srv.Close()
		e.st.Close()
	})
	return e
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// open opens the store and a Service over it.
func (e *env) open() {
	e.t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := New(ctx, st, e.cfg, func(_ context.Context, ev Event) {
		e.mu.Lock()
		e.events = append(e.events, ev)
		e.mu.Unlock()
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.svc.Store(svc)
}

// restart closes the store and opens everything again, as a server
// restart would (in-memory throttling and pending logins are lost).
func (e *env) restart() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.bodies = append(e.bodies, b)
	e.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if a := e.remote.Load().(string); a != "" {
		r.RemoteAddr = a
	}
	if x := e.xff.Load().(string); x != "" {
		r.Header.Set("X-Forwarded-For", x)
	}
	e.svc.Load().Handler().ServeHTTP(w, r)
}

func (e *env) service() *Service { return e.svc.Load() }

func (e *env) login(id, password string) (login.Token, error) {
	return login.Login(context.Background(), e.srv.Client(), e.srv.URL, id, password)
}

func (e *env) mustLogin(id, password string) login.Token {
	e.t.Helper()
	tok, err := e.login(id, password)
	if err != nil {
		e.t.Fatalf("login %s: %v", id, err)
	}
	return tok
}

func (e *env) addOperator(id, password string) {
	e.t.Helper()
	err := e.service().CreateAccount(context.Background(), store.Account{ID: id, Kind: store.KindOperator, DisplayName: "Op " + id}, password)
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) countEvents(k EventKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func wantLoginFailed(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, login.ErrLoginFailed) {
		t.Fatalf("got %v, want login.ErrLoginFailed", err)
	}
}

func errorsIsThrottled(err error) bool { return errors.Is(err, login.ErrThrottled) }
