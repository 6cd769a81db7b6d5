package signaling

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/store"
	"github.com/tandem-remote/tandem/internal/server/turncred"
	"github.com/tandem-remote/tandem/internal/wire/login"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// clock is an injectable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	srv   *Server
	http  *httptest.Server
	url   string
	roots *x509.CertPool
	clock *clock
	token string // operator "tech"'s login token: what Open carries
}

func newFixture(t *testing.T, mutate ...func(*Config)) *fixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	accounts := testAuth(t)
	cfg := Config{
		Auth:       accounts,
		API:        accounts.Handler(),
		TURNURLs:   []string{"turn:203.0.113.3:3478?transport=udp", "turns:203.0.113.3:443?transport=tcp"},
		TURNSecret: testSecret,
		Now:        clk.Now,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.StartTLS()
	t.Cleanup(hs.Close)
	roots := x509.NewCertPool()
	roots.AddCert(hs.Certificate())
	tok, err := login.Login(context.Background(), hs.Client(), hs.URL, "tech", opPassword)
	if err != nil {
		t.Fatalf("operator login: %v", err)
	}
	return &fixture{srv: s, http: hs, url: hs.URL, roots: roots, clock: clk, token: tok.Value}
}

// testAuth is operator login over a fresh database holding one operator,
// "tech", with opPassword and fast password hashing.
func testAuth(t *testing.T) *auth.Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := auth.New(ctx, st, auth.Config{Iterations: auth.MinIterations}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CreateAccount(ctx, store.Account{ID: "tech", Kind: store.KindOperator}, opPassword); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) dial(t *testing.T) *sigclient.Conn {
	t.Helper()
	c, err := sigclient.Dial(context.Background(), f.url, f.roots)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenJoinSignalBye(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	tech := f.dial(t)
	opened, err := tech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.ValidServerCode(opened.Code) || len(opened.Code) < 9 {
		t.Fatalf("code %q", opened.Code)
	}
	if want := f.clock.Now().Add(10 * time.Minute); !opened.Expires.Equal(want) {
		t.Errorf("code expires %v, want %v", opened.Expires, want)
	}
	checkICE(t, f, opened.Session, opened.ICEServers)

	agent := f.dial(t)
	joined, err := agent.Join(ctx, opened.Code[:3]+" "+opened.Code[3:]+"-SECRETPART")
	if err != nil {
		t.Fatal(err)
	}
	if joined.Session != opened.Session {
		t.Fatalf("joined %q, opened %q", joined.Session, opened.Session)
	}
	checkICE(t, f, joined.Session, joined.ICEServers)
	expectType(t, ctx, tech, proto.TypePeerJoined)

	// Signals pass verbatim both ways.
	for _, dir := range []struct{ from, to *sigclient.Conn }{{tech, agent}, {agent, tech}} {
		payload := `{"description":{"type":"offer","sdp":"v=0"}}`
		if err := dir.from.Send(ctx, proto.TypeSignal, proto.Signal{Data: []byte(payload)}); err != nil {
			t.Fatal(err)
		}
		env := expectType(t, ctx, dir.to, proto.TypeSignal)
		sig, _ := proto.Body[proto.Signal](env)
		if string(sig.Data) != payload {
			t.Fatalf("signal data %s, want %s", sig.Data, payload)
		}
	}

	// The code worked once.
	if _, err := f.dial(t).Join(ctx, opened.Code); !errors.Is(err, proto.ErrInvalidCode) {
		t.Fatalf("second join: err = %v, want ErrInvalidCode", err)
	}

	if err := agent.Send(ctx, proto.TypeBye, proto.Bye{Reason: "stopped"}); err != nil {
		t.Fatal(err)
	}
	env := expectType(t, ctx, tech, proto.TypeBye)
	if bye, _ := proto.Body[proto.Bye](env); bye.Reason != "stopped" {
		t.Fatalf("bye reason %q", bye.Reason)
	}
	waitSessions(t, f.srv, 0)
}

func checkICE(t *testing.T, f *fixture, session string, ice []proto.ICEServer) {
	t.Helper()
	if len(ice) != 2 || ice[0].URLs[0] != "stun:203.0.113.3:3478" || len(ice[1].URLs) != 2 {
		t.Fatalf("ICE servers %+v", ice)
	}
	pw, tag, err := turncred.Check(testSecret, ice[1].Username, f.clock.Now())
	if err != nil || pw != ice[1].Credential || tag != session {
		t.Fatalf("TURN credential: tag %q (want %q), err %v, password ok %v", tag, session, err, pw == ice[1].Credential)
	}
	// The credential dies with the session.
	if _, _, err := turncred.Check(testSecret, ice[1].Username, f.clock.Now().Add(8*time.Hour+time.Second)); !errors.Is(err, turncred.ErrExpired) {
		t.Fatalf("credential outlives the session: %v", err)
	}
}

func expectType(t *testing.T, ctx context.Context, c *sigclient.Conn, typ proto.Type) proto.Envelope {
	t.Helper()
	env, err := c.Recv(ctx)
	if err != nil {
		t.Fatalf("waiting for %s: %v", typ, err)
	}
	if env.Type != typ {
		t.Fatalf("got %s, want %s", env.Type, typ)
	}
	return env
}

func waitSessions(t *testing.T, s *Server, n int) {
	t.Helper()
	for range 200 {
		s.mu.Lock()
		got := len(s.sessions)
		s.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server still holds sessions, want %d", n)
}

func TestWrongTokenThrottled(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	for i := range 5 {
		if _, err := f.dial(t).Open(ctx, "wrong-token-wrong-token"); !errors.Is(err, proto.ErrUnauthorized) {
			t.Fatalf("attempt %d: err = %v, want ErrUnauthorized", i, err)
		}
	}
	// Even the right token is refused while the address is throttled.
	if _, err := f.dial(t).Open(ctx, f.token); !errors.Is(err, proto.ErrThrottled) {
		t.Fatalf("after 5 failures: err = %v, want ErrThrottled", err)
	}
	f.clock.add(time.Minute)
	if _, err := f.dial(t).Open(ctx, f.token); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
}

func TestJoinGuessingThrottled(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	opened, err := f.dial(t).Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000000"
	if opened.Code == wrong {
		wrong = "000000001"
	}
	for i := range 5 {
		if _, err := f.dial(t).Join(ctx, wrong); !errors.Is(err, proto.ErrInvalidCode) {
			t.Fatalf("guess %d: err = %v", i, err)
		}
	}
	if _, err := f.dial(t).Join(ctx, opened.Code); !errors.Is(err, proto.ErrThrottled) {
		t.Fatalf("right code while throttled: err = %v, want ErrThrottled", err)
	}
	f.clock.add(12 * time.Second) // one attempt back
	if _, err := f.dial(t).Join(ctx, opened.Code); err != nil {
		t.Fatalf("right code after waiting: %v", err)
	}
}

func TestCodeExpires(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	tech := f.dial(t)
	opened, err := tech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.add(10*time.Minute + time.Second)
	if _, err := f.dial(t).Join(ctx, opened.Code); !errors.Is(err, proto.ErrInvalidCode) {
		t.Fatalf("expired code: err = %v", err)
	}
	f.srv.sweep(ctx)
	env := expectType(t, ctx, tech, proto.TypeBye)
	if bye, _ := proto.Body[proto.Bye](env); bye.Reason != "code-expired" {
		t.Fatalf("reason %q", bye.Reason)
	}
	waitSessions(t, f.srv, 0)
}

func TestTechnicianLeavingKillsCode(t *testing.T) {
	f := newFixture(t)
	ctx := ctxT(t)
	tech := f.dial(t)
	opened, err := tech.Open(ctx, f.token)
	if err != nil {
		t.Fatal(err)
	}
	tech.Close()
	waitSessions(t, f.srv, 0)
	if _, err := f.dial(t).Join(ctx, opened.Code); !errors.Is(err, proto.ErrInvalidCode) {
		t.Fatalf("join after technician left: err = %v", err)
	}
}

func TestOriginChecked(t *testing.T) {
	f := newFixture(t)
	wsURL, _ := sigclient.WSURL(f.url)
	client := f.http.Client()
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"", true}, // non-browser clients send none
		{f.url, true},
		{"https://evil.example", false},
		{"null", false},
	} {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		c, resp, err := websocket.Dial(ctxT(t), wsURL, &websocket.DialOptions{HTTPClient: client, HTTPHeader: h})
		if (err == nil) != tc.ok {
			t.Errorf("origin %q: err = %v, want ok=%v", tc.origin, err, tc.ok)
		}
		if err == nil {
			c.CloseNow()
		} else if resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: status %d, want 403", tc.origin, resp.StatusCode)
		}
	}
}

func TestHostileClients(t *testing.T) {
	f := newFixture(t)
	wsURL, _ := sigclient.WSURL(f.url)
	opts := &websocket.DialOptions{HTTPClient: f.http.Client()}
	ctx := ctxT(t)
	cases := map[string]func(*websocket.Conn) error{
		"garbage": func(c *websocket.Conn) error { return c.Write(ctx, websocket.MessageText, []byte("\x00\xffnot json")) },
		"binary":  func(c *websocket.Conn) error { return c.Write(ctx, websocket.MessageBinary, []byte("{}")) },
		"oversized": func(c *websocket.Conn) error {
			return c.Write(ctx, websocket.MessageText, make([]byte, 2*proto.MaxMessageSize))
		},
		"signal first": func(c *websocket.Conn) error {
			return c.Write(ctx, websocket.MessageText, []byte(`{"v":1,"type":"signal","body":{"data":{}}}`))
		},
		"wrong version": func(c *websocket.Conn) error {
			return c.Write(ctx, websocket.MessageText, []byte(`{"v":9,"type":"open"}`))
		},
		"flood": func(c *websocket.Conn) error {
			open, _ := proto.Encode(proto.TypeOpen, proto.Open{Token: f.token})
			if err := c.Write(ctx, websocket.MessageText, open); err != nil {
				return err
			}
			sig, _ := proto.Encode(proto.TypeSignal, proto.Signal{Data: []byte(`{}`)})
			for range 5000 {
				if err := c.Write(ctx, websocket.MessageText, sig); err != nil {
					return nil // closed by the server: expected
				}
			}
			return nil
		},
	}
	for name, attack := range cases {
		t.Run(name, func(t *testing.T) {
			c, _, err := websocket.Dial(ctx, wsURL, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			attack(c)
			// The server closes the connection: reads end with an
			// error (after at most an error message and an opened).
			closed := false
			for range 5 {
				if _, _, err := c.Read(ctx); err != nil {
					closed = true
					break
				}
			}
			if !closed {
				t.Fatal("server kept a hostile connection open")
			}
		})
	}
	// The server still serves.
	if _, err := f.dial(t).Open(ctx, f.token); err != nil {
		t.Fatalf("after hostile clients: %v", err)
	}
	for range 200 {
		if n, _ := f.srv.sockets.counts(); n <= 1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("hostile connections still counted")
}

func TestSilentClientDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the hello timeout")
	}
	f := newFixture(t)
	wsURL, _ := sigclient.WSURL(f.url)
	c, _, err := websocket.Dial(ctxT(t), wsURL, &websocket.DialOptions{HTTPClient: f.http.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), helloTimeout+5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("silent client not dropped by the server: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	a := testAuth(t)
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"no accounts":   {Config{TURNURLs: []string{"turn:x:3478"}, TURNSecret: testSecret}, "operator accounts"},
		"short secret":  {Config{Auth: a, TURNURLs: []string{"turn:x:3478"}, TURNSecret: []byte("x")}, "/dev/urandom"},
		"bad scheme":    {Config{Auth: a, TURNURLs: []string{"http://x"}, TURNSecret: testSecret}, "want turn:"},
		"bad transport": {Config{Auth: a, TURNURLs: []string{"turn:x:3478?transport=sctp"}, TURNSecret: testSecret}, "udp or tcp"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.want)
		}
	}
	if _, err := New(Config{Auth: a, TURNURLs: []string{"turn:x:3478"}, TURNSecret: testSecret}); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}
